"""The per-customer summary (first / last event, counts, revenue, gaps, recency, tenure):
one Rust pass per customer over the grouped events, the base of RFM, CLV and at-risk lists."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from . import _core
from ._calendar import Calendar, to_instant
from .eventlog import EventLog
from .results import TableResult

#: Columns of :class:`CustomerSummary`, in order.
COLUMNS = (
    "customer_id", "first", "last", "n_events", "n_purchases", "n_periods", "revenue", "n_products",
    "first_purchase", "last_purchase", "median_gap_days", "recency_days", "tenure_days",
)
_INSTANTS = ("first", "last", "first_purchase", "last_purchase")


class CustomerSummary(TableResult):
    """One row per customer of the log, in ascending customer id order.

    Row ``i`` is customer code ``i`` of the :class:`EventLog` (``log.customer_ids[i]``),
    so ``summary.columns[name]`` are plain numpy arrays aligned with the log's codes,
    ready for other metrics (no lookup, no copy). ``as_of`` (datetime64[us]) and
    ``period`` are attributes; ``reason`` says why ``revenue`` is NaN when it is.
    """

    def __init__(self, columns: Mapping[str, np.ndarray], *, as_of: int, params: dict[str, Any],
                 reason: str | None) -> None:
        super().__init__(columns, title=f"customer summary as of {np.datetime64(as_of, 'us')}", reason=reason,
                         meta=params)
        self.as_of = np.datetime64(as_of, "us")
        self.period = params["period"]


def purchases(log: EventLog, purchase_event: str | Sequence[str] | None) -> str | Sequence[str] | None:
    """The event types that are purchases, None = every event: the case of a log without
    an event column (METRICS.md, "Inputs") and of ``purchase_event=None``."""
    return None if purchase_event is None or not log.has("event") else purchase_event


def purchase_mask(log: EventLog, purchase_event: str | Sequence[str] | None) -> np.ndarray | None:
    """Events that are purchases (grouped order), None = all of them (see :func:`purchases`)."""
    return log.event_mask(purchases(log, purchase_event))


def customer_summary(
    data: Any,
    *,
    as_of: Any = None,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str | None = None,
    purchase_event: str | Sequence[str] | None = "purchase",
    **columns: Any,
) -> CustomerSummary:
    """Per-customer summary of the events at or before ``as_of`` (default: the latest).

    Columns (one row per customer, ascending id; customers with no event at or before
    ``as_of`` are rows of zeros, NaT and NaN):

    - ``customer_id``; ``first``, ``last``: first and last event (datetime64[us], UTC);
    - ``n_events``; ``n_purchases``: events of type ``purchase_event`` (a str or a list;
      every event in a log without an event column, or with ``purchase_event=None``);
    - ``n_periods``: distinct calendar periods (``period``, ``week_start``, ``tz``) holding
      an event;
    - ``revenue``: sum of ``amount`` over purchases, plus refunds (negative amounts of any
      event type, e.g. a ``refund`` event): net revenue. NaN without an amount column;
    - ``n_products``: distinct products among purchases (0 without a product column);
    - ``first_purchase``, ``last_purchase`` (NaT if none);
    - ``median_gap_days``: median of the gaps, in days, between consecutive purchases
      (NaN with fewer than 2 purchases);
    - ``recency_days``: ``as_of`` - last purchase (NaN if none); ``tenure_days``:
      ``as_of`` - first event (NaN if none).

    ``summary.columns[name]`` holds each column as a numpy array in the log's customer
    code order, for fast use by other metrics. A date ``as_of`` means the end of that day
    in ``tz``. Column keywords (``customer=``, ``time=``, ``amount=``, ...) are those of
    :class:`EventLog`.

    >>> import numpy as np, fidelite
    >>> s = fidelite.customer_summary({"customer_id": [1, 1, 2],
    ...     "timestamp": np.array(["2024-01-01", "2024-01-11", "2024-02-01"], "datetime64[us]"),
    ...     "amount": [10.0, 5.0, 7.0]}, as_of="2024-01-31")
    >>> s["n_purchases"].tolist(), s["revenue"].tolist(), s["median_gap_days"][0]
    ([2, 0], [15.0, 0.0], np.float64(10.0))
    """
    log = EventLog.of(data, tz=tz, **columns)
    tz = tz or log.tz
    cal = Calendar.make(period, tz, week_start)
    as_of_us = log.t_max if as_of is None else to_instant(as_of, tz)
    # a log not grouped yet is summarised from its rows, partition by partition
    events, mask, cols = log.kernel_events(purchases(log, purchase_event))
    product = cols.get("product")
    out = _core.customer_summary(
        n_customers=log.n_customers, t_range=(log.t_min, log.t_max), as_of=as_of_us, purchase_mask=mask,
        amount=cols.get("amount"), product=product, n_products=len(log.labels("product")) if product is not None else 0,
        **events, **cal.kw(),
    )
    cols: dict[str, np.ndarray] = {"customer_id": log.customer_ids}
    for name in COLUMNS[1:]:
        cols[name] = out[name].view("datetime64[us]") if name in _INSTANTS else out[name]
    reason = None if log.has("amount") else "the log has no amount column: revenue is NaN (pass amount=<column>)"
    params = dict(period=period, week_start=cal.week_start, tz=tz, purchase_event=purchase_event)
    return CustomerSummary(cols, as_of=as_of_us, params=params, reason=reason)
