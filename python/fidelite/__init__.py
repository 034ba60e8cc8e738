"""fidelite: customer retention and loyalty analytics with a Rust core.

>>> import fidelite
>>> shop = fidelite.datasets.demo_shop(1000, seed=0)
>>> m = fidelite.retention(shop.events, period="quarter")
>>> m.counts.shape[0] == len(m.cohorts)
True
"""

from __future__ import annotations

from . import datasets, exceptions
from ._core import __version__
from .eventlog import EventLog, RowReport
from .results import TableResult, ValueResult
from .retention import LifecycleResult, RetentionMatrix, SegmentedRetention, lifecycle, retention

__all__ = [
    "EventLog",
    "LifecycleResult",
    "RetentionMatrix",
    "RowReport",
    "SegmentedRetention",
    "TableResult",
    "ValueResult",
    "__version__",
    "datasets",
    "exceptions",
    "lifecycle",
    "retention",
]
