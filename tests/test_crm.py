"""fidelite.campaigns against the reference (tests/reference_metrics.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_metrics import DAY, Contact, E, events_strategy, from_frame, ref_campaigns, table

import fidelite
from fidelite.exceptions import DTypeError, EmptyInputError, MissingTableError, RejectedRowsError
from fidelite.metrics.crm import rows_before

T = int(np.datetime64("2024-01-01", "us").astype(np.int64))
GROUP_KPIS = [
    "contacts",
    "contacted_active",
    "net_reactivity",
    "reactivity",
    "unsubscribe_rate",
    "attributed_revenue",
    "attributed_orders",
    "revenue_per_contacted_active",
    "orders_per_contacted_active",
    "roi",
]


def contacts_table(contacts: list[Contact]) -> dict[str, np.ndarray]:
    cols = {
        "customer_id": np.array([k.customer for k in contacts]),
        "timestamp": np.array([k.t for k in contacts], np.int64).view("datetime64[us]"),
    }
    for name in ("campaign", "channel"):
        cols[name] = np.array([getattr(k, name) for k in contacts], dtype=object)
    for name in ("opened", "clicked", "converted", "unsubscribed"):
        cols[name] = np.array([getattr(k, name) for k in contacts], bool)
    cols["cost"] = np.array([k.cost for k in contacts])
    return cols


def test_net_reactivity_worked_example():
    # docs/metrics.md: 10,000 contacted (active) customers, 2,000 converted: net reactivity 20 %
    n = 10_000
    ids = np.arange(n)
    contacts = {
        "customer_id": ids,
        "timestamp": np.full(n, np.datetime64("2024-03-01T10:00", "us")),
        "campaign": np.full(n, "spring", dtype=object),
        "channel": np.where(ids % 2 == 0, "email", "sms"),
        "converted": ids < 2_000,
        "cost": np.full(n, 0.05),
    }
    events = {"customer_id": ids, "timestamp": np.full(n, np.datetime64("2024-02-01", "us"))}
    r = fidelite.campaigns(contacts, events=events)
    assert r.value == pytest.approx(20.0) and float(r) == r.value
    assert r.kpis["contacted_active"] == 10_000 and r.kpis["converted_active"] == 2_000
    by_channel = r.by("channel")
    assert by_channel["group"].tolist() == ["email", "sms"]
    assert by_channel["net_reactivity"].tolist() == pytest.approx([20.0, 20.0])
    assert fidelite.campaigns(contacts).value == pytest.approx(20.0)  # without events everyone counts as active


def test_kpis_by_hand():
    ev = [
        E(1, T, "visit"),
        E(2, T, "visit"),
        E(3, T - 400 * DAY, "visit"),  # 3 is inactive at contact time
        E(1, T + 12 * DAY, "purchase", 40.0),
        E(1, T + 14 * DAY, "purchase", 20.0),
        E(2, T + 30 * DAY, "purchase", 99.0),  # 20 days after the contact: outside the 7-day window
        E(3, T + 11 * DAY, "purchase", 10.0),
    ]
    ks = [
        Contact(1, T + 10 * DAY, "spring", "email", opened=True, clicked=True, converted=True, cost=1.0),
        Contact(1, T + 13 * DAY, "spring", "sms", opened=False, clicked=False, cost=2.0),
        Contact(2, T + 10 * DAY, "spring", "email", opened=True, unsubscribed=True, cost=1.0),
        Contact(3, T + 10 * DAY, "winback", "email", opened=True, clicked=True, converted=True, cost=1.0),
    ]
    r = fidelite.campaigns(contacts_table(ks), events=table(ev))
    k = r.kpis
    assert k["contacts"] == 4 and k["contacted_active"] == 2 and k["converted_active"] == 1
    assert r.value == 50.0
    assert k["reactivity"] == pytest.approx(200 / 3)  # 2 clicks / 3 opens
    assert k["unsubscribe_rate"] == 25.0
    # last touch: 40 -> the email of day 10, 20 -> the sms of day 13, 10 -> customer 3's email
    assert k["attributed_revenue"] == 70.0 and k["attributed_orders"] == 3
    assert k["revenue_per_contacted_active"] == 30.0  # 60 over customers 1 and 2
    assert k["roi"] == pytest.approx(70 / 5 * 100)
    sms = r.by("channel")
    assert dict(zip(sms["group"], sms["attributed_revenue"])) == {"email": 50.0, "sms": 20.0}
    camp = r.by("campaign")
    assert dict(zip(camp["group"], camp["contacted_active"])) == {"spring": 2, "winback": 0}
    assert math.isnan(camp["net_reactivity"][1])


def test_window_bounds():
    # a purchase at the contact instant is not attributed to it; activity_window is (t - W, t]
    ev = [
        E(1, T + DAY, "visit"),
        E(2, T + DAY, "visit"),
        E(3, T, "visit"),
        E(1, T + 30 * DAY, "purchase", 10.0),
        E(2, T + 31 * DAY, "purchase", 7.0),
    ]
    ks = [Contact(c, T + 30 * DAY, "c", "email") for c in (1, 2, 3)]
    r = fidelite.campaigns(contacts_table(ks), events=table(ev), activity_window=30)
    assert r.kpis["attributed_revenue"] == 7.0
    assert r.kpis["contacted_active"] == 2  # customer 3's visit is exactly 30 days old


def test_pressure_and_solicitation_by_hand():
    ev = [
        E(1, T + 5 * DAY, "purchase", 30.0),
        E(2, T + 6 * DAY, "purchase", 10.0),
        E(3, T + 7 * DAY, "purchase", 50.0),
        E(1, T + 35 * DAY, "purchase", 8.0),
    ]
    ks = [
        Contact(1, T + 10 * DAY, "c", "email"),
        Contact(1, T + 11 * DAY, "c", "email"),
        Contact(2, T + 12 * DAY, "c", "email"),
        Contact(4, T + 12 * DAY, "c", "email"),
    ]  # 4: unknown customer
    r = fidelite.campaigns(contacts_table(ks), events=table(ev), activity_window=30)
    p = r.pressure
    assert p["contacts"].tolist() == [4, 0] and p["contacts_to_active"].tolist() == [3, 0]
    assert p["active_customers"].tolist() == [3, 3]  # February: all three still within 30 days of an event
    assert p["pressure"].tolist() == [1.0, 0.0]
    s = r.solicitation
    assert s["solicited"].tolist() == [2, 0] and s["not_solicited"].tolist() == [1, 3]
    assert s["revenue_per_solicited"][0] == 20.0 and s["revenue_per_not_solicited"][0] == 50.0
    assert s["marginal_revenue"][0] == -30.0
    assert r.kpis["revenue_per_solicited"] == 20.0
    assert r.kpis["revenue_per_not_solicited"] == pytest.approx((50 + 8) / 4)


def test_rows_flags_and_errors():
    c = pd.DataFrame(
        {
            "customer_id": [1, None, 2, 3],
            "timestamp": pd.to_datetime(["2024-01-01"] * 4),
            "converted": pd.array([True, False, None, False], dtype="boolean"),
            "cost": [1.0, 1.0, -2.0, None],
        }
    )
    r = fidelite.campaigns(c)
    assert r.report.rejected == {"null customer id": 1, "negative or infinite cost": 1}
    assert r.report.notes == {"null cost counted as 0": 1}
    assert math.isnan(r.kpis["reactivity"]) and math.isnan(r.kpis["attributed_revenue"])
    assert r.kpis["cost"] == 1.0
    with pytest.raises(RejectedRowsError):
        fidelite.campaigns(c, strict=True)
    with pytest.raises(MissingTableError, match="contacts"):
        fidelite.campaigns(None)
    with pytest.raises(EmptyInputError):
        fidelite.campaigns({"customer_id": [], "timestamp": []})
    with pytest.raises(DTypeError, match="converted"):
        fidelite.campaigns({"customer_id": [1], "timestamp": ["2024-01-01"], "converted": ["maybe"]})
    text = fidelite.campaigns({"customer_id": [1, 2], "timestamp": ["2024-01-01"] * 2, "converted": ["yes", "no"]})
    assert text.value == 50.0


def test_rows_before():
    indptr, times = np.array([0, 3, 3, 4]), np.array([1, 5, 5, 3])  # customer 0: 1, 5, 5; customer 1: none; 2: 3
    q_codes, q_times = np.array([0, 0, 0, 1, 2, 2]), np.array([5, 6, 0, 9, 3, 2])
    assert rows_before(indptr, times, q_codes, q_times, inclusive=False).tolist() == [1, 3, 0, 3, 3, 3]
    assert rows_before(indptr, times, q_codes, q_times, inclusive=True).tolist() == [3, 3, 0, 3, 4, 3]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 20)), max_size=30),
    st.lists(st.tuples(st.integers(0, 4), st.integers(-1, 21)), min_size=1, max_size=10),
    st.booleans(),
)
def test_rows_before_matches_a_scan(rows, queries, inclusive):
    rows = sorted(rows)
    indptr = np.searchsorted(np.array([c for c, _ in rows], int), np.arange(6))
    times = np.array([t for _, t in rows], np.int64)
    got = rows_before(
        indptr, times, np.array([c for c, _ in queries]), np.array([t for _, t in queries]), inclusive=inclusive
    )
    want = [sum(1 for c, t in rows if c < qc or (c == qc and (t <= qt if inclusive else t < qt))) for qc, qt in queries]
    assert got.tolist() == want


contact_strategy = st.lists(
    st.builds(
        Contact,
        customer=st.integers(1, 10),
        t=st.integers(0, 900 * 24).map(lambda h: T - 366 * DAY + h * 3_600_000_000),
        campaign=st.sampled_from(["a", "b"]),
        channel=st.sampled_from(["email", "sms", "push"]),
        opened=st.booleans(),
        clicked=st.booleans(),
        converted=st.booleans(),
        unsubscribed=st.booleans(),
        cost=st.sampled_from([0.0, 0.5, 2.0]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(contact_strategy, events_strategy(), st.sampled_from([1, 7, 30]), st.sampled_from([30, 365]))
def test_matches_reference(contacts, events, attribution, activity):
    r = fidelite.campaigns(
        contacts_table(contacts), events=table(events), attribution_window=attribution, activity_window=activity
    )
    ref = ref_campaigns(contacts, events, attribution_days=attribution, activity_days=activity)
    got = {(lv, g): i for i, (lv, g) in enumerate(zip(r["level"], r["group"]))}
    assert set(got) == set(ref.groups)
    for key, want in ref.groups.items():
        for name in GROUP_KPIS:
            assert r[name][got[key]] == pytest.approx(want[name], nan_ok=True), (key, name)
    for name in ("contacts", "contacts_to_active", "active_customers"):
        assert r.pressure[name].tolist() == [p[name] for p in ref.periods], name
    assert r.solicitation["solicited"].tolist() == [p["solicited"] for p in ref.periods]
    for name in ("revenue_per_solicited", "revenue_per_not_solicited"):
        assert r.solicitation[name].tolist() == pytest.approx([p[name] for p in ref.periods], nan_ok=True), name


def test_demo_shop():
    shop = fidelite.datasets.demo_shop(250, seed=6, frame="pandas")
    c = shop.contacts
    contacts = [
        Contact(*row)
        for row in zip(
            c.customer_id.tolist(),
            c.timestamp.to_numpy().astype("datetime64[us]").astype(np.int64).tolist(),
            c.campaign.tolist(),
            c.channel.tolist(),
            c.opened.tolist(),
            c.clicked.tolist(),
            c.converted.tolist(),
            c.unsubscribed.tolist(),
            c.cost.tolist(),
        )
    ]
    r = fidelite.campaigns(c, events=shop.events)
    ref = ref_campaigns(contacts, from_frame(shop.events))
    for name in GROUP_KPIS:
        assert r.kpis[name] == pytest.approx(ref.groups[("all", "all")][name], nan_ok=True), name
    assert r.pressure["active_customers"].tolist() == [p["active_customers"] for p in ref.periods]
