"""Slow, obviously-correct references for the loyalty KPIs (surveys, engagement, purchases,
subscriptions, customers, CRM, customer states).

Plain Python, one customer / row / period at a time, written from docs/metrics.md and the
docstrings: never the code under test. Event logs are lists of :class:`E` (instants in µs
since the epoch, UTC); calendars come from ``reference.Cal`` (zoneinfo + date arithmetic).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from reference import Cal, is_null

DAY = 86_400_000_000
YEAR = 365 * DAY


@dataclass(frozen=True)
class E:
    """One usable event."""

    customer: Any
    t: int
    event: str = "purchase"
    amount: float = 0.0
    product: str | None = None
    duration: float = 0.0


def table(
    events: list[E], *, event: bool = True, amount: bool = True, product: bool = False, duration: bool = False
) -> dict[str, np.ndarray]:
    """The events as the dict of numpy columns fidelite reads."""
    cols: dict[str, Any] = {
        "customer_id": np.array([e.customer for e in events]),
        "timestamp": np.array([e.t for e in events], dtype=np.int64).view("datetime64[us]"),
    }
    if event:
        cols["event"] = np.array([e.event for e in events], dtype=object)
    if amount:
        cols["amount"] = np.array([e.amount for e in events], dtype=float)
    if product:
        cols["product"] = np.array([e.product for e in events], dtype=object)
    if duration:
        cols["duration"] = np.array([e.duration for e in events], dtype=float)
    return cols


def from_frame(df: Any) -> list[E]:
    """Events of a pandas frame with canonical columns (demo_shop(frame="pandas").events)."""
    ts = df["timestamp"].to_numpy().astype("datetime64[us]").astype(np.int64)
    out = []
    for i, (c, t) in enumerate(zip(df["customer_id"].tolist(), ts.tolist())):
        out.append(
            E(
                c,
                t,
                df["event"].iloc[i] if "event" in df else "purchase",
                float(df["amount"].iloc[i]) if "amount" in df else 0.0,
                df["product"].iloc[i] if "product" in df else None,
                float(df["duration"].iloc[i]) if "duration" in df else 0.0,
            )
        )
    return out


def is_purchase(e: E, has_event: bool = True) -> bool:
    return (not has_event) or e.event == "purchase"


def net(e: E, has_event: bool = True) -> float:
    """Net revenue of one event: purchase amounts and any negative amount (refunds)."""
    return e.amount if (is_purchase(e, has_event) or e.amount < 0) else 0.0


def by_customer(events: list[E]) -> dict[Any, list[E]]:
    out: dict[Any, list[E]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e.t):
        out[e.customer].append(e)
    return dict(out)


def rate(num: float, den: float, scale: float = 100.0) -> float:
    return num / den * scale if den else math.nan


# ----------------------------------------------------------------------------- surveys


def score_status(v: Any) -> str | None:
    """None for a valid score, else the rejection reason."""
    if is_null(v) or (isinstance(v, str) and not v.strip()):
        return "null score"
    if isinstance(v, (bool, np.bool_)):
        return "score is not a number"
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            return "score is not a number"
        if v != v:
            return "score is not a number"
    v = float(v)
    if math.isfinite(v) and v != int(v):
        return "score is not an integer"
    if not 0 <= v <= 10:
        return "score outside 0..10"
    return None


def ref_net_score(questions: list, scores: list, question: str) -> dict[str, Any]:
    rejected: dict[str, int] = defaultdict(int)
    valid = []
    other = 0
    for q, s in zip(questions, scores):
        if is_null(q):
            rejected["null question"] += 1
        elif q != question:
            other += 1
        else:
            why = score_status(s)
            if why:
                rejected[why] += 1
            else:
                valid.append(int(float(s)))
    pro = sum(1 for s in valid if s >= 9)
    det = sum(1 for s in valid if s <= 6)
    value = (pro - det) / len(valid) * 100 if valid else math.nan
    return {
        "value": value,
        "responses": len(valid),
        "promoters": pro,
        "detractors": det,
        "passives": len(valid) - pro - det,
        "rejected": dict(rejected),
        "other": other,
    }


# ----------------------------------------------------------------------------- engagement


def ref_percentile_rank(values: list[float]) -> list[float]:
    n = len(values)
    if n == 1:
        return [50.0]
    out = []
    for x in values:
        below = sum(1 for y in values if y < x)
        ties = sum(1 for y in values if y == x)
        avg_rank = below + (ties + 1) / 2
        out.append((avg_rank - 1) / (n - 1) * 100)
    return out


def ref_engagement(
    events: list[E],
    *,
    window_days: float,
    as_of: int | None = None,
    key_events=("purchase",),
    weights=(1.0, 1.0, 1.0),
    population: str = "active",
    has_event: bool = True,
) -> dict[Any, float]:
    as_of = max(e.t for e in events) if as_of is None else as_of
    lo = as_of - window_days * DAY
    raw = {}
    for c, evs in by_customer(events).items():
        inside = [e for e in evs if lo < e.t <= as_of]
        if population == "active" and not inside:
            continue
        if population == "all" and evs[0].t > as_of:
            continue
        days = {np.datetime64(e.t, "us").astype("datetime64[D]") for e in inside}
        keys = sum(1 for e in inside if (e.event in key_events if has_event else True))
        raw[c] = (len(days), sum(e.duration for e in inside), keys)
    ids = sorted(raw)
    pct = [ref_percentile_rank([raw[c][k] for c in ids]) for k in range(3)] if ids else [[], [], []]
    return {c: sum(w * pct[k][i] for k, w in enumerate(weights)) / sum(weights) for i, c in enumerate(ids)}


# ----------------------------------------------------------------------------- purchases


def ref_repeat_rate(
    events: list[E],
    *,
    within_days: float | None = None,
    cohort_month: tuple[int, int] | None = None,
    as_of: int | None = None,
    has_event: bool = True,
) -> tuple[float, int, int]:
    as_of = max(e.t for e in events) if as_of is None else as_of
    buyers = repeaters = 0
    for evs in by_customer(events).values():
        buys = [e.t for e in evs if is_purchase(e, has_event) and e.t <= as_of]
        if not buys:
            continue
        first = buys[0]
        d = np.datetime64(first, "us").item()
        if cohort_month is not None and (d.year, d.month) != cohort_month:
            continue
        if within_days is not None:
            if first + within_days * DAY > as_of:
                continue
            buys = [t for t in buys if t <= first + within_days * DAY]
        buyers += 1
        repeaters += len(buys) >= 2
    return rate(repeaters, buyers), buyers, repeaters


def ref_upsell(events: list[E], has_event: bool = True) -> tuple[float, int, int]:
    multi = single = 0
    for evs in by_customer(events).values():
        products = {e.product for e in evs if is_purchase(e, has_event) and e.product is not None}
        multi += len(products) >= 2
        single += len(products) == 1
    return rate(multi, single, 1.0), multi, single


def ref_clv(
    events: list[E],
    *,
    lifetime_years: float | None = None,
    margin: float | None = None,
    discount_rate: float | None = None,
    has_event: bool = True,
) -> dict[str, float]:
    as_of = max(e.t for e in events)
    last = [e for e in events if as_of - YEAR < e.t <= as_of]
    purchases = [e for e in last if is_purchase(e, has_event)]
    revenue = sum(net(e, has_event) for e in last)
    now = {e.customer for e in purchases}
    before = {e.customer for e in events if is_purchase(e, has_event) and as_of - 2 * YEAR < e.t <= as_of - YEAR}
    if not purchases:
        return {"value": math.nan}
    value = revenue / len(purchases) * (len(purchases) / len(now))
    if margin is not None:
        value *= margin
    churn = len(before - now) / len(before) if before else math.nan
    life = lifetime_years if lifetime_years is not None else (1 / churn if churn and churn == churn else math.nan)
    d = discount_rate or 0.0
    if d:
        total = value * (1 - (1 + d) ** -life) / d
    else:
        total = value * life
    return {
        "value": total,
        "customer_value": value,
        "churn": churn * 100 if churn == churn else math.nan,
        "lifetime": life,
    }


# ----------------------------------------------------------------------------- subscriptions


@dataclass(frozen=True)
class Sub:
    customer: Any
    start: int
    end: int | None
    mrr: float


def ref_revenue_retention(
    subs: list[Sub], *, period: str = "month", tz: str = "UTC", as_of: int | None = None
) -> dict[str, list]:
    latest = max([s.start for s in subs] + [s.end for s in subs if s.end is not None])
    as_of = latest if as_of is None else as_of
    subs = [s for s in subs if s.start <= as_of]
    cal = Cal(period, tz)
    p0, p1 = cal.period_of(min(s.start for s in subs)), cal.period_of(as_of)
    customers = sorted({s.customer for s in subs}, key=str)

    def mrr(c: Any, t: int) -> float:
        return sum(
            s.mrr for s in subs if s.customer == c and s.start <= t and (s.end is None or s.end > as_of or t < s.end)
        )

    out: dict[str, list] = defaultdict(list)
    ever: set = set()
    for p in range(p0, p1 + 1):
        a, b = cal.start_us(p), cal.start_us(p + 1)
        row = dict(start_mrr=0.0, end_mrr=0.0, new=0.0, reactivation=0.0, expansion=0.0, contraction=0.0, churned=0.0)
        for c in customers:
            m0, m1 = round(mrr(c, a), 6), round(mrr(c, b), 6)
            row["start_mrr"] += m0
            row["end_mrr"] += m1
            if m0 > 0:
                ever.add(c)
            if m0 > 0 and m1 == 0:
                row["churned"] += m0
            elif m0 > 0 and m1 < m0:
                row["contraction"] += m0 - m1
            elif m0 > 0 and m1 > m0:
                row["expansion"] += m1 - m0
            elif m0 == 0 and m1 > 0:
                row["reactivation" if c in ever else "new"] += m1
        s = row["start_mrr"]
        row["nrr"] = rate(s - row["churned"] - row["contraction"] + row["expansion"], s)
        row["grr"] = rate(s - row["churned"] - row["contraction"], s)
        row["revenue_churn"] = rate(row["churned"] + row["contraction"], s)
        row["complete"] = b <= as_of + 1
        for k, v in row.items():
            out[k].append(v)
    return dict(out)


# ----------------------------------------------------------------------------- customers


def ref_activation(
    people: list[tuple[Any, int]],
    events: list[E],
    *,
    within_days: float | None = None,
    key_event: str | None = None,
    has_event: bool = True,
) -> dict[str, Any]:
    created: dict[Any, int] = {}
    for c, t in people:
        created[c] = min(t, created.get(c, t))
    as_of = max([e.t for e in events] + list(created.values()))
    evs = by_customer(events)
    base = activated = 0
    ttv = {}
    for c, t0 in created.items():
        if t0 > as_of:
            continue
        limit = as_of
        if within_days is not None:
            if t0 + within_days * DAY > as_of:
                continue
            limit = t0 + within_days * DAY
        base += 1
        mine = [e for e in evs.get(c, []) if t0 <= e.t <= limit]
        if any(is_purchase(e, has_event) for e in mine):
            activated += 1
        value = [e.t for e in mine if (e.event == key_event if key_event else is_purchase(e, has_event))]
        if value:
            ttv[c] = (min(value) - t0) / DAY
    days = sorted(ttv.values())
    return {
        "value": rate(activated, base),
        "prospects": base,
        "activated": activated,
        "ttv": ttv,
        "median": statistics.median(days) if days else math.nan,
        "p90": float(np.percentile(days, 90)) if days else math.nan,
    }


def is_missing(v: Any) -> bool:
    return is_null(v) or (isinstance(v, str) and not v.strip())


REASONS = [
    "context change",
    "no problem/solution fit",
    "problem/solution misalignment",
    "quality",
    "customer experience",
    "weak activation",
    "other",
]


def ref_churn_reasons(values: list) -> tuple[list[int], float]:
    counts = [0] * 7
    for v in values:
        if is_missing(v):
            continue
        key = " ".join(re.findall(r"[0-9a-z]+", str(v).lower()))
        hit = [i for i, r in enumerate(REASONS[:6]) if " ".join(re.findall(r"[0-9a-z]+", r)) == key]
        counts[hit[0] if hit else 6] += 1
    total = sum(counts)
    return counts, rate(counts[3] + counts[4] + counts[5], total)


# ----------------------------------------------------------------------------- CRM


@dataclass(frozen=True)
class Contact:
    customer: Any
    t: int
    campaign: str
    channel: str
    opened: bool = False
    clicked: bool = False
    converted: bool = False
    unsubscribed: bool = False
    cost: float = 0.0


@dataclass
class CRM:
    groups: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    periods: list[dict[str, float]] = field(default_factory=list)


def ref_campaigns(
    contacts: list[Contact],
    events: list[E],
    *,
    attribution_days: float = 7,
    activity_days: float = 365,
    has_event: bool = True,
) -> CRM:
    as_of = max([c.t for c in contacts] + [e.t for e in events])
    window, activity = attribution_days * DAY, activity_days * DAY
    evs = by_customer(events)

    def active(c: Any, lo: int, hi: int, hi_inclusive: bool = True) -> bool:
        return any(lo < e.t and (e.t <= hi if hi_inclusive else e.t < hi) for e in evs.get(c, []))

    is_active = [active(k.customer, k.t - activity, k.t) for k in contacts]
    # last touch: the latest contact strictly before the purchase (ties: the later row)
    rev = [0.0] * len(contacts)
    orders = [0] * len(contacts)
    for e in events:
        if not is_purchase(e, has_event) or e.t > as_of:
            continue
        before = [(k.t, i) for i, k in enumerate(contacts) if k.customer == e.customer and k.t < e.t]
        if before:
            t, i = max(before)
            if e.t - t <= window:
                rev[i] += e.amount
                orders[i] += 1
    out = CRM()
    for level in ("all", "channel", "campaign"):
        keys = sorted({"all" if level == "all" else getattr(k, level) for k in contacts})
        for g in keys:
            idx = [i for i, k in enumerate(contacts) if level == "all" or getattr(k, level) == g]
            reached = {contacts[i].customer for i in idx if is_active[i]}
            conv = {contacts[i].customer for i in idx if is_active[i] and contacts[i].converted}
            opened = sum(contacts[i].opened or contacts[i].clicked for i in idx)
            clicked = sum(contacts[i].clicked for i in idx)
            cost = sum(contacts[i].cost for i in idx)
            revenue = sum(rev[i] for i in idx)
            out.groups[(level, g)] = {
                "contacts": len(idx),
                "contacted_active": len(reached),
                "net_reactivity": rate(len(conv), len(reached)),
                "reactivity": rate(clicked, opened),
                "unsubscribe_rate": rate(sum(contacts[i].unsubscribed for i in idx), len(idx)),
                "attributed_revenue": revenue,
                "attributed_orders": sum(orders[i] for i in idx),
                "revenue_per_contacted_active": rate(sum(rev[i] for i in idx if is_active[i]), len(reached), 1.0),
                "orders_per_contacted_active": rate(sum(orders[i] for i in idx if is_active[i]), len(reached), 1.0),
                "roi": rate(revenue, cost),
            }
    cal = Cal("month", "UTC")
    for p in range(cal.period_of(min(k.t for k in contacts)), cal.period_of(as_of) + 1):
        a, b = cal.start_us(p), cal.start_us(p + 1)
        act = {c for c in evs if any(a - activity < e.t < b and e.t <= as_of for e in evs[c])}
        in_p = [i for i, k in enumerate(contacts) if a <= k.t < b]
        solicited = {contacts[i].customer for i in in_p} & act
        revenue = defaultdict(float)
        for e in events:
            if a <= e.t < b and e.t <= as_of:
                revenue[e.customer] += net(e, has_event)
        rs = sum(revenue[c] for c in solicited)
        rn = sum(v for c, v in revenue.items() if c not in solicited)
        out.periods.append(
            {
                "contacts": len(in_p),
                "contacts_to_active": sum(is_active[i] for i in in_p),
                "active_customers": len(act),
                "solicited": len(solicited),
                "revenue_per_solicited": rate(rs, len(solicited), 1.0),
                "revenue_per_not_solicited": rate(rn, len(act) - len(solicited), 1.0),
            }
        )
    return out


# ----------------------------------------------------------------------------- states


def months_of(evs: list[E]) -> list[int]:
    cal = Cal("month", "UTC")
    return sorted({cal.period_of(e.t) for e in evs})


def ref_patterns(events: list[E], lapse_after: int = 3) -> dict[Any, str]:
    now = Cal("month", "UTC").period_of(max(e.t for e in events))
    out = {}
    for c, evs in by_customer(events).items():
        ms = months_of(evs)
        if now - ms[-1] >= lapse_after:
            out[c] = "lapsed"
        elif len(ms) == 1:
            out[c] = "one-time"
        elif all(m in ms for m in range(ms[0], ms[-1] + 1)):
            out[c] = "continuous"
        else:
            out[c] = "discontinuous"
    return out


def ref_at_risk(events: list[E], factor: float = 2.0, lapse_after: int = 3, has_event: bool = True) -> list[tuple]:
    as_of = max(e.t for e in events)
    now = Cal("month", "UTC").period_of(as_of)
    per = by_customer(events)
    medians = {}
    for c, evs in per.items():
        buys = [e.t for e in evs if is_purchase(e, has_event)]
        if len(buys) >= 2:
            medians[c] = statistics.median([(b - a) / DAY for a, b in zip(buys, buys[1:])])
    population = statistics.median(medians.values()) if medians else math.nan
    rows = []
    for c, evs in per.items():
        buys = [e.t for e in evs if is_purchase(e, has_event)]
        if not buys or now - months_of(evs)[-1] >= lapse_after:
            continue
        expected = medians.get(c, population)
        days = (as_of - buys[-1]) / DAY
        if days > factor * expected:
            rows.append((c, days, expected, sum(net(e, has_event) for e in evs)))
    return sorted(rows, key=lambda r: (-r[3], r[0]))


SEGMENT_GRID = {  # r -> segment by fm = 1..5, read off the rfm docstring table
    5: ["new", "potential loyalists", "loyal", "champions", "champions"],
    4: ["potential loyalists", "potential loyalists", "loyal", "champions", "champions"],
    3: ["potential loyalists", "potential loyalists", "loyal", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at risk", "at risk", "at risk"],
    1: ["lost", "lost", "at risk", "can't lose", "can't lose"],
}


def ref_rfm(events: list[E], has_event: bool = True) -> dict[Any, tuple]:
    as_of = max(e.t for e in events)
    rows = {}
    for c, evs in by_customer(events).items():
        buys = [e for e in evs if is_purchase(e, has_event)]
        if buys:
            rows[c] = ((as_of - buys[-1].t) / DAY, len(buys), sum(net(e, has_event) for e in evs))
    n = len(rows)

    def score(c: Any, k: int, higher_better: bool) -> int:
        mine = rows[c][k]
        worse = sum(1 for v in rows.values() if (v[k] < mine if higher_better else v[k] > mine))
        return 1 + (5 * worse) // n

    out = {}
    for c in rows:
        r, f, m = score(c, 0, False), score(c, 1, True), score(c, 2, True)
        fm = math.ceil((f + m) / 2)
        out[c] = (r, f, m, SEGMENT_GRID[r][fm - 1])
    return out


# ----------------------------------------------------------------------------- random logs

T0 = int(np.datetime64("2023-01-01", "us").astype(np.int64))


def events_strategy(
    *, max_days: int = 900, event_types=("purchase", "visit", "refund"), products=("a", "b", "c", None)
):
    """A hypothesis strategy of small random logs (lists of :class:`E`, with at least one
    purchase): few customers, so ties, repeat buyers and one-time buyers all happen;
    instants on a 1-hour grid so equal instants happen too."""
    from hypothesis import strategies as st
    from strategies import biased_instants

    event = st.builds(
        E,
        customer=st.integers(1, 8),
        # an hour grid (equal instants happen), or an edge: DST transition, local midnight +-1 µs
        t=biased_instants(st.integers(0, max_days * 24).map(lambda h: T0 + h * 3_600_000_000), T0, max_days),
        event=st.sampled_from(event_types),
        amount=st.sampled_from([0.0, 5.0, 12.5, 40.0, -5.0]),
        product=st.sampled_from(products),
        duration=st.sampled_from([0.0, 10.0, 60.0, 300.0]),
    )

    def with_purchase(events: list[E]) -> list[E]:
        if "purchase" in event_types and not any(e.event == "purchase" for e in events):
            e = events[0]
            events = [E(e.customer, e.t, "purchase", e.amount, e.product, e.duration)] + events[1:]
        return events

    return st.lists(event, min_size=1, max_size=40).map(with_purchase)
