"""Loyalty programme metrics (docs/metrics.md, "Loyalty programme").

Membership comes in either of two forms:

- a customers table with a ``member_since`` column (the join instant; null = not a
  member), and optionally a ``tier`` column (the current tier): ``customers=``;
- a programme table of ``join`` / ``earn`` / ``redeem`` / ``tier`` rows: ``programme=``,
  with columns ``customer_id``, ``timestamp``, ``event``, ``points`` (points earned or
  redeemed, >= 0; ignored on join and tier rows) and ``tier`` (the new tier on tier
  rows, the first tier on join rows; optional). A customer joins at her earliest join
  row, or at her earliest programme row when she has no join row.

Points, tiers and their migrations need the programme table. Every row of either table is
used or rejected with a counted reason (``result.report``; ``strict=True`` raises).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..calendar import Calendar, duration_us
from ..exceptions import MissingColumnError, MissingTableError, ParameterError
from ..io import KeyedTable, RowReport
from ..query import keywords, net_revenue, parse, purchase_mask, resolve_as_of
from ..query.params import Query
from ..results.programme import NearNextTier, ProgrammeImpact, ProgrammeKPIs, ProgrammePoints, TierMigration
from ..scale.merges import Gathered
from ..scale.registry import in_steps, in_two_passes

EVENTS = ("join", "earn", "redeem", "tier")
JOIN, EARN, REDEEM, TIER = range(4)
NEVER = np.iinfo(np.int64).max
_DAY = 86_400_000_000

NULL_TIME = "null timestamp"
BAD_TIME = "unparseable timestamp"
NULL_EVENT = "null event"
OTHER_EVENT = "event not one of join, earn, redeem, tier"
NULL_POINTS = "null points on an earn or redeem row"
BAD_POINTS = "negative or infinite points"
NULL_TIER = "tier row without a tier"
NULL_SINCE = "unparseable member_since"
KPIS = ("purchases", "revenue")


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ProgrammeRows:
    """The kept rows of a programme table, sorted by (time, event kind): ``ids`` (distinct
    customer ids, ascending) and ``owner`` (index into them) per row, ``ts`` (µs), ``kind``
    (0 join, 1 earn, 2 redeem, 3 tier), ``points``, ``tier`` (code into ``tiers``, -1
    none), and the row ``report``."""

    ids: np.ndarray
    owner: np.ndarray
    ts: np.ndarray
    kind: np.ndarray
    points: np.ndarray
    tier: np.ndarray
    tiers: tuple[str, ...]
    report: RowReport

    def joins(self) -> np.ndarray:
        """The join instant of every customer of ``ids``: her earliest join row, else her
        earliest row of any kind."""
        first_join = np.full(len(self.ids), NEVER)
        np.minimum.at(first_join, self.owner[self.kind == JOIN], self.ts[self.kind == JOIN])
        first_any = np.full(len(self.ids), NEVER)
        np.minimum.at(first_any, self.owner, self.ts)
        return np.where(first_join < NEVER, first_join, first_any)


def read_programme(programme: Any, tz: str, *, strict: bool = False, metric: str = "this metric") -> ProgrammeRows:
    """The rows of a programme table (see the module docstring), each kept or rejected with
    a counted reason."""
    if programme is None:
        raise MissingTableError(
            f"{metric} needs the programme table: pass programme=<a table with columns customer_id, timestamp, "
            "event (join / earn / redeem / tier), points, tier>"
        )
    table = KeyedTable(programme, what="programme table", noun="programme rows", empty="pass at least one row")
    acc = table.accounting
    n = table.n_rows
    ts, null_t, bad_t = table.instants("timestamp", "timestamp", tz)
    codes, labels, null_e = table.labels("event", "event")
    lut = np.array([EVENTS.index(x) if x in EVENTS else -1 for x in labels] + [-1], np.int64)
    kind = np.where(null_e, -1, lut[np.where(codes < 0, len(labels), codes)])
    points, null_p = table.floats("points", "points") if table.has("points") else (np.zeros(n), np.ones(n, bool))
    if table.has("tier"):
        tier, tiers, null_tier = table.labels("tier", "tier")
    elif (kind == TIER).any():
        raise MissingColumnError(
            "the programme table has tier rows but no tier column: add one naming the new tier", "tier"
        )
    else:
        tier, tiers, null_tier = np.full(n, -1, np.int32), (), np.ones(n, bool)
    scored = (kind == EARN) | (kind == REDEEM)
    if not table.has("points") and scored.any():
        raise MissingColumnError("the programme table has earn / redeem rows but no points column", "points")
    acc.reject(NULL_TIME, null_t)
    acc.reject(BAD_TIME, bad_t)
    acc.reject(NULL_EVENT, null_e)
    acc.reject(OTHER_EVENT, ~null_e & (kind < 0))
    acc.reject(NULL_POINTS, scored & null_p)
    with np.errstate(invalid="ignore"):
        acc.reject(BAD_POINTS, scored & ~null_p & ((points < 0) | ~np.isfinite(points)))
    acc.reject(NULL_TIER, (kind == TIER) & null_tier)
    report = table.finish(strict=strict, rule="programme rows need a customer id, a time, a known event and points")
    keep = acc.keep if acc.keep is not None else np.ones(n, bool)
    ids = table.factorize(keep)
    owner = ids.codes.astype(np.int64)
    ts, kind = ts[keep], kind[keep]
    points = np.where(scored[keep], points[keep], 0.0)
    tier = np.where(null_tier[keep], -1, tier[keep]).astype(np.int64)
    order = np.lexsort((owner, kind, ts))
    return ProgrammeRows(
        ids.labels, owner[order], ts[order], kind[order], points[order], tier[order], tuple(tiers), report
    )


@dataclass(frozen=True)
class Membership:
    """When each customer of the log joined (``join``, µs, ``NEVER`` = not a member), in
    customer code order, and the row report of the table it came from."""

    join: np.ndarray
    report: RowReport


def membership(q: Query, customers: Any, programme: Any, member_since: str, strict: bool, metric: str) -> Membership:
    """The :class:`Membership` of the log's customers from a programme table (preferred when
    both are given) or a customers table's ``member_since`` column."""
    log = q.log
    join = np.full(log.n_customers, NEVER)
    if programme is not None:
        rows = read_programme(programme, q.tz, strict=strict, metric=metric)
        code = log.codes_of(rows.ids, "programme table")
        found = code >= 0
        join[code[found]] = rows.joins()[found]
        report = rows.report
        if not found.all():
            report.notes["members without an event in the log (left out)"] = int((~found).sum())
        return Membership(join, report)
    if customers is None:
        raise MissingTableError(
            f"{metric} needs the programme membership: pass programme=<join / earn / redeem / tier rows> or "
            "customers=<a customers table with a member_since column>"
        )
    table = KeyedTable(customers, what="customers table")
    if not table.has(member_since):
        raise MissingColumnError(
            f"the customers table has no {member_since!r} column (the join instant, null for non-members); "
            "pass member_since=<column name> or programme=<the programme's rows>",
            member_since,
        )
    ts, null_t, bad_t = table.instants(member_since, "member_since", q.tz)
    table.accounting.reject(NULL_SINCE, bad_t)
    report = table.finish(strict=strict)
    keep = ~(table.accounting.rejected_rows | null_t)
    ids = table.factorize(keep)
    first = np.full(len(ids.labels), NEVER)
    np.minimum.at(first, ids.codes.astype(np.int64), ts[keep])
    code = log.codes_of(ids.labels, "customers table")
    found = code >= 0
    join[code[found]] = first[found]
    if not found.all():
        report.notes["members without an event in the log (left out)"] = int((~found).sum())
    return Membership(join, report)


