"""Customer states (docs/metrics.md, "Customer states"): retention patterns, at-risk
customers, RFM scores and segments, best customers. Each is a few numpy operations on the
per-customer summary (one Rust pass per customer).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import io
from ..exceptions import MissingColumnError, ParameterError
from ..models import BetaGeo
from ..query import Query, parse, summary
from ..query.clv import clv_arrays, on_time_unit
from ..results.base import TableResult
from ..results.customers import PatternResult, RFMResult
from ..scale.merges import Gathered
from ..scale.registry import in_steps

PATTERNS = ("continuous", "discontinuous", "one-time", "lapsed")
SEGMENTS = ("champions", "loyal", "potential loyalists", "new", "at risk", "can't lose", "hibernating", "lost")


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts * (100.0 / total) if total else np.full(len(counts), math.nan)


# ----------------------------------------------------------------------------- retention patterns


def _lapse(lapse_after: int) -> int:
    if isinstance(lapse_after, bool) or not isinstance(lapse_after, (int, np.integer)) or lapse_after < 1:
        raise ParameterError(f"lapse_after is a number of periods >= 1, e.g. 3; got {lapse_after!r}")
    return int(lapse_after)


def _period_positions(q: Query, s: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(seen, first period, last period per customer, period of as_of); periods are
    calendar period indices, -1 for customers with no event at or before as_of."""
    cal = q.calendar
    seen = s["n_events"] > 0
    first = np.full(len(seen), -1, np.int64)
    last = np.full(len(seen), -1, np.int64)
    first[seen] = cal.periods_of(s["first"][seen].view(np.int64))
    last[seen] = cal.periods_of(s["last"][seen].view(np.int64))
    return seen, first, last, cal.period_of(q.as_of)


def _meta(q: Query, purchase_event: Any, **more: Any) -> dict[str, Any]:
    return dict(
        period=q.period,
        week_start=q.week_start,
        tz=q.tz,
        purchase_event=purchase_event,
        as_of=np.datetime64(q.as_of, "us"),
        **more,
    )


def retention_patterns(
    data: Any,
    *,
    period: str = "month",
    lapse_after: int = 3,
    week_start: str | int = "monday",
    as_of: Any = None,
    tz: str | None = None,
    **columns: Any,
) -> PatternResult:
    """Retention pattern of every customer, from its active calendar periods
    (periods holding at least one event, up to ``as_of``; default the latest event).

    With f / l the customer's first / last active period, n its number of active periods
    and A the period holding ``as_of``, exactly one of (first match wins):

    - **lapsed**: A - l >= ``lapse_after`` (no event in the last ``lapse_after`` periods,
      the as_of period included);
    - **one-time**: n == 1;
    - **continuous**: n == l - f + 1 (active in every period from the first to the last);
    - **discontinuous**: otherwise (a gap, then active again).

    Customers with no event at or before ``as_of`` are left out. The result counts customers
    per pattern (share in %); ``.per_customer`` lists each customer's pattern.

    >>> import fidelite
    >>> log = {"customer_id": [1, 1, 2, 2, 3, 4], "timestamp": ["2024-01-05", "2024-02-05",
    ...        "2024-01-05", "2024-03-05", "2024-03-01", "2023-10-01"]}
    >>> r = fidelite.retention_patterns(log)
    >>> dict(zip(r["pattern"], r["customers"].tolist()))
    {'continuous': 1, 'discontinuous': 1, 'one-time': 1, 'lapsed': 1}
    """
    lapse = _lapse(lapse_after)
    q = parse(data, columns, metric=retention_patterns, tz=tz, as_of=as_of, period=period, week_start=week_start)
    s = summary(q, None).columns
    seen, first, last, now = _period_positions(q, s)
    n = s["n_periods"]
    since = now - last
    pattern = np.where(since >= lapse, 3, np.where(n == 1, 2, np.where(n == last - first + 1, 0, 1)))
    rows = q.log.codes_by_id(seen)
    counts = np.bincount(pattern[seen], minlength=4).astype(np.int64)
    labels = np.array(PATTERNS, dtype=object)
    per = TableResult(
        {
            "customer_id": q.log.customer_ids[rows],
            "pattern": labels[pattern[rows]],
            "first_period": first[rows],
            "last_period": last[rows],
            "n_periods": n[rows],
            "periods_since_last": since[rows],
        },
        title="retention pattern per customer",
    )
    meta = _meta(q, None, lapse_after=lapse)
    reason = None if seen.any() else "no customer has an event at or before as_of"
    return PatternResult(
        {"pattern": labels, "customers": counts, "share": _shares(counts)}, per_customer=per, meta=meta, reason=reason
    )


