"""fidelite.repeat_rate, upsell_rate and clv against the reference (tests/reference_metrics.py)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_metrics import DAY, E, events_strategy, from_frame, ref_clv, ref_repeat_rate, ref_upsell, table

import fidelite
from fidelite.calendar import duration_us
from fidelite.exceptions import ParameterError

T = int(np.datetime64("2024-01-01", "us").astype(np.int64))


def ev(c, day, event="purchase", amount=10.0, product="a"):
    return E(c, T + int(day * DAY), event, amount, product)


@pytest.fixture(scope="module")
def demo():
    shop = fidelite.datasets.demo_shop(300, seed=11, frame="pandas")
    return shop.events, from_frame(shop.events)


# ----------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    "value, days",
    [
        (7, 7),
        (1.5, 1.5),
        ("90D", 90),
        ("30 days", 30),
        ("2w", 14),
        ("12h", 0.5),
        (dt.timedelta(days=3), 3),
        (np.timedelta64(2, "D"), 2),
    ],
)
def test_durations(value, days):
    assert duration_us(value, "within") == round(days * DAY)


@pytest.mark.parametrize(
    "bad, message",
    [
        (0, "must be longer than zero"),
        (-3, "must be longer than zero"),
        ("soon", "must be a duration"),
        ("3 months", "must be a duration"),
        (None, "must be a duration"),
        (True, "must be a duration"),
        (float("inf"), "must be a duration"),
    ],
)
def test_bad_durations(bad, message):
    with pytest.raises(ParameterError, match=f"within {message}"):
        duration_us(bad, "within")


# ----------------------------------------------------------------------------- repeat rate


def test_repeat_rate_worked_example():
    # 5 buyers, 2 bought again: 40 %
    log = table([ev(1, 0), ev(1, 3), ev(2, 1), ev(3, 2), ev(3, 40), ev(4, 5), ev(4, 6, "visit"), ev(5, 38)])
    r = fidelite.repeat_rate(log)
    assert r.value == 40.0 and float(r) == 40.0
    assert r.parts == {"buyers": 5, "repeaters": 2}
    w = fidelite.repeat_rate(log, within="7D")  # customer 3 bought again after 38 days
    assert w.value == 25.0 and w.parts["immature"] == 1  # customer 5 (day 38) has no complete week at day 40


def test_repeat_rate_within_bounds_are_inclusive():
    log = table([ev(1, 0), ev(1, 7), ev(2, 0), ev(2, 7.01), ev(3, 30)])
    assert fidelite.repeat_rate(log, within="7D").parts["repeaters"] == 1


def test_repeat_rate_cohort_and_empty_base():
    log = table([ev(1, 0), ev(1, 3), ev(2, 40), ev(3, 45), ev(3, 50)])
    assert fidelite.repeat_rate(log, cohort="2024-01").value == 100.0
    assert fidelite.repeat_rate(log, cohort="2024-02-10").value == 50.0
    assert fidelite.repeat_rate(log, cohort="2024-Q1", period="quarter").value == pytest.approx(200 / 3)
    r = fidelite.repeat_rate(log, cohort="2023-06")
    assert math.isnan(r.value) and "cohort" in r.reason


def test_repeat_rate_without_event_column_counts_every_event():
    log = table([ev(1, 0, "visit"), ev(1, 3, "visit"), ev(2, 1, "visit")], event=False)
    assert fidelite.repeat_rate(log).value == 50.0
    log = table([ev(1, 0, "visit"), ev(1, 3, "visit"), ev(2, 1, "purchase")])
    assert fidelite.repeat_rate(log).value == 0.0


@settings(max_examples=60, deadline=None)
@given(events_strategy(), st.sampled_from([None, 1, 30, 200]), st.sampled_from([None, (2023, 1), (2023, 6), (2024, 3)]))
def test_repeat_rate_matches_reference(events, within, cohort):
    label = None if cohort is None else f"{cohort[0]}-{cohort[1]:02d}"
    r = fidelite.repeat_rate(table(events), within=within, cohort=label)
    value, buyers, repeaters = ref_repeat_rate(events, within_days=within, cohort_month=cohort)
    assert (r.parts["buyers"], r.parts["repeaters"]) == (buyers, repeaters)
    assert r.value == pytest.approx(value, nan_ok=True)


def test_repeat_rate_demo(demo):
    df, events = demo
    for within in (None, 30):
        assert fidelite.repeat_rate(df, within=within).value == pytest.approx(
            ref_repeat_rate(events, within_days=within)[0]
        )


# ----------------------------------------------------------------------------- upsell


def test_upsell_worked_example():
    # 3 customers bought 2+ products, 6 bought exactly 1: ratio 0.5, share 33.3 %
    rows = [ev(c, 0, product="a") for c in range(9)] + [ev(c, 1, product="b") for c in range(3)]
    rows += [ev(5, 2, product="a"), ev(6, 2, "visit", product="z"), ev(7, 3, product=None)]
    r = fidelite.upsell_rate(table(rows, product=True))
    assert r.value == 0.5
    assert r.parts["share"] == pytest.approx(100 / 3)
    assert (r.parts["multi_product"], r.parts["single_product"], r.parts["no_product"]) == (3, 6, 0)


def test_upsell_needs_products_and_empty_base():
    with pytest.raises(ParameterError, match="product"):
        fidelite.upsell_rate(table([ev(1, 0)]))
    r = fidelite.upsell_rate(table([ev(1, 0, product="a"), ev(1, 1, product="b")], product=True))
    assert math.isnan(r.value) and r.reason and r.parts["share"] == 100.0
    r = fidelite.upsell_rate(table([ev(1, 0, product=None), ev(2, 1, product="b")], product=True))
    assert r.parts["no_product"] == 1 and r.parts["single_product"] == 1


@settings(max_examples=60, deadline=None)
@given(events_strategy())
def test_upsell_matches_reference(events):
    if not any(e.product is not None for e in events):
        events = events + [E(2, events[0].t, "visit", 0.0, "a")]
    r = fidelite.upsell_rate(table(events, product=True))
    value, multi, single = ref_upsell(events)
    assert (r.parts["multi_product"], r.parts["single_product"]) == (multi, single)
    assert r.value == pytest.approx(value, nan_ok=True)


def test_upsell_demo(demo):
    df, events = demo
    assert fidelite.upsell_rate(df).value == pytest.approx(ref_upsell(events)[0])


# ----------------------------------------------------------------------------- CLV


def test_clv_worked_example():
    # last year: 4 purchases of 50 by 2 customers -> value 100 per customer per year;
    # previous year: customers 1, 2, 3, 4 bought; 2 of them (3, 4) did not come back: churn 50 %
    rows = [ev(1, 400), ev(1, 500), ev(2, 450), ev(2, 700)]
    rows = [E(e.customer, e.t, "purchase", 50.0) for e in rows]
    rows += [E(c, T + 100 * DAY, "purchase", 20.0) for c in (1, 2, 3, 4)]
    r = fidelite.clv(table(rows))
    assert r.parts["customer_value"] == pytest.approx(100.0)
    assert r.parts["yearly_churn_rate"] == pytest.approx(50.0)
    assert r.parts["lifetime_years"] == pytest.approx(2.0)
    assert r.value == pytest.approx(200.0)
    assert fidelite.clv(table(rows), margin=0.3).value == pytest.approx(60.0)
    assert fidelite.clv(table(rows), lifetime_years=5).value == pytest.approx(500.0)
    # discounted: 100 / 1.1 + 100 / 1.1 ** 2
    assert fidelite.clv(table(rows), discount_rate=0.1).value == pytest.approx(100 / 1.1 + 100 / 1.21)


def test_clv_unknown_churn_is_nan_with_reason():
    rows = [ev(1, 0), ev(1, 30)]
    r = fidelite.clv(table(rows))
    assert math.isnan(r.value) and "lifetime_years" in r.reason
    assert fidelite.clv(table(rows), lifetime_years=2).value == pytest.approx(40.0)
    rows = [ev(1, 0), ev(1, 400)]  # bought in both years: no churn
    r = fidelite.clv(table(rows))
    assert math.isnan(r.value) and "no churn" in r.reason


@pytest.mark.parametrize("kw", [{"margin": 1.5}, {"margin": -0.1}, {"discount_rate": -0.2}, {"lifetime_years": 0}])
def test_clv_bad_parameters(kw):
    with pytest.raises(ParameterError):
        fidelite.clv(table([ev(1, 0)]), **kw)


def test_clv_needs_amounts():
    with pytest.raises(ParameterError, match="amount"):
        fidelite.clv(table([ev(1, 0)], amount=False))


@settings(max_examples=60, deadline=None)
@given(events_strategy(), st.sampled_from([None, 2.0]), st.sampled_from([None, 0.4]), st.sampled_from([None, 0.08]))
def test_clv_matches_reference(events, lifetime, margin, discount):
    r = fidelite.clv(table(events), lifetime_years=lifetime, margin=margin, discount_rate=discount)
    ref = ref_clv(events, lifetime_years=lifetime, margin=margin, discount_rate=discount)
    assert r.value == pytest.approx(ref["value"], nan_ok=True)
    if "customer_value" in ref:
        assert r.parts["customer_value"] == pytest.approx(ref["customer_value"])


def test_clv_demo(demo):
    df, events = demo
    r = fidelite.clv(df, discount_rate=0.1, margin=0.35)
    assert r.value == pytest.approx(ref_clv(events, discount_rate=0.1, margin=0.35)["value"])
    assert r.value > 0 and r.reason is None