# ----------------------------------------------------------------------------- windows


class Windowed:
    """Running sums of per-event values, per customer, for sums over time windows: events
    sorted by (customer, time), as in the grouped layout. :meth:`position` finds the first
    event of a customer at or after an instant; the sum of ``values[name]`` over events
    ``i:j`` is ``cumsum[name][j] - cumsum[name][i]``."""

    def __init__(self, customer: np.ndarray, ts: np.ndarray, values: Mapping[str, np.ndarray]) -> None:
        self.instants = np.unique(ts)
        self.stride = len(self.instants) + 1
        self.key = customer.astype(np.int64) * self.stride + np.searchsorted(self.instants, ts)
        self.cumsum = {k: np.concatenate([[0.0], np.cumsum(v, dtype=np.float64)]) for k, v in values.items()}

    def position(self, customer: np.ndarray, t: Any) -> np.ndarray:
        """Index of the first event of ``customer`` at or after ``t``."""
        return np.searchsorted(self.key, customer * self.stride + np.searchsorted(self.instants, t), side="left")

    def total(self, name: str, customer: np.ndarray, a: Any, b: Any) -> np.ndarray:
        """Sum of ``values[name]`` over the events of each customer in [a, b)."""
        c = self.cumsum[name]
        return c[self.position(customer, b)] - c[self.position(customer, a)]