# ----------------------------------------------------------------------------- at risk


AT_RISK_METHODS = ("gap", "p_alive")


def _at_risk_ranked(buyers: Gathered) -> TableResult:
    """The population-wide step of :func:`at_risk`: the population gap (or the BG/NBD
    fit), who is at risk, the ranking."""
    r, same = buyers.rows, buyers.same
    scores = r.get("score")
    if same["method"] == "p_alive":
        return _at_risk_p_alive(r, same, scores)
    gap, days = r["gap"], r["days_since"]
    repeat = r["repeat"]
    population = float(np.median(gap[repeat])) if repeat.any() else math.nan
    expected = np.where(repeat, gap, population)
    eligible = r["eligible"]
    factor = same["factor"]
    with np.errstate(invalid="ignore", divide="ignore"):
        risky = eligible & (days > factor * expected)
        ratio = np.where(risky, days / expected, math.nan)
    order = _ranked(np.flatnonzero(risky), r["revenue"], scores)  # ties by ascending id
    cols = {
        "customer_id": r["customer_id"][order],
        "last_purchase": r["last_purchase"][order],
        "days_since": days[order],
        "expected_gap_days": expected[order],
        "ratio": ratio[order],
        "revenue": r["revenue"][order],
    }
    if scores is not None:
        cols["score"] = scores[order]
    meta = dict(
        same["meta"],
        factor=factor,
        lapse_after=same["lapse"],
        eligible=int(eligible.sum()),
        population_gap_days=population,
    )
    return TableResult(cols, title=f"customers at risk (gap > {factor:g} x usual)", meta=meta, reason=same["reason"])


