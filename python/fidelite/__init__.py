"""fidelite: customer retention and loyalty analytics with a Rust core.

The package is layered; each layer imports only those below it:

- surfaces: :mod:`fidelite.cli`, :mod:`fidelite.report`, :mod:`fidelite.explore`,
  :mod:`fidelite.plugins`, :mod:`fidelite.datasets`;
- :mod:`fidelite.metrics`: the metric functions, one module per family;
- :mod:`fidelite.results`: the result classes with their rendering;
- :mod:`fidelite.query`, :class:`fidelite.EventLog`, :mod:`fidelite.calendar`: the shared
  parameters of a query, the validated log and its layouts, the calendar;
- :mod:`fidelite.io`: reading any input, the row accounting;
- ``fidelite._core``: the compiled kernels.

docs/metrics.md defines every metric.

>>> import fidelite
>>> shop = fidelite.datasets.demo_shop(1000, seed=0)
>>> m = fidelite.retention(shop.events, period="quarter")
>>> m.counts.shape[0] == len(m.cohorts)
True
"""

from __future__ import annotations

from . import datasets, exceptions, metrics, models, plugins
from ._core import __version__
from .eventlog import EventLog
from .explore import explore  # the ipywidgets view is imported on first call
from .io import RowReport
from .limits import memory_limit, set_memory_limit
from .metrics import *
from .plugins import Index, compute_index, hookimpl, indices
from .results import (
    CampaignResult,
    CustomerSummary,
    LifecycleResult,
    RetentionMatrix,
    RevenueRetention,
    SegmentedResult,
    SegmentedRetention,
    SurvivalResult,
    TableResult,
    ValueResult,
)

__all__ = [
    "CampaignResult",
    "CustomerSummary",
    "EventLog",
    "Index",
    "LifecycleResult",
    "RetentionMatrix",
    "RevenueRetention",
    "RowReport",
    "SegmentedResult",
    "SegmentedRetention",
    "SurvivalResult",
    "TableResult",
    "ValueResult",
    "__version__",
    "compute_index",
    "datasets",
    "exceptions",
    "explore",
    "hookimpl",
    "indices",
    "memory_limit",
    "models",
    "plugins",
    "set_memory_limit",
    *metrics.__all__,
]
