"""The per-customer summary (first / last event, counts, revenue, gaps, recency, tenure):
one Rust pass per customer, the base of RFM, CLV and at-risk lists (docs/metrics.md,
"Customer summary")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..query import parse
from ..query import summary as summarise
from ..results.customers import CustomerSummary


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
    q = parse(data, columns, metric=customer_summary, tz=tz, as_of=as_of, period=period, week_start=week_start)
    log = q.log
    s = summarise(q, purchase_event, activity=True)
    cols = {"customer_id": log.ids_by_id()}
    cols.update({name: log.by_id(v) for name, v in s.columns.items()})
    params = dict(period=period, week_start=q.week_start, tz=q.tz, purchase_event=purchase_event)
    return CustomerSummary(cols, as_of=q.as_of, params=params, reason=s.reason)