@in_steps(_at_risk_ranked)
def at_risk(
    data: Any,
    *,
    method: str = "gap",
    threshold: float = 0.5,
    factor: float = 2.0,
    lapse_after: int = 3,
    period: str = "month",
    week_start: str | int = "monday",
    purchase_event: str | Sequence[str] | None = "purchase",
    rank_by: Any = "revenue",
    as_of: Any = None,
    tz: str | None = None,
    **columns: Any,
) -> Gathered:
    """Customers at risk: not lapsed, but whose time since the last purchase exceeds
    ``factor`` x their usual gap between purchases.

    - usual gap (``expected_gap_days``): the customer's median gap between consecutive
      purchases; for one-time buyers, the population median gap = the median of the repeat
      buyers' median gaps (when there is no repeat buyer, one-time buyers cannot be judged
      and are left out; ``meta["population_gap_days"]`` is then NaN);
    - lapsed (excluded) as in :func:`retention_patterns` (no event in the last
      ``lapse_after`` periods, any event type);
    - at risk: ``days_since`` (as_of - last purchase, in days) > ``factor`` x expected gap.

    Rows are ranked by value: ``revenue`` (net, as in :func:`customer_summary`) descending,
    ties by ascending customer id. Columns: customer_id, last_purchase, days_since,
    expected_gap_days, ratio (days_since / expected gap), revenue.

    ``rank_by`` a table of scores per customer (``customer_id`` and ``value`` columns,
    e.g. the health index, ``fidelite.compute_index("health", events=...)``) ranks by
    that score instead, lowest first (the least healthy on top), customers without a
    score last; the score is then a ``score`` column.

    ``method="p_alive"`` asks the BG/NBD model instead (docs/metrics.md, "Prediction"):
    fitted by maximum likelihood on :func:`clv_summary` of the purchases at or before
    ``as_of`` in days, a customer is at risk when her probability of still being a
    customer, ``p_alive``, is below ``threshold``. Only repeat buyers can be judged (the
    model holds a one-time buyer alive). Same ranking; columns customer_id, last_purchase,
    days_since, p_alive, frequency (repeat purchase days), revenue; ``meta["params"]`` the
    fitted parameters. ``factor`` and ``lapse_after`` belong to the default method.

    >>> import fidelite
    >>> log = {"customer_id": [1, 1, 1, 2, 2, 2], "amount": [10.0, 10.0, 10.0, 5.0, 5.0, 5.0],
    ...        "timestamp": ["2024-01-01", "2024-01-11", "2024-01-21", "2024-01-01", "2024-02-01", "2024-03-01"]}
    >>> r = fidelite.at_risk(log)
    >>> r["customer_id"].tolist(), r["days_since"].tolist(), r["expected_gap_days"].tolist()
    ([1], [40.0], [10.0])
    """
    if method not in AT_RISK_METHODS:
        raise ParameterError(f"unknown method {method!r}: use one of {', '.join(map(repr, AT_RISK_METHODS))}")
    if not (isinstance(factor, (int, float, np.integer, np.floating)) and math.isfinite(float(factor)) and factor > 0):
        raise ParameterError(f"factor must be a positive number (e.g. 2: twice the usual gap), got {factor!r}")
    lapse = _lapse(lapse_after)
    q = parse(data, columns, metric=at_risk, tz=tz, as_of=as_of, period=period, week_start=week_start)
    sm = summary(q, purchase_event)
    scores = _scores(q, rank_by)
    s = sm.columns
    same = dict(method=method, factor=float(factor), lapse=lapse, reason=sm.reason, meta=_meta(q, purchase_event))
    if method == "p_alive":
        number = isinstance(threshold, (int, float, np.integer, np.floating)) and not isinstance(threshold, bool)
        if not (number and 0 < float(threshold) <= 1):
            raise ParameterError(f"threshold is a probability in (0, 1], e.g. 0.5; got {threshold!r}")
        same["threshold"] = float(threshold)
        cols = clv_arrays(on_time_unit(q, "D"), purchase_event=purchase_event).columns
        codes = q.log.codes_by_id(~np.isnat(cols["first_purchase"]))
        rows = {k: cols[k][codes] for k in ("frequency", "recency", "T")}
    else:
        seen, _, last, now = _period_positions(q, s)
        codes = q.log.codes_by_id(s["n_purchases"] >= 1)
        rows = {
            "gap": s["median_gap_days"][codes],
            "repeat": s["n_purchases"][codes] >= 2,
            "eligible": (seen & (now - last < lapse))[codes],
        }
    rows = {
        "customer_id": q.log.customer_ids[codes],
        "last_purchase": s["last_purchase"][codes],
        "days_since": s["recency_days"][codes],
        **rows,
        "revenue": s["revenue"][codes],
    }
    if scores is not None:
        rows["score"] = scores[codes]
    return Gathered(rows, same=same)


def _scores(q: Query, rank_by: Any) -> np.ndarray | None:
    """The ``rank_by`` score of every customer (code order; NaN without one), None for
    the default ranking by revenue."""
    if isinstance(rank_by, str) and rank_by == "revenue":
        return None
    if rank_by is None or isinstance(rank_by, str):
        raise ParameterError(
            f"rank_by must be 'revenue' or a table of scores (customer_id and value columns), e.g. "
            f"fidelite.compute_index('health', events=...); got {rank_by!r}"
        )
    table = io.read_table(rank_by, what="rank_by table", ids="customer_id")
    values, null = io.floats(table.get("value", "value"), "value")
    code = q.log.codes_of(table.get("customer_id", "customer"), "rank_by table")
    scores = np.full(q.log.n_customers, np.nan)
    ok = (code >= 0) & ~null & np.isfinite(values)
    scores[code[ok]] = values[ok]
    return scores


def _ranked(idx: np.ndarray, revenue: np.ndarray, scores: np.ndarray | None) -> np.ndarray:
    """``idx`` (customer codes in ascending id order) ranked: by revenue descending, or by
    score ascending with the customers without one last; ties keep the id order."""
    if scores is None:
        return idx[np.argsort(-np.nan_to_num(revenue[idx], nan=-np.inf), kind="stable")]
    return idx[np.argsort(np.nan_to_num(scores[idx], nan=np.inf), kind="stable")]


