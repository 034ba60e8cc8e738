"""fidelite.engagement against the reference (tests/reference_metrics.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_metrics import DAY, E, events_strategy, from_frame, ref_engagement, ref_percentile_rank, table

import fidelite
from fidelite.exceptions import ParameterError
from fidelite.metrics.engagement import percentile_ranks

T = int(np.datetime64("2024-03-01", "us").astype(np.int64))


def ev(c, day, event="visit", duration=60.0):
    return E(c, T + int(day * DAY), event, 0.0, None, duration)


def test_percentile_rank_convention():
    assert percentile_ranks(np.array([5.0, 1.0, 3.0])).tolist() == [100.0, 0.0, 50.0]
    assert percentile_ranks(np.array([2.0, 2.0, 2.0])).tolist() == [50.0, 50.0, 50.0]
    assert percentile_ranks(np.array([7.0])).tolist() == [50.0]
    assert percentile_ranks(np.array([1.0, 1.0, 4.0, 9.0])).tolist() == pytest.approx(
        [100 / 6, 100 / 6, 200 / 3, 100.0]
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=30))
def test_percentile_rank_matches_reference(values):
    assert percentile_ranks(np.array(values, float)).tolist() == pytest.approx(ref_percentile_rank(values))


def test_worked_example():
    rows = [
        ev(1, 0, "purchase", 100),
        ev(1, 0.5, "visit", 100),
        ev(1, 3, "purchase", 100),
        ev(2, 1, "visit", 30),
        ev(3, 2, "purchase", 10),
        ev(4, -200, "visit", 5),
    ]  # 4: outside the window
    e = fidelite.engagement(table(rows, duration=True), window=30)
    assert e["customer_id"].tolist() == [1, 2, 3]
    assert e["frequency"].tolist() == [2, 1, 1]  # two events on day 0 make one active day
    assert e["duration"].tolist() == [300.0, 30.0, 10.0]
    assert e["key_actions"].tolist() == [2, 0, 1]
    assert e["frequency_pct"].tolist() == [100.0, 25.0, 25.0]
    assert e["engagement"].tolist() == pytest.approx([100.0, (25 + 50 + 0) / 3, (25 + 0 + 50) / 3])
    assert e.value == pytest.approx(50.0) and float(e) == e.value
    w = fidelite.engagement(table(rows, duration=True), window=30, weights={"frequency": 1, "duration": 3})
    assert w["engagement"].tolist() == pytest.approx([100.0, (25 + 150) / 4, 25 / 4])
    everyone = fidelite.engagement(table(rows, duration=True), window=30, population="all")
    assert everyone["customer_id"].tolist() == [1, 2, 3, 4]
    assert everyone["frequency"].tolist() == [2, 1, 1, 0]


def test_window_excludes_its_start_instant():
    rows = [ev(1, 0, "purchase"), ev(2, 10, "purchase"), ev(3, 9.99, "purchase")]
    e = fidelite.engagement(table(rows, duration=True), window=10)  # (day 0, day 10]
    assert e["customer_id"].tolist() == [2, 3]


def test_key_events_and_no_duration_column():
    rows = [ev(1, 0, "login"), ev(1, 1, "purchase"), ev(2, 1, "login"), ev(2, 2, "login")]
    with pytest.raises(ParameterError, match="duration"):
        fidelite.engagement(table(rows))
    e = fidelite.engagement(table(rows), key_events=["login"], weights={"frequency": 1, "key_actions": 1})
    assert e["key_actions"].tolist() == [1, 2]
    with pytest.raises(ParameterError, match="unknown event type"):
        fidelite.engagement(table(rows), key_events="signup", weights=[1, 0, 1])


@pytest.mark.parametrize("weights", [[1, 2], {"speed": 1}, [0, 0, 0], [-1, 1, 1], [math.nan, 1, 1]])
def test_bad_weights(weights):
    with pytest.raises(ParameterError, match="weights"):
        fidelite.engagement(table([ev(1, 0, "purchase")], duration=True), weights=weights)


def test_empty_population_is_nan():
    e = fidelite.engagement(table([ev(1, 0, "purchase")], duration=True), as_of="2023-01-01")
    assert len(e) == 0 and math.isnan(e.value) and e.reason
    with pytest.raises(ParameterError, match="key_events"):
        fidelite.engagement(table([ev(1, 0, "visit")], duration=True))


@settings(max_examples=60, deadline=None)
@given(
    events_strategy(event_types=("purchase", "visit", "login")),
    st.sampled_from([1, 7, 90, 400]),
    st.sampled_from([(1.0, 1.0, 1.0), (2.0, 0.0, 1.0), (0.5, 1.0, 3.0)]),
    st.sampled_from(["active", "all"]),
    st.sampled_from([("purchase",), ("login", "visit")]),
)
def test_matches_reference(events, window, weights, population, key_events):
    key_events = tuple(k for k in key_events if any(e.event == k for e in events)) or ("purchase",)
    e = fidelite.engagement(
        table(events, duration=True),
        window=window,
        weights=list(weights),
        population=population,
        key_events=list(key_events),
    )
    ref = ref_engagement(events, window_days=window, weights=weights, population=population, key_events=key_events)
    assert e["customer_id"].tolist() == sorted(ref)
    assert e["engagement"].tolist() == pytest.approx([ref[c] for c in sorted(ref)])


def test_demo_shop():
    df = fidelite.datasets.demo_shop(300, seed=4, frame="pandas").events
    e = fidelite.engagement(df, window="60D")
    ref = ref_engagement(from_frame(df), window_days=60)
    assert e["customer_id"].tolist() == sorted(ref)
    assert e["engagement"].tolist() == pytest.approx([ref[c] for c in sorted(ref)])
    assert e.to_pandas().shape == (len(ref), 8)
