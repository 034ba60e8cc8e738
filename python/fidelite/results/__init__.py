"""Result classes with their rendering (text, HTML, plots), apart from the metric code.

Every result derives from :class:`Result`: numpy arrays and labels, ``to_dict()``,
``to_pandas()``, ``to_polars()``, ``to_html()`` (what Jupyter shows) and a text repr.
How values are shown is decided once, in :mod:`fidelite.results.formatting`, for the
results, the report and the explorer alike.
"""

from __future__ import annotations

from .activity import StickinessResult
from .base import Result, TableResult, ValueResult, safe_ratio
from .crm import CampaignResult
from .customers import ActivationResult, CustomerSummary, PatternResult, RFMResult
from .lifecycle import LifecycleResult
from .predict import ClvSummary, ModelGrid, PredictedCLV
from .programme import NearNextTier, ProgrammeImpact, ProgrammeKPIs, ProgrammePoints, TierMigration
from .retention import RetentionMatrix, SegmentedRetention, wilson
from .segmented import SegmentedResult
from .series import PeriodSeries
from .subscriptions import RevenueRetention
from .surveys import LoyaltyIndexResult, NPSBehaviour, NPSResult, TransitionMatrix
from .survival import SurvivalResult

__all__ = [
    "ActivationResult",
    "CampaignResult",
    "ClvSummary",
    "CustomerSummary",
    "LifecycleResult",
    "LoyaltyIndexResult",
    "ModelGrid",
    "NPSResult",
    "PatternResult",
    "PredictedCLV",
    "ProgrammeImpact",
    "RFMResult",
    "Result",
    "RetentionMatrix",
    "RevenueRetention",
    "SegmentedResult",
    "SegmentedRetention",
    "StickinessResult",
    "SurvivalResult",
    "TableResult",
    "TierMigration",
    "TransitionMatrix",
    "ValueResult",
    "safe_ratio",
    "wilson",
    "NearNextTier",
    "NPSBehaviour",
    "PeriodSeries",
    "ProgrammeKPIs",
    "ProgrammePoints",
]