def _at_risk_p_alive(r: dict[str, np.ndarray], same: dict[str, Any], scores: np.ndarray | None) -> TableResult:
    """``at_risk(method="p_alive")``: repeat buyers whose BG/NBD P(alive) is below
    ``threshold``, ranked by net revenue; the model fitted on every buyer, in ascending id
    order (the same order on partitioned data)."""
    if not len(r["customer_id"]):
        raise ParameterError("no customer bought anything at or before as_of: the model has nothing to fit")
    x, tx, T = (np.ascontiguousarray(r[k]) for k in ("frequency", "recency", "T"))
    model = BetaGeo().fit(frequency=x, recency=tx, T=T)
    alive = model.p_alive(frequency=x, recency=tx, T=T)
    threshold = same["threshold"]
    risky = (r["frequency"] >= 1) & (alive < threshold)
    order = _ranked(np.flatnonzero(risky), r["revenue"], scores)
    out = {
        "customer_id": r["customer_id"][order],
        "last_purchase": r["last_purchase"][order],
        "days_since": r["days_since"][order],
        "p_alive": alive[order],
        "frequency": r["frequency"][order],
        "revenue": r["revenue"][order],
    }
    if scores is not None:
        out["score"] = scores[order]
    meta = dict(
        same["meta"],
        method="p_alive",
        threshold=threshold,
        eligible=int((r["frequency"] >= 1).sum()),
        params=model.params,
        converged=model.converged,
    )
    title = f"customers at risk (BG/NBD P(alive) < {threshold:g})"
    return TableResult(out, title=title, meta=meta, reason=same["reason"])


# ----------------------------------------------------------------------------- RFM


def quintile_scores(values: np.ndarray, *, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1-5: 1 + floor(5 x share of customers with a strictly worse value).

    Equal values get equal scores whatever the input order; 5 means better than at least
    80 % of the customers.

    >>> quintile_scores(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 5.0])).tolist()
    [1, 1, 2, 3, 4, 4]
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, np.int64)
    v = values if higher_is_better else -values
    # customers with a strictly worse value = position of the first of the equal values in
    # sorted order (one sort; a binary search per customer would miss the cache each time)
    order = np.argsort(v)
    ranked = v[order]
    starts = np.ones(n, bool)
    starts[1:] = (ranked[1:] != ranked[:-1]) & ~(np.isnan(ranked[1:]) & np.isnan(ranked[:-1]))
    worse = np.empty(n, np.int64)
    worse[order] = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return 1 + (5 * worse) // n


def _segment(r: np.ndarray, fm: np.ndarray) -> np.ndarray:
    conditions = [
        (r >= 4) & (fm >= 4),  # champions
        (r >= 3) & (fm >= 3),  # loyal
        (r >= 3) & (fm >= 2),  # potential loyalists (R >= 3, FM = 2)
        (r == 5) & (fm == 1),  # new
        (r >= 3),  # potential loyalists (R 3-4, FM = 1)
        (r == 1) & (fm >= 4),  # can't lose
        (fm >= 3),  # at risk (R <= 2)
        (r == 2),  # hibernating (FM <= 2)
    ]
    choices = [0, 1, 2, 3, 2, 5, 4, 6]
    return np.select(conditions, choices, default=7)  # lost: R = 1, FM <= 2


#: "111" .. "555", indexed by (r - 1) * 25 + (f - 1) * 5 + (m - 1).
_RFM_LABELS = np.array([f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)], dtype=object)


