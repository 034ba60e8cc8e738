"""fidelite: customer retention and loyalty analytics with a Rust core.

>>> import fidelite
>>> shop = fidelite.datasets.demo_shop(1000, seed=0)
>>> m = fidelite.retention(shop.events, period="quarter")
>>> m.counts.shape[0] == len(m.cohorts)
True
"""

from __future__ import annotations

from . import datasets, exceptions, models, plugins
from ._core import __version__
from .crm import CampaignResult, campaigns
from .customers import activation, churn_reasons, completeness
from .activity import active_customers, period_kpis, rolling_active
from .engagement import engagement
from .eventlog import EventLog, RowReport
from .explore import explore  # the ipywidgets view is imported on first call
from .plugins import Index, compute_index, hookimpl, indices
from .purchases import clv, repeat_rate, upsell_rate
from .results import TableResult, ValueResult
from .retention import LifecycleResult, RetentionMatrix, SegmentedRetention, lifecycle, retention
from .states import at_risk, best_customers, retention_patterns, rfm
from .subscriptions import RevenueRetention, revenue_retention
from .summary import CustomerSummary, customer_summary
from .surveys import loyalty_index, nps

__all__ = [
    "CampaignResult",
    "CustomerSummary",
    "EventLog",
    "Index",
    "LifecycleResult",
    "RetentionMatrix",
    "RevenueRetention",
    "RowReport",
    "SegmentedRetention",
    "TableResult",
    "ValueResult",
    "__version__",
    "activation",
    "active_customers",
    "at_risk",
    "best_customers",
    "campaigns",
    "churn_reasons",
    "clv",
    "completeness",
    "compute_index",
    "customer_summary",
    "datasets",
    "engagement",
    "exceptions",
    "explore",
    "hookimpl",
    "indices",
    "lifecycle",
    "loyalty_index",
    "models",
    "nps",
    "period_kpis",
    "plugins",
    "repeat_rate",
    "retention",
    "retention_patterns",
    "revenue_retention",
    "rfm",
    "rolling_active",
    "upsell_rate",
]
