"""Loyalty programme metrics (fidelite.programme_kpis, programme_impact, programme_points,
tier_migration, near_next_tier) against plain pandas / Python references written from
docs/metrics.md, on hand-made cases and random logs, and on the demo shop's planted effect."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fidelite
from fidelite.datasets import PROGRAMME_EFFECT, PROGRAMME_TIERS, PROGRAMME_WINDOW_DAYS
from fidelite.exceptions import MissingColumnError, MissingTableError, ParameterError, RejectedRowsError

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2024-01-01")


# ----------------------------------------------------------------------------- random data


@st.composite
def programme_data(draw):
    """A small log (purchases and visits over 400 days), and a programme table with join,
    earn, redeem and tier rows for some of its customers (and one customer not in the log)."""
    n = draw(st.integers(4, 9))
    rows = []
    for c in range(1, n + 1):
        for _ in range(draw(st.integers(1, 12))):
            day = draw(st.integers(0, 399))
            hour = draw(st.integers(0, 23))
            kind = draw(st.sampled_from(["purchase", "purchase", "visit"]))
            amount = float(draw(st.integers(1, 90))) if kind == "purchase" else 0.0
            rows.append((c, T0 + day * DAY + pd.Timedelta(hours=hour), kind, amount))
    events = pd.DataFrame(rows, columns=["customer_id", "timestamp", "event", "amount"])
    prog = []
    for c in range(1, n + 2):  # customer n + 1 has no event; customer 1 always joins
        if c == 1 or draw(st.booleans()):
            join = T0 + draw(st.integers(0, 399)) * DAY + pd.Timedelta(hours=draw(st.integers(0, 23)))
            prog.append((c, join, "join", 0.0, draw(st.sampled_from(["bronze", None]))))
            for _ in range(draw(st.integers(0, 4))):
                t = join + draw(st.integers(0, 150)) * DAY
                kind = draw(st.sampled_from(["earn", "earn", "redeem", "tier"]))
                tier = draw(st.sampled_from(["bronze", "silver", "gold"])) if kind == "tier" else None
                prog.append((c, t, kind, float(draw(st.integers(0, 200))) if kind != "tier" else 0.0, tier))
    programme = pd.DataFrame(prog, columns=["customer_id", "timestamp", "event", "points", "tier"])
    return events, programme


def joins(programme: pd.DataFrame) -> dict:
    """customer -> join instant: earliest join row, else earliest row."""
    out = {}
    for c, g in programme.groupby("customer_id"):
        j = g[g["event"] == "join"]["timestamp"]
        out[c] = j.min() if len(j) else g["timestamp"].min()
    return out


# ----------------------------------------------------------------------------- members vs non-members


def ref_kpis(events: pd.DataFrame, programme: pd.DataFrame, window_days: int, as_of: pd.Timestamp) -> dict:
    join = joins(programme)
    w = pd.Timedelta(days=window_days)
    start = as_of - w
    out = {}
    for group, is_member in (("members", True), ("non_members", False)):
        customers = [
            c
            for c in events["customer_id"].unique()
            if (events[events.customer_id == c].timestamp <= as_of).any()
            and ((c in join and join[c] <= as_of) == is_member)
        ]
        cur = events[(events.timestamp > start) & (events.timestamp <= as_of) & events.customer_id.isin(customers)]
        prev = events[(events.timestamp > start - w) & (events.timestamp <= start) & events.customer_id.isin(customers)]
        buys = cur[cur.event == "purchase"].groupby("customer_id").size()
        active = set(cur.customer_id)
        before = set(prev.customer_id)
        revenue = cur[cur.event == "purchase"].amount.sum()
        out[group] = {
            "customers": len(customers),
            "active": len(active),
            "buyers": len(buys),
            "repeat_rate": (buys >= 2).sum() / len(buys) * 100 if len(buys) else math.nan,
            "revenue_per_customer": revenue / len(active) if active else math.nan,
            "purchase_frequency": buys.sum() / len(buys) if len(buys) else math.nan,
            "retention": len(active & before) / len(before) * 100 if before else math.nan,
        }
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme_data(), st.sampled_from([30, 90, 200]))
def test_programme_kpis_match_the_reference(data, window):
    events, programme = data
    as_of = events.timestamp.max()
    r = fidelite.programme_kpis(events, programme=programme, window=window)
    ref = ref_kpis(events, programme, window, as_of)
    for i, group in enumerate(("members", "non_members")):
        for name, want in ref[group].items():
            got = r[name][i]
            assert (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want), (group, name)
    for name in ("customers", "repeat_rate", "retention"):
        a, b, d = r[name]
        assert (math.isnan(d) and (math.isnan(a) or math.isnan(b))) or d == pytest.approx(a - b)


def test_programme_kpis_from_the_customers_table_equal_those_from_the_programme_table():
    shop = fidelite.datasets.demo_shop(1500, seed=3)
    prog = pd.DataFrame(shop.programme)
    since = prog[prog.event == "join"].groupby("customer_id").timestamp.min()
    customers = pd.DataFrame({"customer_id": shop.customers["customer_id"]})
    customers["member_since"] = customers.customer_id.map(since)
    a = fidelite.programme_kpis(shop.events, programme=shop.programme)
    b = fidelite.programme_kpis(shop.events, customers=customers)
    for name in a.columns:
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name
    assert a["customers"][0] == len(since)


# ----------------------------------------------------------------------------- impact


def ref_impact(events: pd.DataFrame, join: dict, *, window_days: int, matches: int, kpi: str) -> tuple[float, list]:
    """Difference in differences, one member at a time (docstring of programme_impact)."""
    as_of = events.timestamp.max()
    w = pd.Timedelta(days=window_days)
    first = events.groupby("customer_id").timestamp.min()
    customers = sorted(first.index)
    never = pd.Timestamp.max

    def value(c, a, b):
        e = events[(events.customer_id == c) & (events.timestamp >= a) & (events.timestamp < b)]
        p = e[e.event == "purchase"]
        return float(len(p)) if kpi == "purchases" else float(p.amount.sum())

    def features(c, d):
        e = events[(events.customer_id == c) & (events.timestamp < d)]
        p = e[e.event == "purchase"]
        recency = (d - e.timestamp.max()) / DAY
        tenure = (d - first[c]) / DAY
        return np.log1p(np.array([recency, len(p), p.amount.sum(), tenure], dtype=float))

    members = []
    for c in customers:
        if c in join and join[c] <= as_of:
            d = join[c].floor("D")
            if d + w <= as_of and first[c] < d:
                members.append((c, d))
    x = np.array([features(c, d) for c, d in members])
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    effects = []
    for (c, d), xm in zip(members, x):
        pool = [k for k in customers if first[k] < d and join.get(k, never) >= d + w]
        dist = [(((xm / scale - features(k, d) / scale) ** 2).sum(), k) for k in pool]
        nearest = [k for _, k in sorted(dist, key=lambda t: t[0])[:matches]]  # stable: ids ascending
        m_change = value(c, d, d + w) - value(c, d - w, d)
        c_change = np.mean([value(k, d, d + w) - value(k, d - w, d) for k in nearest])
        effects.append(m_change - c_change)
    return float(np.mean(effects)), effects


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(programme_data(), st.sampled_from([20, 60]), st.sampled_from([1, 2]), st.sampled_from(["purchases", "revenue"]))
def test_programme_impact_matches_the_reference(data, window, matches, kpi):
    events, programme = data
    join = joins(programme)
    try:
        r = fidelite.programme_impact(events, programme=programme, window=window, matches=matches, kpi=kpi, n_boot=200)
    except ParameterError as e:
        assert "no member can be measured" in str(e) or "non-members to match" in str(e)
        return
    want, effects = ref_impact(events, join, window_days=window, matches=matches, kpi=kpi)
    assert r.value == pytest.approx(want, abs=1e-9)
    assert r["customers"][0] == len(effects)
    assert r.ci_low <= r.value + 1e-9 and r.value - 1e-9 <= r.ci_high


def test_impact_is_deterministic_and_its_interval_follows_the_seed():
    shop = fidelite.datasets.demo_shop(1500, seed=5)
    a = fidelite.programme_impact(shop.events, programme=shop.programme, seed=1)
    b = fidelite.programme_impact(shop.events, programme=shop.programme, seed=1)
    c = fidelite.programme_impact(shop.events, programme=shop.programme, seed=2)
    assert (a.value, a.ci_low, a.ci_high) == (b.value, b.ci_low, b.ci_high)
    assert a.value == c.value and (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    shuffled = pd.DataFrame(shop.events).sample(frac=1.0, random_state=3)
    d = fidelite.programme_impact(
        shuffled, programme=pd.DataFrame(shop.programme).sample(frac=1.0, random_state=4), seed=1
    )
    assert (d.value, d.ci_low, d.ci_high) == (a.value, a.ci_low, a.ci_high)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_demo_programme_effect_is_found(seed):
    shop = fidelite.datasets.demo_shop(4000, seed=seed)
    r = fidelite.programme_impact(shop.events, programme=shop.programme, window=PROGRAMME_WINDOW_DAYS)
    assert r.ci_low > 0, r.headline  # excludes 0
    assert r.ci_low <= PROGRAMME_EFFECT <= r.ci_high, r.headline  # covers the planted effect
    naive = fidelite.programme_impact(
        shop.events, programme=shop.programme, window=PROGRAMME_WINDOW_DAYS, kpi="revenue"
    )
    assert naive.ci_low > 0


def test_without_the_planted_purchases_the_interval_covers_zero():
    shop = fidelite.datasets.demo_shop(4000, seed=0, programme_effect=0)
    r = fidelite.programme_impact(shop.events, programme=shop.programme, window=PROGRAMME_WINDOW_DAYS)
    assert r.ci_low <= 0 <= r.ci_high, r.headline


def test_the_programme_only_adds_events():
    with_effect = fidelite.datasets.demo_shop(800, seed=2)
    without = fidelite.datasets.demo_shop(800, seed=2, programme_effect=0)
    n = len(without.events["customer_id"])
    assert len(with_effect.events["customer_id"]) > n
    for name, column in without.events.items():
        assert column.tolist() == with_effect.events[name][:n].tolist(), name
    for table in ("customers", "surveys", "contacts", "subscriptions"):
        a, b = getattr(with_effect, table), getattr(without, table)
        assert all(np.array_equal(a[k].astype(str), b[k].astype(str)) for k in a), table


def test_impact_parameters_are_checked():
    shop = fidelite.datasets.demo_shop(300, seed=1)
    with pytest.raises(ParameterError, match="kpi"):
        fidelite.programme_impact(shop.events, programme=shop.programme, kpi="visits")
    with pytest.raises(ParameterError, match="matches"):
        fidelite.programme_impact(shop.events, programme=shop.programme, matches=0)
    with pytest.raises(MissingTableError, match="member_since"):
        fidelite.programme_impact(shop.events)
    with pytest.raises(MissingColumnError, match="member_since"):
        fidelite.programme_impact(shop.events, customers=shop.customers)


# ----------------------------------------------------------------------------- points, tiers


def ref_points(programme: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    p = programme[programme.timestamp <= as_of].copy()
    p["period"] = p.timestamp.dt.to_period("M").dt.start_time
    months = pd.date_range(p.timestamp.min().to_period("M").start_time, as_of.to_period("M").start_time, freq="MS")
    earned = p[p.event == "earn"].groupby("period").points.sum().reindex(months, fill_value=0.0)
    redeemed = p[p.event == "redeem"].groupby("period").points.sum().reindex(months, fill_value=0.0)
    join = pd.Series(joins(programme))
    members = [int((join <= m + pd.offsets.MonthBegin(1) - pd.Timedelta(microseconds=1)).sum()) for m in months]
    members = [int(((join <= as_of) & (join < m + pd.offsets.MonthBegin(1))).sum()) for m in months]
    return pd.DataFrame({"earned": earned.values, "redeemed": redeemed.values, "members": members})


@settings(max_examples=40, deadline=None)
@given(programme_data())
def test_programme_points_match_the_reference(data):
    _, programme = data
    if programme.empty:
        return
    r = fidelite.programme_points(programme)
    ref = ref_points(programme, programme.timestamp.max())
    assert r["earned"].tolist() == pytest.approx(ref.earned.tolist())
    assert r["redeemed"].tolist() == pytest.approx(ref.redeemed.tolist())
    assert r["outstanding"].tolist() == pytest.approx((ref.earned.cumsum() - ref.redeemed.cumsum()).tolist())
    assert r["members"].tolist() == ref.members.tolist()
    total = ref.earned.sum()
    assert (math.isnan(r.value) and total == 0) or r.value == pytest.approx(ref.redeemed.sum() / total * 100)


def ref_migration(programme: pd.DataFrame, as_of: pd.Timestamp, order: list[str]) -> np.ndarray:
    labels = ["(not a member)", "(no tier)", *order]
    join = joins(programme)
    tiered = programme[programme.tier.notna() & programme.event.isin(["join", "tier"])].sort_values(
        ["timestamp", "event"], key=lambda s: s.map({"join": 0, "tier": 3}) if s.name == "event" else s, kind="stable"
    )
    first_q = programme.timestamp.min().to_period("Q").start_time
    ends = [q for q in pd.date_range(first_q, as_of, freq="QS")[1:] if q <= as_of]

    def state(c, end):
        if join[c] > end:
            return 0
        rows = tiered[(tiered.customer_id == c) & (tiered.timestamp <= end)]
        return labels.index(rows.tier.iloc[-1]) if len(rows) else 1

    counts = np.zeros((len(labels), len(labels)), int)
    for a, b in zip(ends[:-1], ends[1:]):
        for c in join:
            j = state(c, b)
            if j > 0:
                counts[state(c, a), j] += 1
    return counts


@settings(max_examples=40, deadline=None)
@given(programme_data(), st.integers(0, 200))
def test_tier_migration_matches_the_reference(data, extra_days):
    _, programme = data
    if programme.empty:
        return
    as_of = programme.timestamp.max() + extra_days * DAY
    order = ["bronze", "silver", "gold"]
    present = [t for t in order if t in set(programme.tier.dropna())]
    m = fidelite.tier_migration(programme, tiers=present, as_of=as_of)
    assert m.labels == ["(not a member)", "(no tier)", *present]
    assert (
        m.counts.tolist()
        == ref_migration(programme, as_of.normalize() + DAY - pd.Timedelta(microseconds=1), present).tolist()
    )


def test_tier_migration_worked_example_and_forms():
    rows = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3],
            "event": ["join", "tier", "join", "join"],
            "tier": ["silver", "gold", "silver", None],
            "timestamp": pd.to_datetime(["2024-01-10", "2024-05-01", "2024-02-01", "2024-08-01"]),
        }
    )
    m = fidelite.tier_migration(rows, tiers={"silver": 100, "gold": 500}, as_of="2024-12-31")
    # ends of complete quarters: 04-01, 07-01, 10-01 (2025-01-01 is after as_of): pairs (04, 07), (07, 10)
    # 1: silver, gold, gold; 2: silver x 3; 3: not a member, then a member without a tier
    assert m.labels == ["(not a member)", "(no tier)", "silver", "gold"]
    assert m.counts.tolist() == [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 2, 1], [0, 0, 0, 1]]
    assert m.value == pytest.approx(100 * 1 / 4)
    wide = m.table("wide")
    assert list(wide) == ["from_tier", "(not a member)", "(no tier)", "silver", "gold"]
    assert len(m.to_pandas()) == 16


def ref_near(programme: pd.DataFrame, tiers: dict, within: float, as_of: pd.Timestamp, days: int | None) -> list:
    join = joins(programme)
    out = []
    thresholds = sorted(tiers.values())
    for c in sorted(join):
        if join[c] > as_of:
            continue
        e = programme[(programme.customer_id == c) & (programme.event == "earn") & (programme.timestamp <= as_of)]
        if days is not None:
            e = e[e.timestamp > as_of - pd.Timedelta(days=days)]
        pts = e.points.sum()
        above = [t for t in thresholds if t > pts]
        if above and above[0] - pts <= within:
            out.append((above[0] - pts, c))
    return [c for _, c in sorted(out, key=lambda t: t[0])]


@settings(max_examples=40, deadline=None)
@given(programme_data(), st.sampled_from([10, 50, 150]), st.sampled_from([None, 60]))
def test_near_next_tier_matches_the_reference(data, within, days):
    _, programme = data
    if programme.empty:
        return
    tiers = {"bronze": 0, "silver": 100, "gold": 300}
    as_of = programme.timestamp.max()
    r = fidelite.near_next_tier(programme, tiers=tiers, within=within, qualifying=days)
    assert r["customer_id"].tolist() == ref_near(programme, tiers, within, as_of, days)


def test_programme_rows_are_accounted():
    rows = pd.DataFrame(
        {
            "customer_id": [1, None, 1, 1, 2, 2, 2],
            "timestamp": ["2024-01-01", "2024-01-01", "bad", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"],
            "event": ["join", "join", "earn", "levelup", "earn", "redeem", "tier"],
            "points": [0, 0, 5, 1, -3, None, 0],
            "tier": [None, None, None, None, None, None, None],
        }
    )
    p = fidelite.programme_points(rows)
    assert p.report.rejected == {
        "null customer id": 1,
        "unparseable timestamp": 1,
        "event not one of join, earn, redeem, tier": 1,
        "negative or infinite points": 1,
        "null points on an earn or redeem row": 1,
        "tier row without a tier": 1,
    }
    assert p.report.used == 1
    with pytest.raises(RejectedRowsError):
        fidelite.programme_points(rows, strict=True)


def test_demo_programme_is_consistent():
    shop = fidelite.datasets.demo_shop(2000, seed=4)
    prog = pd.DataFrame(shop.programme)
    assert set(prog.event) == {"join", "earn", "redeem", "tier"}
    assert set(prog.tier.dropna()) <= set(PROGRAMME_TIERS)
    # never more redeemed than earned, for every member at every instant
    signed = np.where(prog.event == "redeem", -prog.points, np.where(prog.event == "earn", prog.points, 0.0))
    balance = pd.Series(signed).groupby(prog.customer_id.to_numpy()).cumsum()
    assert balance.min() >= 0
    p = fidelite.programme_points(shop.programme)
    assert 0 < p.value < 100 and (p["outstanding"] >= 0).all()
    m = fidelite.tier_migration(shop.programme, tiers=PROGRAMME_TIERS)
    assert (
        m.counts[2:, 2:].sum() > 0
        and np.triu(m.counts[2:, 2:], 1).sum() > 0
        and np.tril(m.counts[2:, 2:], -1).sum() > 0
    )


@pytest.mark.parametrize(
    ("n", "seed", "kwargs", "want"),
    [
        (
            3000,
            2,
            dict(kpi="revenue", matches=3, window=30),
            (1.6219506726455868, -1.79895048579902, 5.233238602390886),
        ),
        (2000, 5, dict(matches=1), (0.3356401384083045, 0.1522491349480969, 0.5122837370242213)),
    ],
)
def test_impact_numbers_are_those_of_the_full_sort_per_join_day(n, seed, kwargs, want):
    """The matching picks the nearest controls in one pass over the join days with a
    partial sort: the numbers (to the last bit) are those the first version gave, which
    sorted every distance row in full (recorded from it on these demo shops)."""
    shop = fidelite.datasets.demo_shop(n, seed=seed)
    r = fidelite.programme_impact(shop.events, programme=shop.programme, **kwargs)
    assert (r.value, r.ci_low, r.ci_high) == want


def test_near_next_tier_defaults_to_a_tenth_of_the_smallest_tier_step():
    rows = {
        "customer_id": [1, 1, 2, 2, 3, 3],
        "event": ["join", "earn", "join", "earn", "join", "earn"],
        "timestamp": ["2024-01-02", "2024-01-05"] * 3,
        "points": [0, 136, 0, 134, 0, 490],
    }
    tiers = {"bronze": 0, "silver": 150, "gold": 500}  # steps 150 and 350: within 15
    r = fidelite.near_next_tier(rows, tiers=tiers)
    assert r.meta["within"] == 15.0
    assert r["customer_id"].tolist() == [3, 1]  # 10 and 14 points away; 2 is 16 away
    assert fidelite.near_next_tier(rows, tiers={"silver": 200}, as_of="2024-02-01").meta["within"] == 20.0


@pytest.mark.parametrize("tiers", [{"silver": float("nan")}, {"silver": "lots"}, {"silver": float("inf")}])
def test_near_next_tier_rejects_thresholds_that_are_not_finite_numbers(tiers):
    rows = {"customer_id": [1], "event": ["join"], "timestamp": ["2024-01-02"], "points": [0]}
    with pytest.raises(ParameterError, match="finite points threshold"):
        fidelite.near_next_tier(rows, tiers=tiers)
