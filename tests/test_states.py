"""fidelite.retention_patterns, at_risk, rfm and best_customers against the reference
(tests/reference_metrics.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from reference_metrics import (
    DAY,
    E,
    by_customer,
    events_strategy,
    from_frame,
    net,
    ref_at_risk,
    ref_patterns,
    ref_rfm,
    table,
)

import fidelite
from fidelite.exceptions import ParameterError
from fidelite.metrics.states import quintile_scores

T = int(np.datetime64("2024-01-01", "us").astype(np.int64))


def ev(c, day, event="purchase", amount=10.0):
    return E(c, T + int(day * DAY), event, amount)


@pytest.fixture(scope="module")
def demo():
    df = fidelite.datasets.demo_shop(300, seed=9, frame="pandas").events
    return df, from_frame(df)


# ----------------------------------------------------------------------------- patterns


def test_patterns_worked_example():
    rows = [
        ev(1, 0),
        ev(1, 35),
        ev(1, 65),
        ev(1, 100),  # Jan, Feb, Mar, Apr: continuous
        ev(2, 10),
        ev(2, 70, "visit"),
        ev(2, 95),  # Jan, Mar, Apr: discontinuous
        ev(3, 100),  # Apr only: one-time
        ev(4, 5),
        ev(4, 40),
    ]  # Jan, Feb, nothing since: lapsed (3 months)
    r = fidelite.retention_patterns(table(rows), lapse_after=2)
    assert dict(zip(r["pattern"], r["customers"].tolist())) == {
        "continuous": 1,
        "discontinuous": 1,
        "one-time": 1,
        "lapsed": 1,
    }
    assert r["share"].tolist() == [25.0] * 4
    per = r.per_customer
    assert dict(zip(per["customer_id"].tolist(), per["pattern"].tolist())) == {
        1: "continuous",
        2: "discontinuous",
        3: "one-time",
        4: "lapsed",
    }
    assert fidelite.retention_patterns(table(rows), lapse_after=3)["customers"].tolist() == [2, 1, 1, 0]
    with pytest.raises(ParameterError, match="lapse_after"):
        fidelite.retention_patterns(table(rows), lapse_after=0)


@settings(max_examples=60, deadline=None)
@given(events_strategy())
def test_patterns_match_reference(events):
    r = fidelite.retention_patterns(table(events))
    ref = ref_patterns(events)
    per = r.per_customer
    assert dict(zip(per["customer_id"].tolist(), per["pattern"].tolist())) == ref
    assert r["customers"].sum() == len(ref)


def test_patterns_demo(demo):
    df, events = demo
    per = fidelite.retention_patterns(df).per_customer
    assert dict(zip(per["customer_id"].tolist(), per["pattern"].tolist())) == ref_patterns(events)


# ----------------------------------------------------------------------------- at risk


def test_at_risk_worked_example():
    rows = [
        ev(1, 0, amount=50),
        ev(1, 10),
        ev(1, 20),  # usual gap 10 days, silent for 40: at risk
        ev(2, 0),
        ev(2, 30),
        ev(2, 58),  # usual gap 29, silent for 2
        ev(3, 45, amount=500),  # one-time buyer, silent 15 days < 2 x 10
        ev(4, 59, "visit"),
        ev(4, 1, amount=900),  # one-time buyer, silent 59 days > 2 x 10
        ev(5, 0, amount=5),
        ev(5, 1, amount=5),
        ev(6, 60, "visit"),
    ]  # population gap = median(10, 29, 1)
    r = fidelite.at_risk(table(rows))
    assert r["customer_id"].tolist() == [4, 1, 5]  # ranked by revenue: 900, 70, 10
    assert r["days_since"].tolist() == [59.0, 40.0, 59.0]
    assert r["expected_gap_days"].tolist() == [10.0, 10.0, 1.0]
    assert r["ratio"].tolist() == pytest.approx([5.9, 4.0, 59.0])
    assert r["revenue"].tolist() == [900.0, 70.0, 10.0]
    assert r.meta["population_gap_days"] == 10.0
    assert fidelite.at_risk(table(rows), factor=5)["customer_id"].tolist() == [4, 5]
    with pytest.raises(ParameterError, match="factor"):
        fidelite.at_risk(table(rows), factor=0)


@settings(max_examples=60, deadline=None)
@given(events_strategy())
def test_at_risk_matches_reference(events):
    r = fidelite.at_risk(table(events))
    ref = ref_at_risk(events)
    assert r["customer_id"].tolist() == [row[0] for row in ref]
    assert r["days_since"].tolist() == pytest.approx([row[1] for row in ref])
    assert r["expected_gap_days"].tolist() == pytest.approx([row[2] for row in ref])
    assert r["revenue"].tolist() == pytest.approx([row[3] for row in ref])


def test_at_risk_demo(demo):
    df, events = demo
    r = fidelite.at_risk(df, factor=1.5)
    assert r["customer_id"].tolist() == [row[0] for row in ref_at_risk(events, factor=1.5)]


# ----------------------------------------------------------------------------- RFM


def test_quintile_scores():
    assert quintile_scores(np.arange(10.0)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(np.arange(10.0), higher_is_better=False).tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert quintile_scores(np.array([3.0, 3.0, 3.0])).tolist() == [1, 1, 1]
    assert quintile_scores(np.array([1.0, 1.0, 1.0, 2.0])).tolist() == [1, 1, 1, 4]


@pytest.mark.parametrize("seed", range(20))
def test_quintile_scores_count_the_strictly_worse_customers(seed):
    """By the definition: 1 + floor(5 x customers with a strictly worse value / n), ties
    (NaN with NaN included) scored alike."""
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 7, rng.integers(1, 80)).astype(float)
    v[rng.random(len(v)) < 0.1] = np.nan
    for better in (True, False):
        w = v if better else -v
        worse = [sum(1 for y in w if y < x or (math.isnan(x) and not math.isnan(y))) for x in w]
        want = [1 + (5 * k) // len(v) for k in worse]
        assert quintile_scores(v, higher_is_better=better).tolist() == want


def test_rfm_worked_example():
    # five buyers, each better than the previous on every axis
    rows = [ev(c, 10 * c + k, amount=10.0 * c) for c in range(1, 6) for k in range(c)]
    r = fidelite.rfm(table(rows))
    assert r["customer_id"].tolist() == [1, 2, 3, 4, 5]
    assert r["r"].tolist() == r["f"].tolist() == r["m"].tolist() == [1, 2, 3, 4, 5]
    assert r["rfm"].tolist() == ["111", "222", "333", "444", "555"]
    assert r["segment"].tolist() == ["lost", "hibernating", "loyal", "champions", "champions"]
    seg = dict(zip(r.segments["segment"], r.segments["customers"].tolist()))
    assert seg["champions"] == 2 and sum(seg.values()) == 5
    with pytest.raises(ParameterError, match="amount"):
        fidelite.rfm(table(rows, amount=False))


def test_rfm_is_independent_of_row_order(demo):
    df, _ = demo
    a = fidelite.rfm(df)
    b = fidelite.rfm(df.sample(frac=1.0, random_state=3))
    assert a["rfm"].tolist() == b["rfm"].tolist() and a["segment"].tolist() == b["segment"].tolist()


@settings(max_examples=60, deadline=None)
@given(events_strategy())
def test_rfm_matches_reference(events):
    r = fidelite.rfm(table(events))
    ref = ref_rfm(events)
    got = {
        c: (a, b, m, s)
        for c, a, b, m, s in zip(
            r["customer_id"].tolist(), r["r"].tolist(), r["f"].tolist(), r["m"].tolist(), r["segment"].tolist()
        )
    }
    assert got == ref


def test_rfm_demo(demo):
    df, events = demo
    r = fidelite.rfm(df)
    ref = ref_rfm(events)
    assert dict(zip(r["customer_id"].tolist(), r["segment"].tolist())) == {c: v[3] for c, v in ref.items()}


# ----------------------------------------------------------------------------- best customers


def test_best_customers(demo):
    df, events = demo
    b = fidelite.best_customers(df, n=15)
    revenue = {c: sum(net(e) for e in evs) for c, evs in by_customer(events).items()}
    want = sorted(revenue, key=lambda c: (-revenue[c], c))[:15]
    assert b["customer_id"].tolist() == want
    assert b["revenue"].tolist() == pytest.approx([revenue[c] for c in want])
    assert b["rank"].tolist() == list(range(1, 16))
    tie = fidelite.best_customers(table([ev(3, 0), ev(1, 0), ev(2, 0, amount=5.0)]), n=2)
    assert tie["customer_id"].tolist() == [1, 3]
    assert len(fidelite.best_customers(table([ev(1, 0)]), n=10)) == 1
    with pytest.raises(ParameterError, match="n is"):
        fidelite.best_customers(df, n=0)
    assert math.isfinite(b["recency_days"][0])
