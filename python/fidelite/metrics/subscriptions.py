"""Revenue retention from a subscriptions table (docs/metrics.md, "Revenue retention"):
the MRR bridge per period (start MRR, new, reactivation, expansion, contraction, churned),
revenue churn, gross and net revenue retention (GRR, NRR)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..calendar import Calendar
from ..exceptions import EmptyInputError, MissingTableError
from ..io import KeyedTable, RowReport
from ..query import keywords, resolve_as_of
from ..results.subscriptions import RevenueRetention

NULL_START = "null start"
BAD_START = "unparseable start (expected ISO 8601)"
BAD_END = "unparseable end (expected ISO 8601)"
NULL_MRR = "null mrr"
BAD_MRR = "negative or infinite mrr"
END_BEFORE_START = "end before start"
_MICRO = 1e6  # MRR is summed exactly in millionths of a currency unit


def _read(
    subscriptions: Any, customer: str, start: str, end: str, mrr: str, tz: str, strict: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, RowReport]:
    """(customer codes, start µs, end µs (i64 max = running), mrr, report) of the kept rows."""
    if subscriptions is None:
        raise MissingTableError(
            "revenue_retention needs the subscriptions table: pass a table with columns customer_id, start, end "
            "(null = running), mrr"
        )
    table = KeyedTable(
        subscriptions,
        what="subscriptions table",
        customer=customer,
        noun="subscription rows",
        empty="pass at least one subscription",
    )
    acc = table.accounting
    t0, null_t0, bad_t0 = table.instants(start, "start", tz)
    t1, null_t1, bad_t1 = table.instants(end, "end", tz)
    value, null_v = table.floats(mrr, "mrr")
    acc.reject(NULL_START, null_t0)
    acc.reject(BAD_START, bad_t0)
    acc.reject(BAD_END, bad_t1)
    acc.reject(NULL_MRR, null_v)
    acc.reject(BAD_MRR, ~null_v & ((value < 0) | np.isinf(value)))
    acc.reject(END_BEFORE_START, ~null_t1 & (t1 < t0))
    report = table.finish(strict=strict)
    keep = acc.keep if acc.keep is not None else np.ones(table.n_rows, bool)
    codes = table.factorize(keep).codes.astype(np.int64)
    t1 = np.where(null_t1, np.iinfo(np.int64).max, t1)
    return codes, t0[keep], t1[keep], value[keep], report


@keywords
def revenue_retention(
    subscriptions: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str = "UTC",
    as_of: Any = None,
    customer: str = "customer_id",
    start: str = "start",
    end: str = "end",
    mrr: str = "mrr",
    strict: bool = False,
) -> RevenueRetention:
    """MRR bridge, revenue churn, GRR and NRR per calendar period.

    A subscription row counts from ``start`` (inclusive) to ``end`` (exclusive; null =
    running). A customer's MRR at an instant is the sum of ``mrr`` of its rows running then
    (summed exactly in millionths of the currency unit).
    For each period, with M(c) the customer's MRR at the period's first instant and M'(c)
    at the next period's first instant (changes inside a period are netted; a row that
    starts and ends inside one period never counts):

    - ``start_mrr`` = sum of M; ``end_mrr`` = sum of M';
    - ``churned`` = sum of M over customers with M > 0 and M' = 0;
    - ``contraction`` = sum of M - M' over customers with 0 < M' < M;
    - ``expansion`` = sum of M' - M over customers with 0 < M < M';
    - ``new`` / ``reactivation`` = sum of M' over customers with M = 0 < M' who had no MRR
      at any earlier period start / who had some;
    - ``revenue_churn`` = (churned + contraction) / start_mrr x 100;
      ``grr`` = (start - churned - contraction) / start x 100;
      ``nrr`` = (start - churned - contraction + expansion) / start x 100 (NaN when
      start_mrr = 0).

    So end_mrr = start_mrr + new + reactivation + expansion - contraction - churned.
    Periods run from the first subscription's period to the period of ``as_of`` (default:
    the latest start or end in the table; rows starting later are ignored and ends after it
    are not yet known, so the last period shows the state at ``as_of``, ``complete=False``).
    ``.value`` is the NRR of the latest complete period. Rows with a null id or start, an
    unparseable date, a null, negative or infinite mrr, or an end before the start are
    rejected and counted in ``.report`` (``strict=True`` raises instead).

    >>> import fidelite
    >>> subs = {"customer_id": [1, 2, 2, 3], "mrr": [100.0, 50.0, 80.0, 20.0],
    ...         "start": ["2024-01-10", "2024-01-05", "2024-02-10", "2024-02-03"],
    ...         "end": ["2024-02-20", "2024-02-10", None, None]}
    >>> r = fidelite.revenue_retention(subs, as_of="2024-03-31")
    >>> r["start_mrr"].tolist(), float(r["nrr"][1]), r.value
    ([0.0, 150.0, 100.0], 53.333333333333336, 100.0)
    """
    cal = Calendar.make(period, tz, week_start)
    codes, t0, t1, value, report = _read(subscriptions, customer, start, end, mrr, tz, strict)
    latest = max(int(t0.max()), int(t1[t1 != np.iinfo(np.int64).max].max(initial=t0.max())))
    as_of_us = resolve_as_of(as_of, tz, latest)
    known = t0 <= as_of_us
    if not known.any():
        raise EmptyInputError(f"no subscription starts at or before as_of ({np.datetime64(as_of_us, 'us')})")
    codes, t0, value = codes[known], t0[known], value[known]
    t1 = np.where(t1[known] > as_of_us, np.iinfo(np.int64).max, t1[known])

    cal = Calendar.make(period, tz, week_start, (int(t0.min()), as_of_us))  # fast over the subscriptions
    first_p = cal.period_of(int(t0.min()))
    n_p = cal.period_of(as_of_us) - first_p + 1
    days, bounds = cal.axis(first_p, n_p)  # n_p + 1 boundaries
    # a row is running at boundary k iff t0 <= bounds[k] < t1: boundaries k_lo .. k_hi - 1
    k_lo = np.searchsorted(bounds, t0, side="left")
    k_hi = np.searchsorted(bounds, t1, side="left")
    live = k_hi > k_lo
    n_b = n_p + 1
    micro = np.round(value[live] * _MICRO).astype(np.int64)  # exact integer sums
    steps = np.zeros(n_b + 1, np.int64)
    np.add.at(steps, k_lo[live], micro)
    np.add.at(steps, k_hi[live], -micro)
    total = np.cumsum(steps)[:n_b] / _MICRO

    # each customer's MRR after every boundary where it changes: (customer, boundary) steps
    c = np.concatenate([codes[live], codes[live]])
    k = np.concatenate([k_lo[live], k_hi[live]])
    delta = np.concatenate([micro, -micro])
    order = np.lexsort((k, c))
    c, k, delta = c[order], k[order], delta[order]
    step = np.ones(len(c), bool)
    step[1:] = (c[1:] != c[:-1]) | (k[1:] != k[:-1])
    gc, gk = c[step], k[step]
    gd = np.add.reduceat(delta, np.flatnonzero(step)) if len(delta) else delta
    first_of_customer = np.ones(len(gc), bool)
    first_of_customer[1:] = gc[1:] != gc[:-1]
    cum = np.cumsum(gd)
    starts = np.flatnonzero(first_of_customer)
    before_customer = np.concatenate([[0], cum])[starts]
    after = cum - np.repeat(before_customer, np.diff(np.append(starts, len(gd))))
    before = np.where(first_of_customer, 0, np.roll(after, 1))
    paying = (after > 0).astype(np.int64)
    seen_paying = np.cumsum(paying)
    seen_paying -= np.repeat(np.concatenate([[0], seen_paying])[starts], np.diff(np.append(starts, len(gd))))
    had_before = seen_paying - paying > 0  # MRR at an earlier boundary
    moved = (gk >= 1) & (gk < n_b)  # a change between boundaries gk - 1 and gk: period gk - 1
    p = gk - 1
    kinds = {
        "new": moved & (before == 0) & (after > 0) & ~had_before,
        "reactivation": moved & (before == 0) & (after > 0) & had_before,
        "expansion": moved & (before > 0) & (after > before),
        "contraction": moved & (after > 0) & (after < before),
        "churned": moved & (after == 0) & (before > 0),
    }
    amount = {
        "new": after,
        "reactivation": after,
        "expansion": after - before,
        "contraction": before - after,
        "churned": before,
    }
    flows = {
        name: np.bincount(p[m], weights=amount[name][m], minlength=n_p)[:n_p] / _MICRO for name, m in kinds.items()
    }

    start_mrr, end_mrr = total[:n_p], total[1:n_b]
    lost = flows["churned"] + flows["contraction"]
    with np.errstate(invalid="ignore", divide="ignore"):
        base = np.where(start_mrr > 0, start_mrr, np.nan)
        churn_rate = lost / base * 100.0
        grr = (start_mrr - lost) / base * 100.0
        nrr = (start_mrr - lost + flows["expansion"]) / base * 100.0
    complete = cal.complete(first_p, n_p, as_of_us)
    cols: dict[str, Any] = {
        "period": days[:n_p],
        "start_mrr": start_mrr,
        "new": flows["new"],
        "reactivation": flows["reactivation"],
        "expansion": flows["expansion"],
        "contraction": flows["contraction"],
        "churned": flows["churned"],
        "end_mrr": end_mrr,
        "revenue_churn": churn_rate,
        "grr": grr,
        "nrr": nrr,
        "complete": complete,
    }
    done = np.flatnonzero(complete)
    if len(done) == 0:
        value_, reason = math.nan, "no complete period at as_of"
    elif math.isnan(nrr[done[-1]]):
        value_, reason = (
            math.nan,
            f"no MRR at the start of the latest complete period ({cal.period_labels(first_p + int(done[-1]), 1)[0]})",
        )
    else:
        value_, reason = float(nrr[done[-1]]), None
    meta = dict(
        period=period,
        week_start=cal.week_start,
        tz=tz,
        as_of=np.datetime64(as_of_us, "us"),
        labels=cal.period_labels(first_p, n_p),
    )
    return RevenueRetention(cols, value=value_, reason=reason, meta=meta, report=report)
