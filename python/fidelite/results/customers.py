"""Results about customers: the per-customer summary, retention patterns, RFM and
activation (each a table, or a value with its tables)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..io import RowReport
from .base import TableResult, ValueResult


class CustomerSummary(TableResult):
    """One row per customer of the log, in ascending customer id order.

    Row ``i`` is customer code ``i`` of the :class:`~fidelite.EventLog`
    (``log.customer_ids[i]``), so ``summary.columns[name]`` are plain numpy arrays aligned
    with the log's codes, ready for other metrics (no lookup, no copy). ``as_of``
    (datetime64[us]) and ``period`` are attributes; ``reason`` says why ``revenue`` is NaN
    when it is.
    """

    def __init__(
        self, columns: Mapping[str, np.ndarray], *, as_of: int, params: dict[str, Any], reason: str | None
    ) -> None:
        super().__init__(
            columns, title=f"customer summary as of {np.datetime64(as_of, 'us')}", reason=reason, meta=params
        )
        self.as_of = np.datetime64(as_of, "us")
        self.period = params["period"]


class PatternResult(TableResult):
    """Customers per retention pattern (pattern, customers, share %); ``per_customer`` is the
    table of every customer's pattern (customer_id, pattern, first_period, last_period,
    n_periods, periods_since_last)."""

    def __init__(
        self, columns: dict[str, Any], *, per_customer: TableResult, meta: dict[str, Any], reason: str | None
    ) -> None:
        super().__init__(columns, title=f"retention patterns per {meta['period']}", meta=meta, reason=reason)
        self.per_customer = per_customer


class RFMResult(TableResult):
    """Per-customer RFM table; ``segments`` counts customers (and revenue) per segment."""

    def __init__(self, columns: dict[str, Any], *, segments: TableResult, meta: dict[str, Any]) -> None:
        super().__init__(columns, title="RFM", meta=meta)
        self.segments = segments


class ActivationResult(ValueResult):
    """Activation rate (``.value``, %) with ``time_to_value`` (one row per customer with a
    first value event at or after ``created``) and the customers-table ``report``."""

    def __init__(
        self, value: float, *, parts: dict[str, Any], reason: str | None, time_to_value: TableResult, report: RowReport
    ) -> None:
        super().__init__(value, title="activation rate", unit="%", parts=parts, reason=reason)
        self.time_to_value = time_to_value
        self.report = report