def _nearest(
    features: Any,
    member_x: np.ndarray,
    scale: np.ndarray,
    day: np.ndarray,
    layout: Any,
    first: np.ndarray,
    join: np.ndarray,
    span: int,
    by_id: np.ndarray,
    matches: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``matches`` nearest candidates of each member among the log's customers (all
    of them in memory, a partition's otherwise): on each join day d, the customers with
    an event before d who had not joined by d + span, nearest by Euclidean distance on the
    scaled features of day d, ties by ascending id (``by_id``: the codes in id order).
    Returns the candidates as rows (member index, code, distance; fewer than ``matches``
    per member where the day's candidates are fewer) and the candidates of each distinct
    join day (ascending): the nearest of all the partitions' candidates are the nearest
    of the population.

    One pass over the join days in time order: the count of each customer's events before
    d grows with d (no search per day), and the ``matches`` nearest come from a partial
    sort (``argpartition``) of the few candidates at or under the ``matches``-th distance,
    then ordered by (distance, id): the same choice as a full stable sort of the row.
    """
    n = len(first)
    owner = layout.customer_of_event()
    by_time = np.argsort(layout.ts, kind="stable")
    ts_sorted, owner_sorted = layout.ts[by_time], owner[by_time]
    before = np.zeros(n, np.int64)  # events of each customer before the current day
    done = 0
    rank = np.empty(n, np.int64)  # the position of each code in id order
    rank[by_id] = np.arange(n)
    first_by_id, join_by_id = first[by_id], join[by_id]
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    # the members of each join day, the days in time order
    order = np.argsort(day, kind="stable")
    days, starts = np.unique(day[order], return_index=True)
    bounds = np.append(starts, len(order))
    pools = np.zeros(len(days), np.int64)
    for i, d in enumerate(days.tolist()):
        mine = order[bounds[i] : bounds[i + 1]]
        upto = int(np.searchsorted(ts_sorted, d, side="left"))
        if upto > done:
            before += np.bincount(owner_sorted[done:upto], minlength=n)
            done = upto
        pool = by_id[(first_by_id < d) & (join_by_id >= d + span)]
        k = min(len(pool), matches)
        pools[i] = len(pool)
        if not k:
            continue
        pool_x = (features(pool, np.int64(d), layout.indptr[pool] + before[pool]) / scale).T.copy()
        x = member_x[mine]
        # squared distances summed feature by feature, in order (what .sum(axis=-1) does)
        dist = (x[:, 0, None] - pool_x[0]) ** 2
        for f in range(1, pool_x.shape[0]):
            dist += (x[:, f, None] - pool_x[f]) ** 2
        if k < len(pool):
            kth = np.partition(dist, k - 1, axis=1)[:, k - 1]
            rows, cols = np.nonzero(dist <= kth[:, None])
        else:
            rows, cols = np.divmod(np.arange(dist.size), len(pool))
        # candidates by (row, distance, id): the first k of each row
        picked = np.lexsort((rank[pool[cols]], dist[rows, cols], rows))
        rows, cols = rows[picked], cols[picked]
        take = (np.searchsorted(rows, np.arange(len(mine)))[:, None] + np.arange(k)).ravel()
        found.append((mine[rows[take]], pool[cols[take]], dist[rows[take], cols[take]]))
    member, code, distance = (np.concatenate([f[j] for f in found]) if found else np.zeros(0) for j in range(3))
    return member.astype(np.int64), code.astype(np.int64), distance.astype(np.float64), pools


def _window(window: Any, name: str = "window") -> int:
    span = duration_us(window, name)
    if span <= 0:
        raise ParameterError(f"{name} must be a positive duration (days, a timedelta or '90D'), got {window!r}")
    return span


# ----------------------------------------------------------------------------- members vs non-members


def _kpis_table(sums: Gathered) -> ProgrammeKPIs:
    """The last step of :func:`programme_kpis`: the groups' rates from their counts."""
    rows = []
    for name in ("members", "non_members"):
        customers, na, nb, repeat, revenue, buys, retained, nr = sums.counts[name].tolist()
        rows.append(
            [
                customers,
                na,
                nb,
                repeat / nb * 100 if nb else math.nan,
                revenue / na if na else math.nan,
                buys / nb if nb else math.nan,
                retained / nr * 100 if nr else math.nan,
            ]
        )
    table = np.array(rows, dtype=np.float64)
    table = np.vstack([table, table[0] - table[1]])
    names = ("customers", "active", "buyers", "repeat_rate", "revenue_per_customer", "purchase_frequency", "retention")
    cols: dict[str, Any] = {"group": np.array(["members", "non_members", "difference"], dtype=object)}
    for i, name in enumerate(names):
        cols[name] = table[:, i].astype(np.int64) if i < 3 else table[:, i]
    meta = sums.same["meta"]
    return ProgrammeKPIs(cols, title="programme members vs non-members", meta=meta, units={"retention": "%"})


@in_steps(_kpis_table)
def programme_kpis(
    data: Any,
    *,
    customers: Any = None,
    programme: Any = None,
    window: Any = 365,
    member_since: str = "member_since",
    purchase_event: str = "purchase",
    as_of: Any = None,
    tz: str | None = None,
    strict: bool = False,
    **columns: Any,
) -> Gathered:
    """Members vs non-members on the same KPIs over the same window (as_of - window, as_of].

    A customer (any customer with an event at or before ``as_of``) is a member when she
    joined at or before ``as_of``. Per group:

    - ``customers``; ``active``: with an event in the window; ``buyers``: with a purchase in it;
    - ``repeat_rate`` = buyers with >= 2 purchases in the window / buyers x 100;
    - ``revenue_per_customer`` = net revenue in the window / active customers;
    - ``purchase_frequency`` = purchases in the window / buyers;
    - ``retention`` = customers active in the previous window of the same length who are
      active in this one / customers active in the previous window x 100.

    A third row, ``difference``, is members - non-members. The naive difference mixes the
    programme's effect with who joins it: :func:`programme_impact` separates them.

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(2000, seed=1)
    >>> k = fidelite.programme_kpis(shop.events, programme=shop.programme)
    >>> k["group"].tolist()
    ['members', 'non_members', 'difference']
    """
    q = parse(data, columns, metric=programme_kpis, tz=tz, as_of=as_of)
    span = _window(window)
    member = membership(q, customers, programme, member_since, strict, "programme_kpis").join <= q.as_of
    layout = q.grouped(columns=("amount",) if q.log.has("amount") else ())
    codes = layout.customer_of_event()
    buy = purchase_mask(q.log, purchase_event)
    revenue = net_revenue(q.log, buy, "programme_kpis") if q.log.has("amount") else np.full(q.log.n_events, np.nan)
    end, start = q.as_of, q.as_of - span
    now = (layout.ts > start) & (layout.ts <= end)
    before = (layout.ts > start - span) & (layout.ts <= start)
    n = q.log.n_customers
    seen = np.bincount(codes[layout.ts <= end], minlength=n) > 0
    events_now = np.bincount(codes[now], minlength=n)
    buys_now = np.bincount(codes[now & buy], minlength=n)
    rev_now = np.bincount(codes[now], weights=revenue[now], minlength=n)
    active_before = np.bincount(codes[before], minlength=n) > 0
    counts = {}
    for name, group in (("members", member), ("non_members", ~member)):
        g = group & seen
        active, buyers = g & (events_now > 0), g & (buys_now > 0)
        counts[name] = np.array(
            [
                g.sum(),
                active.sum(),
                buyers.sum(),
                (buyers & (buys_now >= 2)).sum(),
                rev_now[active].sum(),
                buys_now[buyers].sum(),
                (active & active_before).sum(),
                (g & active_before).sum(),
            ],
            dtype=np.float64,
        )
    meta = {"window_days": span / _DAY, "as_of": np.datetime64(end, "us"), "tz": q.tz}
    return Gathered(counts=counts, same={"meta": meta})


# ----------------------------------------------------------------------------- impact


@dataclass(frozen=True)
class ImpactInputs:
    """The arguments of :func:`programme_impact` read and checked, and what every step
    reads of the log (the whole log, or a partition's): the join instant and first event
    of each customer (per code) and the KPI's running sums (:class:`Windowed`)."""

    q: Query
    span: int
    kpi: str
    matches: int
    ci: float
    n_boot: int
    seed: int
    join: np.ndarray
    layout: Any
    win: Windowed
    first: np.ndarray

    def features(self, c: np.ndarray, d: Any, at: np.ndarray) -> np.ndarray:
        """RFM and tenure of customers ``c`` on day(s) ``d``; ``at``: the index of the
        first event of each at or after ``d`` (the customer has an event before ``d``)."""
        layout, cumsum = self.layout, self.win.cumsum
        start = layout.indptr[c]
        recency = (d - layout.ts[at - 1]) / _DAY
        frequency = cumsum["purchases"][at] - cumsum["purchases"][start]
        monetary = cumsum["revenue"][at] - cumsum["revenue"][start]
        tenure = (d - self.first[c]) / _DAY
        return np.log1p(np.maximum(np.stack([recency, frequency, monetary, tenure], axis=1), 0.0))

    def change(self, c: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The KPI of customers ``c`` in the windows before and after day(s) ``d``."""
        at = [self.win.cumsum[self.kpi][self.win.position(c, t)] for t in (d - self.span, d, d + self.span)]
        return at[1] - at[0], at[2] - at[1]


def _impact_members(x: ImpactInputs) -> Gathered:
    """The first step of :func:`programme_impact`: the measured members (id, join day,
    pre-join features, KPI before and after) and the members left out, counted."""
    q = x.q
    joined = np.flatnonzero(x.join <= q.as_of)
    p = q.days.periods_of(x.join[joined])
    lo = int(p.min()) if len(p) else 0
    _, bounds = q.days.axis(lo, int(p.max()) - lo + 2 if len(p) else 1)
    day = bounds[p - lo] if len(p) else np.zeros(0, np.int64)
    over = day + x.span <= q.as_of
    history = x.first[joined] < day
    excluded = {
        "after window not over at as_of": int((~over).sum()),
        "no event before joining": int((over & ~history).sum()),
    }
    members, day = joined[over & history], day[over & history]
    before, after = x.change(members, day)
    rows = {
        "customer_id": q.log.customer_ids[members],
        "day": day,
        "x": x.features(members, day, x.win.position(members, day)),
        "before": before,
        "after": after,
    }
    meta = {
        "kpi": x.kpi,
        "window_days": x.span / _DAY,
        "matches": int(x.matches),
        "ci": x.ci,
        "n_boot": int(x.n_boot),
        "seed": x.seed,
        "as_of": np.datetime64(q.as_of, "us"),
        "tz": q.tz,
    }
    return Gathered(rows, counts=excluded, same={"meta": meta})


def _impact_scaled(members: Gathered) -> Gathered:
    """Between the passes of :func:`programme_impact`: every measured member, in id order,
    and the scale of each feature (its standard deviation over them)."""
    if not len(members.rows["customer_id"]):
        meta = members.same["meta"]
        raise ParameterError(
            "no member can be measured: members need an event before joining and a whole window after it "
            f"(window {meta['window_days']:g} days, as_of {meta['as_of']}); shorten window= or check the membership"
        )
    scale = members.rows["x"].std(axis=0)
    scale[scale == 0] = 1.0
    return replace(members, same={**members.same, "scale": scale})


def _impact_candidates(members: Gathered, x: ImpactInputs) -> Gathered:
    """The second step of :func:`programme_impact`: the nearest candidates of every member
    among the log's customers (id, distance, KPI before and after the member's join day),
    and the candidates of each join day."""
    day, scale = members.rows["day"], members.same["scale"]
    member, code, distance, pools = _nearest(
        x.features,
        members.rows["x"] / scale,
        scale,
        day,
        x.layout,
        x.first,
        x.join,
        x.span,
        x.q.log.codes_by_id(),
        x.matches,
    )
    before, after = x.change(code, day[member])
    rows = {
        "member": member,
        "customer_id": x.q.log.customer_ids[code],
        "distance": distance,
        "before": before,
        "after": after,
    }
    return Gathered(rows, counts={"pool": pools}, key="member")


def _impact_estimate(members: Gathered, candidates: Gathered) -> ProgrammeImpact:
    """The last step of :func:`programme_impact`: each member's ``matches`` nearest
    controls among every candidate (by distance, then id), the effects and the bootstrap."""
    meta = {**members.same["meta"], "excluded": members.counts}
    matches, m = meta["matches"], members.rows
    days, pools = np.unique(m["day"]), candidates.counts["pool"]
    short = np.flatnonzero(pools < matches)
    if len(short):
        raise ParameterError(
            f"only {pools[short[0]]} non-members to match the members who joined on "
            f"{np.datetime64(int(days[short[0]]), 'us')}; lower matches= (now {matches})"
        )
    c = candidates.rows
    by_id = np.argsort(c["customer_id"], kind="stable")
    order = by_id[np.lexsort((c["distance"][by_id], c["member"][by_id]))]  # by member, distance, id
    firsts = np.searchsorted(c["member"][order], np.arange(len(m["day"])))
    chosen = order[(firsts[:, None] + np.arange(matches)).ravel()]
    c_before = c["before"][chosen].reshape(-1, matches).mean(axis=1)
    c_after = c["after"][chosen].reshape(-1, matches).mean(axis=1)
    m_before, m_after = m["before"], m["after"]
    effect = (m_after - m_before) - (c_after - c_before)
    value = float(effect.mean())
    rng = np.random.default_rng(meta["seed"])
    n_boot = meta["n_boot"]
    boot = np.empty(n_boot)
    for b in range(0, n_boot, 100):  # resamples in blocks: memory stays at 100 x members
        draw = rng.integers(0, len(effect), (min(100, n_boot - b), len(effect)))
        boot[b : b + len(draw)] = effect[draw].mean(axis=1)
    low, high = np.quantile(boot, [(1 - meta["ci"]) / 2, (1 + meta["ci"]) / 2])
    n_members = len(effect)
    cols = {
        "group": np.array(["members", "matched non-members", "difference"], dtype=object),
        "customers": np.array([n_members, len(np.unique(c["customer_id"][chosen])), n_members], np.int64),
        "before": np.array([m_before.mean(), c_before.mean(), m_before.mean() - c_before.mean()]),
        "after": np.array([m_after.mean(), c_after.mean(), m_after.mean() - c_after.mean()]),
    }
    cols["change"] = cols["after"] - cols["before"]
    return ProgrammeImpact(cols, value=value, ci_low=float(low), ci_high=float(high), meta=meta)


@in_two_passes(_impact_members, _impact_scaled, _impact_candidates, _impact_estimate)
def programme_impact(
    data: Any,
    *,
    customers: Any = None,
    programme: Any = None,
    kpi: str = "purchases",
    window: Any = 90,
    matches: int = 5,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    member_since: str = "member_since",
    purchase_event: str = "purchase",
    as_of: Any = None,
    tz: str | None = None,
    strict: bool = False,
    **columns: Any,
) -> ImpactInputs:
    """The programme's impact on a KPI per customer: difference in differences of members
    before vs after joining against matched non-members over the same calendar windows.

    - KPI per customer and window: ``"purchases"`` (count) or ``"revenue"`` (net).
    - Each member is placed on the local day she joined, d (start of the day in ``tz``):
      before = [d - window, d), after = [d, d + window). Members are left out (and counted
      in ``.excluded``) when the after window is not over at ``as_of``, or when they had
      no event before d (nothing to match on).
    - Controls of a member: customers with an event before d who had not joined by
      d + window. Each member gets the ``matches`` nearest by pre-join RFM and tenure on
      day d: log(1 + x) of recency (days since the last event), frequency (purchases),
      monetary value (net revenue) and tenure (days since the first event), each divided
      by its standard deviation over the matched members; Euclidean distance, with
      replacement (a control may serve several members), ties by ascending customer id.
    - Effect of member i = (after_i - before_i) - mean over her controls of
      (after_j - before_j); ``.value`` is the mean over members (the effect on the
      treated), in KPI units per member per window.
    - Interval: percentile bootstrap, resampling members with their matched controls
      (``n_boot`` resamples, ``numpy.random.default_rng(seed)``), at level ``ci``. The
      matching is held fixed in the resamples.

    Needs ``before`` history, so members who joined within ``window`` of the data start
    have a truncated before window (as do their controls: same calendar windows).

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(3000, seed=2)
    >>> r = fidelite.programme_impact(shop.events, programme=shop.programme)
    >>> bool(r.ci_low > 0)
    True
    """
    if kpi not in KPIS:
        raise ParameterError(f"unknown kpi {kpi!r}: use one of {', '.join(map(repr, KPIS))}")
    if not (isinstance(matches, (int, np.integer)) and not isinstance(matches, bool) and matches >= 1):
        raise ParameterError(f"matches must be a whole number >= 1, got {matches!r}")
    if not (isinstance(ci, float) and 0 < ci < 1):
        raise ParameterError(f"ci must be a confidence level between 0 and 1 (e.g. 0.95), got {ci!r}")
    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 100):
        raise ParameterError(f"n_boot must be a whole number >= 100, got {n_boot!r}")
    q = parse(data, columns, metric=programme_impact, tz=tz, as_of=as_of)
    span = _window(window)
    join = membership(q, customers, programme, member_since, strict, "programme_impact").join
    log = q.log
    layout = q.grouped(columns=("amount",) if log.has("amount") else ())
    buy = purchase_mask(log, purchase_event)
    revenue = (
        net_revenue(log, buy, "programme_impact") if (kpi == "revenue" or log.has("amount")) else np.zeros(len(buy))
    )
    win = Windowed(layout.customer_of_event(), layout.ts, {"purchases": buy.astype(np.float64), "revenue": revenue})
    first = layout.ts[layout.indptr[:-1]]
    return ImpactInputs(q, span, kpi, matches, ci, n_boot, seed, join, layout, win, first)


# ----------------------------------------------------------------------------- points and tiers


def _calendar_range(
    rows: ProgrammeRows, period: str, week_start: Any, tz: str, as_of: Any
) -> tuple[Calendar, int, int, int]:
    latest = int(rows.ts.max())
    end = resolve_as_of(as_of, tz, latest)
    cal = Calendar.make(period, tz, week_start, (int(rows.ts.min()), end))
    first_p = int(cal.period_of(int(rows.ts.min())))
    n_p = int(cal.period_of(end)) - first_p + 1
    if n_p < 1:
        raise ParameterError(f"as_of ({np.datetime64(end, 'us')}) is before the programme's first row")
    return cal, first_p, n_p, end


@keywords
def programme_points(
    programme: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str = "UTC",
    as_of: Any = None,
    strict: bool = False,
) -> ProgrammePoints:
    """Points earned, redeemed and outstanding per period, and the redemption rate.

    Per period (rows at or before ``as_of``): ``members`` (joined at or before the period's
    end), ``earned`` and ``redeemed`` (points of the earn / redeem rows in it),
    ``outstanding`` (all points earned - all redeemed up to the period's end: the
    programme's liability), ``redemption_rate`` = redeemed / earned x 100 in the period
    (NaN when nothing was earned), ``complete``. ``.value`` is the redemption rate over
    the whole history (all redeemed / all earned x 100).

    >>> import fidelite
    >>> rows = {"customer_id": [1, 1, 1, 2], "event": ["join", "earn", "redeem", "earn"],
    ...         "timestamp": ["2024-01-02", "2024-01-05", "2024-02-01", "2024-02-03"], "points": [0, 100, 40, 60]}
    >>> p = fidelite.programme_points(rows)
    >>> p["earned"].tolist(), p["outstanding"].tolist(), p.value
    ([100.0, 60.0], [100.0, 120.0], 25.0)
    """
    rows = read_programme(programme, tz, strict=strict, metric="programme_points")
    cal, first_p, n_p, end = _calendar_range(rows, period, week_start, tz, as_of)
    known = rows.ts <= end
    p = cal.periods_of(rows.ts[known]) - first_p
    kind, points = rows.kind[known], rows.points[known]
    earned = np.bincount(p[kind == EARN], weights=points[kind == EARN], minlength=n_p)
    redeemed = np.bincount(p[kind == REDEEM], weights=points[kind == REDEEM], minlength=n_p)
    joins = rows.joins()
    joins = joins[joins <= end]
    joined = np.bincount(cal.periods_of(joins) - first_p, minlength=n_p)
    days, bounds = cal.axis(first_p, n_p)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(earned > 0, redeemed / np.where(earned > 0, earned, 1) * 100, np.nan)
    cols = {
        "period": days[:n_p],
        "members": np.cumsum(joined).astype(np.int64),
        "earned": earned,
        "redeemed": redeemed,
        "outstanding": np.cumsum(earned) - np.cumsum(redeemed),
        "redemption_rate": rate,
        "complete": bounds[1:] <= end,
    }
    total = earned.sum()
    value = float(redeemed.sum() / total * 100) if total > 0 else math.nan
    reason = None if total > 0 else "no points earned"
    meta = {"period": period, "tz": tz, "as_of": np.datetime64(end, "us")}
    result = ProgrammePoints(cols, title=f"programme points per {period}", value=value, reason=reason, meta=meta)
    result.report = rows.report  # type: ignore[attr-defined]
    return result


def _tier_order(rows: ProgrammeRows, tiers: Any) -> list[str]:
    """Tier names from the lowest to the highest: ``tiers`` (names, or a mapping name ->
    threshold, ordered by threshold) else the order in which they first appear."""
    if tiers is None:
        seen: dict[str, None] = {}
        for code in rows.tier[rows.tier >= 0].tolist():
            seen.setdefault(rows.tiers[code], None)
        return list(seen)
    names = sorted(tiers, key=lambda t: tiers[t]) if isinstance(tiers, Mapping) else list(tiers)
    missing = sorted(set(rows.tiers) - set(names))
    if missing:
        raise ParameterError(f"tiers does not name the tier(s) {missing} of the programme table; list every tier")
    return names


@keywords
def tier_migration(
    programme: Any,
    *,
    period: str = "quarter",
    tiers: Any = None,
    week_start: str | int = "monday",
    tz: str = "UTC",
    as_of: Any = None,
    strict: bool = False,
) -> TierMigration:
    """How members move between tiers from one period to the next.

    A customer's state at an instant: ``"(not a member)"`` before she joins, then her
    latest tier (tier rows, and the tier of her join row), or ``"(no tier)"`` while she has
    none. For every pair of consecutive period ends up to ``as_of`` (the ends of complete
    periods), each customer who is a member at the later end adds one transition from her
    state at the earlier end to her state at the later one (joins come from
    ``"(not a member)"``). ``counts[i, j]`` sums the transitions over all the pairs;
    ``share`` is each count as a % of its row. Tiers are ordered from ``tiers`` (names or
    a mapping name -> points threshold), else by first appearance in the table.

    >>> import fidelite
    >>> rows = {"customer_id": [1, 1, 2], "event": ["join", "tier", "join"], "tier": ["silver", "gold", "silver"],
    ...         "timestamp": ["2024-01-10", "2024-05-01", "2024-02-01"]}
    >>> m = fidelite.tier_migration(rows, as_of="2024-09-30")  # quarter ends 04-01 and 07-01
    >>> m.labels, m.counts.tolist()
    (['(not a member)', '(no tier)', 'silver', 'gold'], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0]])
    """
    rows = read_programme(programme, tz, strict=strict, metric="tier_migration")
    order = _tier_order(rows, tiers)
    cal, first_p, n_p, end = _calendar_range(rows, period, week_start, tz, as_of)
    _, bounds = cal.axis(first_p, n_p)
    ends = bounds[1:][bounds[1:] <= end]
    labels = ["(not a member)", "(no tier)", *order]
    state_of_tier = np.array([order.index(t) + 2 for t in rows.tiers] + [1], np.int64)
    joins = rows.joins()
    counts = np.zeros((len(labels), len(labels)), np.int64)
    if len(ends) >= 2:
        # state of every customer at every period end: the latest tier row at or before it
        state = np.where(joins[:, None] <= ends[None, :], 1, 0)
        tiered = np.flatnonzero(rows.tier >= 0)
        when = np.searchsorted(ends, rows.ts[tiered], side="left")  # first end at or after the row
        for k, i in zip(when.tolist(), tiered.tolist()):  # rows in time order: the latest wins
            if k < len(ends):
                state[rows.owner[i], k:] = state_of_tier[rows.tier[i]]
        a, b = state[:, :-1].ravel(), state[:, 1:].ravel()
        live = b > 0
        np.add.at(counts, (a[live], b[live]), 1)
    return TierMigration(counts, labels, period=period, ends=ends, report=rows.report)


def near_tier_margin(tiers: Mapping[str, float]) -> float:
    """The default ``within`` of :func:`near_next_tier`: a tenth of the smallest step
    between consecutive tier thresholds (a tenth of the only threshold when there is one,
    and 0 when it is 0).

    >>> near_tier_margin({"bronze": 0, "silver": 150, "gold": 500})
    15.0
    """
    steps = np.diff(np.unique([0.0, *(float(v) for v in tiers.values())]))
    return float(steps.min()) / 10 if len(steps) else 0.0


@keywords
def near_next_tier(
    programme: Any,
    *,
    tiers: Mapping[str, float],
    within: float | None = None,
    qualifying: Any = 365,
    tz: str = "UTC",
    as_of: Any = None,
    strict: bool = False,
) -> NearNextTier:
    """Members within ``within`` points of their next tier at ``as_of``.

    A member's qualifying points = points earned in the ``qualifying`` window ending at
    ``as_of`` (days, a timedelta or ``"365D"``; None: since she joined). Her tier is the
    highest of ``tiers`` (name -> threshold) whose threshold she reaches, the next tier the
    lowest she does not; she is listed when next threshold - points <= ``within``
    (default :func:`near_tier_margin`: a tenth of the smallest step between thresholds).
    Members at the top tier are never listed. Columns: customer_id, tier, points, next_tier,
    points_to_next; closest first (ties by ascending id). ``.value`` = the number listed.

    >>> import fidelite
    >>> rows = {"customer_id": [1, 1, 2, 2], "event": ["join", "earn", "join", "earn"],
    ...         "timestamp": ["2024-01-02", "2024-01-05", "2024-01-02", "2024-01-06"], "points": [0, 130, 0, 20]}
    >>> r = fidelite.near_next_tier(rows, tiers={"bronze": 0, "silver": 150}, within=25)
    >>> r["customer_id"].tolist(), r["points_to_next"].tolist()
    ([1], [20.0])
    """
    if not isinstance(tiers, Mapping) or not tiers:
        raise ParameterError("tiers must map each tier name to its points threshold, e.g. {'silver': 150, 'gold': 500}")
    try:
        thresholds = np.array(sorted(float(v) for v in tiers.values()))
    except (TypeError, ValueError):
        thresholds = np.array([np.nan])
    if not np.isfinite(thresholds).all():
        raise ParameterError(f"tiers must map each tier name to a finite points threshold, got {dict(tiers)!r}")
    names = sorted(tiers, key=lambda t: float(tiers[t]))
    if within is None:
        within = near_tier_margin(tiers)
    if not (isinstance(within, (int, float, np.integer, np.floating)) and within >= 0):
        raise ParameterError(f"within must be a number of points >= 0, got {within!r}")
    rows = read_programme(programme, tz, strict=strict, metric="near_next_tier")
    end = resolve_as_of(as_of, tz, int(rows.ts.max()))
    joins = rows.joins()
    since = (
        np.full(len(rows.ids), np.iinfo(np.int64).min)
        if qualifying is None
        else end - _window(qualifying, "qualifying")
    )
    earn = (rows.kind == EARN) & (rows.ts <= end) & (rows.ts > np.broadcast_to(since, len(rows.ids))[rows.owner])
    points = np.bincount(rows.owner[earn], weights=rows.points[earn], minlength=len(rows.ids))
    level = np.searchsorted(thresholds, points, side="right") - 1
    member = joins <= end
    has_next = level + 1 < len(thresholds)
    gap = np.where(has_next, thresholds[np.minimum(level + 1, len(thresholds) - 1)] - points, np.inf)
    near = member & has_next & (gap <= within)
    idx = np.flatnonzero(near)  # ids ascending
    idx = idx[np.argsort(gap[idx], kind="stable")]
    label = np.array([*names, "(below the lowest tier)"], dtype=object)
    cols = {
        "customer_id": rows.ids[idx],
        "tier": label[np.where(level[idx] >= 0, level[idx], len(names))],
        "points": points[idx],
        "next_tier": np.array(names, dtype=object)[level[idx] + 1],
        "points_to_next": gap[idx],
    }
    meta = {"within": float(within), "as_of": np.datetime64(end, "us"), "tz": tz, "members": int(member.sum())}
    result = NearNextTier(
        cols, title=f"members within {within:g} points of the next tier", value=float(len(idx)), meta=meta
    )
    result.report = rows.report  # type: ignore[attr-defined]
    return result


# ----------------------------------------------------------------------------- partitioned (fidelite.scale)