def _rfm_scored(buyers: Gathered) -> RFMResult:
    """The population-wide step of :func:`rfm`: quintile scores and segments of every buyer."""
    recency, freq, money = (buyers.rows[k] for k in ("recency_days", "frequency", "monetary"))
    r = quintile_scores(recency, higher_is_better=False)
    f = quintile_scores(freq.astype(np.float64))
    m = quintile_scores(money)
    seg = _segment(r, (f + m + 1) // 2)
    names = np.array(SEGMENTS, dtype=object)
    cols = {
        **buyers.rows,
        "r": r,
        "f": f,
        "m": m,
        "rfm": _RFM_LABELS[(r - 1) * 25 + (f - 1) * 5 + (m - 1)],
        "segment": names[seg],
    }
    counts = np.bincount(seg, minlength=len(SEGMENTS)).astype(np.int64)
    revenue = np.bincount(seg, weights=money, minlength=len(SEGMENTS))
    segments = TableResult(
        {"segment": names, "customers": counts, "share": _shares(counts), "revenue": revenue}, title="RFM segments"
    )
    return RFMResult(cols, segments=segments, meta=buyers.same["meta"])


@in_steps(_rfm_scored)
def rfm(
    data: Any,
    *,
    purchase_event: str | Sequence[str] | None = "purchase",
    as_of: Any = None,
    tz: str | None = None,
    **columns: Any,
) -> Gathered:
    """Recency, frequency, monetary value of every buyer at ``as_of``, scored 1-5, with
    named segments.

    Buyers are customers with at least one purchase at or before ``as_of`` (default: the
    latest event). ``recency_days`` = as_of - last purchase, ``frequency`` = purchases,
    ``monetary`` = net revenue (as :func:`~fidelite.customer_summary`). Scores are quintiles by
    :func:`quintile_scores` (1 + floor(5 x share of buyers with a strictly worse value);
    recency is reversed: fewer days is better; ties get equal scores, so the result does not
    depend on row order). With ``fm = (f + m + 1) // 2`` the segment is the first match of:

    ====================  ==========  =========
    segment               r           fm
    ====================  ==========  =========
    champions             4-5         4-5
    loyal                 3-5         3-5
    potential loyalists   3-5         2
    new                   5           1
    potential loyalists   3-4         1
    can't lose            1           4-5
    at risk               1-2         3-5
    hibernating           2           1-2
    lost                  1           1-2
    ====================  ==========  =========

    Columns: customer_id, recency_days, frequency, monetary, r, f, m, rfm (e.g. "545"),
    segment. ``.segments`` counts buyers and revenue per segment. Needs an amount column.

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(500, seed=3)
    >>> r = fidelite.rfm(shop.events)
    >>> int(r.segments["customers"].sum()) == len(r)
    True
    """
    q = parse(data, columns, metric=rfm, tz=tz, as_of=as_of)
    if not q.log.has("amount"):
        raise MissingColumnError(
            "rfm needs an amount column for the monetary score: pass amount=<column name>", "amount"
        )
    s = summary(q, purchase_event).columns
    buyers = q.log.codes_by_id(s["n_purchases"] > 0)
    rows = {
        "customer_id": q.log.customer_ids[buyers],
        "recency_days": s["recency_days"][buyers],
        "frequency": s["n_purchases"][buyers],
        "monetary": s["revenue"][buyers],
    }
    return Gathered(rows, same={"meta": _meta(q, purchase_event)})


def best_customers(
    data: Any,
    n: int = 10,
    *,
    purchase_event: str | Sequence[str] | None = "purchase",
    as_of: Any = None,
    tz: str | None = None,
    **columns: Any,
) -> TableResult:
    """The ``n`` customers with the highest net revenue at ``as_of`` (ties: ascending id).

    Columns: rank, customer_id, revenue, n_purchases, first_purchase, last_purchase,
    recency_days. Needs an amount column.

    >>> import fidelite
    >>> log = {"customer_id": [1, 2, 2, 3], "timestamp": ["2024-01-01"] * 4, "amount": [5.0, 4.0, 4.0, 1.0]}
    >>> fidelite.best_customers(log, n=2)["customer_id"].tolist()
    [2, 1]
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n is the number of customers to list (>= 1), got {n!r}")
    q = parse(data, columns, metric=best_customers, tz=tz, as_of=as_of)
    if not q.log.has("amount"):
        raise MissingColumnError(
            "best_customers ranks by revenue and needs an amount column: pass amount=<column name>", "amount"
        )
    s = summary(q, purchase_event).columns
    codes = q.log.codes_by_id()  # ties by ascending id
    order = codes[np.argsort(-s["revenue"][codes], kind="stable")][: int(n)]
    cols = {"rank": np.arange(1, len(order) + 1), "customer_id": q.log.customer_ids[order]}
    for name in ("revenue", "n_purchases", "first_purchase", "last_purchase", "recency_days"):
        cols[name] = s[name][order]
    return TableResult(cols, title=f"best {int(n)} customers by revenue", meta=_meta(q, purchase_event))


# ----------------------------------------------------------------------------- partitioned (fidelite.scale)
