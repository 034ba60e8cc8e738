"""Revenue retention from a subscriptions table (docs/metrics.md, "Revenue retention"):
the MRR bridge per period (start MRR, new, reactivation, expansion, contraction, churned),
revenue churn, gross and net revenue retention (GRR, NRR)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..calendar import Calendar
from ..exceptions import EmptyInputError
from ..query import keywords, resolve_as_of
from ..query.subscriptions import read_subscriptions
from ..results.subscriptions import RevenueCohorts, RevenueRetention

_MICRO = 1e6  # MRR is summed exactly in millionths of a currency unit


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

    ``.cohorts`` is the same per cohort, as a matrix (docs/metrics.md, "Revenue retention
    per cohort"): a customer's cohort is the period of its first start; offset j of cohort
    k is the end of period k + j (offset 0: the end of the cohort's own period, each
    member's initial MRR M0). Per cell, over the cohort's customers with their MRR Mj
    there: ``mrr`` = sum Mj, ``churned`` = sum M0 where Mj = 0 < M0, ``contraction`` =
    sum M0 - Mj where 0 < Mj < M0, ``expansion`` = sum Mj - M0 where 0 < M0 < Mj,
    ``reactivation`` = sum Mj where M0 = 0 (joined and left within the cohort period, back
    later); ``nrr`` = mrr / start_mrr x 100, ``grr`` = (start_mrr - churned - contraction)
    / start_mrr x 100 (NaN on a cohort without initial MRR). ``.cohorts.matrix("nrr")``
    is the cohorts x offsets grid.
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
    subs = read_subscriptions(
        subscriptions,
        metric="revenue_retention",
        customer=customer,
        start=start,
        end=end,
        mrr=mrr,
        tz=tz,
        strict=strict,
    )
    codes, t0, t1, value, report = subs.codes, subs.start, subs.end, subs.mrr, subs.report
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
        period_starts=days[:n_p],
    )
    cohorts = _cohort_matrix(codes, t0, gc, gk, after, bounds, complete, meta)
    return RevenueRetention(cols, value=value_, reason=reason, meta=meta, report=report, cohorts=cohorts)


def _cohort_matrix(
    codes: np.ndarray,
    t0: np.ndarray,
    gc: np.ndarray,
    gk: np.ndarray,
    after: np.ndarray,
    bounds: np.ndarray,
    complete: np.ndarray,
    meta: dict[str, Any],
) -> RevenueCohorts:
    """The revenue retention matrix per cohort from each customer's MRR steps: ``after``
    (millionths) from boundary ``gk`` on, sorted by customer ``gc`` then boundary.
    Customers are those of the rows running at some boundary (``codes``, ``t0``)."""
    n_p = len(bounds) - 1
    n_b = n_p + 1
    n_c = int(codes.max()) + 1 if len(codes) else 0
    first = np.full(n_c, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, t0)
    member = first != np.iinfo(np.int64).max
    cohort = np.searchsorted(bounds, first, side="right") - 1  # the period of the first start
    k0 = cohort + 1  # offset 0: the end of the cohort period
    # each customer's MRR at its offset 0: the last step at or before k0
    key = gc * (n_b + 2) + gk
    at = np.searchsorted(key, np.arange(n_c) * (n_b + 2) + k0, side="right") - 1
    m0 = np.zeros(n_c, np.int64)
    if len(gc):  # some row runs at a boundary
        hit = (at >= 0) & (gc[np.maximum(at, 0)] == np.arange(n_c)) & member
        m0[hit] = after[at[hit]]
    # each step holds from its boundary to the customer's next step (or the end)
    nxt = np.append(gk[1:], n_b)
    nxt[:-1][gc[1:] != gc[:-1]] = n_b
    lo, hi = np.maximum(gk, k0[gc]), np.minimum(nxt, n_b)
    seg = hi > lo
    c, v, lo, hi = gc[seg], after[seg], lo[seg], hi[seg]
    base = m0[c]
    parts = {
        "mrr": v,
        "paying": (v > 0).astype(np.int64),
        "churned": np.where((v == 0) & (base > 0), base, 0),
        "contraction": np.where((v > 0) & (v < base), base - v, 0),
        "expansion": np.where((base > 0) & (v > base), v - base, 0),
        "reactivation": np.where(base == 0, v, 0),
    }
    row, j_lo, j_hi = cohort[c], lo - k0[c], hi - k0[c]
    grids = {}
    for name, x in parts.items():
        diff = np.zeros((n_p, n_p + 1), np.int64)
        np.add.at(diff, (row, j_lo), x)
        np.add.at(diff, (row, j_hi), -x)
        grids[name] = np.cumsum(diff, axis=1)[:, :n_p]
    sizes = np.bincount(cohort[member], minlength=n_p)[:n_p]
    start = np.bincount(cohort, weights=m0, minlength=n_p)[:n_p]  # exact: sums of integers < 2^53
    k, j = np.nonzero(np.arange(n_p)[:, None] + np.arange(n_p)[None, :] < n_p)
    cell = {name: g[k, j] for name, g in grids.items()}
    money = {name: cell[name] / _MICRO for name in ("mrr", "churned", "contraction", "expansion", "reactivation")}
    start_k = start[k] / _MICRO
    with np.errstate(invalid="ignore", divide="ignore"):
        base_k = np.where(start_k > 0, start_k, np.nan)
        nrr = money["mrr"] / base_k * 100.0
        grr = (start_k - money["churned"] - money["contraction"]) / base_k * 100.0
    days = meta["period_starts"]
    cols: dict[str, Any] = {
        "cohort": days[k],
        "offset": j,
        "customers": sizes[k],
        "paying": cell["paying"],
        "start_mrr": start_k,
        **money,
        "nrr": nrr,
        "grr": grr,
        "complete": complete[k + j],
    }
    labels = meta["labels"]
    return RevenueCohorts(cols, cohort_labels=list(labels), meta=meta)
