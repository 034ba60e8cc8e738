"""fidelite.clv_summary: against lifetimes on the CDNOW transactions (golden file written
by tests/data/make_lifetimes_summaries.py), against the plain reference
(tests/reference_clv.py) on random logs, and its parameters and errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reference_clv import clv_summary as reference
from reference_clv import isclose, left_out
from reference_kpis import ZONES, as_of_for, event_logs, instants

import fidelite
from fidelite.exceptions import ParameterError
from fidelite.models import BetaGeo

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    tx = pd.read_csv(
        DATA / "CDNOW_sample.txt", sep=r"\s+", header=None, names=["customer_id", "sample_id", "date", "cds", "amount"]
    )
    tx["timestamp"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    return tx


@pytest.fixture(scope="module")
def lifetimes_summaries() -> pd.DataFrame:
    return pd.read_csv(DATA / "lifetimes_cdnow_summaries.csv").set_index("customer_id")


# ----------------------------------------------------------------------------- lifetimes


@pytest.mark.parametrize(("unit", "scaler", "prefix"), [("D", 7, "D7"), ("W", 1, "W")])
def test_matches_lifetimes_summary_on_cdnow(cdnow, lifetimes_summaries, unit, scaler, prefix):
    s = fidelite.clv_summary(cdnow, time_unit=unit, time_scaler=scaler)
    ref = lifetimes_summaries
    assert s["customer_id"].tolist() == ref.index.tolist()
    assert s["frequency"].tolist() == ref[f"{prefix}_full_frequency"].astype(int).tolist()
    for name in ("recency", "T", "monetary_value"):  # the golden file keeps 12 digits
        np.testing.assert_allclose(s[name], ref[f"{prefix}_full_{name}"], rtol=1e-11, atol=1e-9, err_msg=name)


@pytest.mark.parametrize(("unit", "scaler", "prefix"), [("D", 7, "D7"), ("W", 1, "W")])
def test_matches_lifetimes_calibration_and_holdout_on_cdnow(cdnow, lifetimes_summaries, unit, scaler, prefix):
    s = fidelite.clv_summary(
        cdnow, time_unit=unit, time_scaler=scaler, calibration_end="1997-09-30", observation_end="1998-06-30"
    )
    ref = lifetimes_summaries
    p = f"{prefix}_cal_"
    assert s["customer_id"].tolist() == ref.index.tolist()
    assert s["frequency"].tolist() == ref[p + "frequency_cal"].astype(int).tolist()
    assert s["frequency_holdout"].tolist() == ref[p + "frequency_holdout"].astype(int).tolist()
    for name in ("recency", "T", "monetary_value"):
        np.testing.assert_allclose(s[name], ref[f"{p}{name}_cal"], rtol=1e-11, atol=1e-9, err_msg=name)
    np.testing.assert_allclose(s["duration_holdout"], ref[p + "duration_holdout"], rtol=1e-12)
    # lifetimes averages the holdout amounts per transaction, fidelite per purchase period
    # (as its calibration column and PyMC-Marketing's rfm_train_test_split do): the two
    # agree for every customer with at most one purchase per holdout period
    holdout = cdnow[cdnow["timestamp"] > "1997-09-30"]
    key = holdout["timestamp"].dt.to_period("W" if unit == "W" else "D")
    per_period = holdout.groupby(["customer_id", key]).size()
    single = ~ref.index.isin(per_period[per_period > 1].index.get_level_values(0))
    assert single.sum() > 2000
    np.testing.assert_allclose(
        s["monetary_value_holdout"][single], ref[p + "monetary_value_holdout"][single], rtol=1e-11, atol=1e-9
    )
    # the CDNOW table of Fader, Hardie & Lee: 2,357 customers in weeks, 1/100 week rounding
    cdnow_table = pd.read_csv(DATA / "cdnow_customers_summary.csv")
    if unit == "D":
        sample_id = cdnow.groupby("customer_id")["sample_id"].first().loc[s["customer_id"]].to_numpy()
        order = np.argsort(sample_id)
        assert s["frequency"][order].tolist() == cdnow_table["frequency"].tolist()
        np.testing.assert_allclose(s["recency"][order], cdnow_table["recency"], atol=0.005)
        np.testing.assert_allclose(s["T"][order], cdnow_table["T"], atol=0.005)


def test_fits_the_published_cdnow_estimates(cdnow):
    s = fidelite.clv_summary(cdnow, time_unit="D", time_scaler=7, calibration_end="1997-09-30")
    bg = BetaGeo().fit(s)
    want = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
    for k, v in want.items():
        assert bg.params[k] == pytest.approx(v, rel=2e-3), k  # the published table is rounded to 1/100 week
    assert bg.log_likelihood == pytest.approx(-9582.43, abs=1.0)


# ----------------------------------------------------------------------------- reference


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    tz=st.sampled_from(ZONES),
    unit=st.sampled_from(["D", "W", "M", "Q", "Y"]),
    scaler=st.sampled_from([1, 7, 0.5, 30]),
    week_start=st.integers(0, 6),
    purchase_event=st.sampled_from(["purchase", ["purchase", "refund"], None]),
    grouped=st.booleans(),
    holdout=st.booleans(),
)
def test_matches_the_reference_on_random_logs(data, tz, unit, scaler, week_start, purchase_event, grouped, holdout):
    ev = data.draw(event_logs())
    end = data.draw(as_of_for(ev))
    cal_end = data.draw(st.one_of(st.sampled_from(ev.ts), instants)) if holdout else None
    last = max(ev.ts) if end is None else end
    assume(cal_end is None or cal_end <= last)
    if purchase_event == ["purchase", "refund"] and (ev.event is None or "refund" not in ev.event):
        purchase_event = "purchase"
    log = fidelite.EventLog(ev.table(), tz=tz)
    if grouped:
        log.prepare()
    got = fidelite.clv_summary(
        log,
        time_unit=unit,
        time_scaler=scaler,
        week_start=week_start,
        purchase_event=purchase_event,
        observation_end=None if end is None else np.datetime64(end, "us"),
        calibration_end=None if cal_end is None else np.datetime64(cal_end, "us"),
    )
    want = reference(
        ev,
        time_unit=unit,
        time_scaler=scaler,
        calibration_end=cal_end,
        observation_end=end,
        tz=tz,
        week_start=week_start,
        purchase_event=purchase_event,
    )
    assert list(got.columns) == list(want.columns)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert got["first_purchase"].view(np.int64).tolist() == want["first_purchase"].tolist()
    for name in ("frequency", "frequency_holdout"):
        if name in want:
            assert got[name].dtype == np.int64 and got[name].tolist() == want[name].tolist(), name
    for name in ("recency", "T", "monetary_value", "monetary_value_holdout", "duration_holdout"):
        if name in want:
            assert all(isclose(a, b) for a, b in zip(got[name].tolist(), want[name].tolist())), name
    none, later = left_out(ev, calibration_end=cal_end, observation_end=end, purchase_event=purchase_event)
    assert got.meta["left_out"]["no purchase at or before the observation end"] == none
    assert got.meta["left_out"].get("first purchase after the calibration end", 0) == later


# ----------------------------------------------------------------------------- parameters


def test_hand_made_log():
    log = {
        "customer_id": [1, 1, 1, 1, 1, 2, 2, 3],
        "event": ["purchase", "purchase", "visit", "purchase", "purchase", "visit", "purchase", "purchase"],
        "amount": [10.0, 4.0, 99.0, 6.0, 9.0, 1.0, 5.0, 7.0],
        "timestamp": [
            "2024-01-01 09:00",
            "2024-01-01 18:00",  # same day: one purchase period worth 14
            "2024-01-05",  # a visit: not a purchase
            "2024-01-08",
            "2024-02-05",  # after the calibration end
            "2024-01-03",
            "2024-02-10",  # customer 2's first purchase is in the holdout
            "2024-03-01",  # after the observation end
        ],
    }
    s = fidelite.clv_summary(log, calibration_end="2024-01-31", observation_end="2024-02-29")
    assert s["customer_id"].tolist() == [1]
    assert s["first_purchase"].tolist() == [np.datetime64("2024-01-01T09:00", "us")]
    assert (s["frequency"][0], s["recency"][0], s["T"][0]) == (1, 7.0, 30.0)
    assert s["monetary_value"][0] == 6.0  # the repeat period only
    assert (s["frequency_holdout"][0], s["monetary_value_holdout"][0], s["duration_holdout"][0]) == (1, 9.0, 29.0)
    assert s.meta["left_out"] == {
        "no purchase at or before the observation end": 1,
        "first purchase after the calibration end": 1,
    }
    assert s.meta["calibration_end"] == np.datetime64("2024-01-31T23:59:59.999999", "us")
    assert s.holdout and s.reason is None


def test_without_amounts_there_is_no_monetary_value():
    s = fidelite.clv_summary({"customer_id": [1, 1], "timestamp": ["2024-01-01", "2024-01-03"]})
    assert "monetary_value" not in s.columns and "amount" in s.reason
    assert s["frequency"].tolist() == [1] and s["recency"].tolist() == [2.0]


def test_periods_are_local_and_weeks_follow_week_start():
    # 2024-01-06 is a Saturday, 2024-01-07 a Sunday; 23:30 UTC on the 7th is the 8th in Paris
    log = {"customer_id": [1, 1], "timestamp": ["2024-01-06 12:00", "2024-01-07 23:30"]}
    assert fidelite.clv_summary(log, time_unit="W")["frequency"].tolist() == [0]
    assert fidelite.clv_summary(log, time_unit="W", week_start="sunday")["frequency"].tolist() == [1]
    assert fidelite.clv_summary(log, time_unit="D")["recency"].tolist() == [1.0]
    assert fidelite.clv_summary(log, time_unit="D", tz="Europe/Paris")["recency"].tolist() == [2.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time_unit": "H"}, "unknown time_unit 'H'"),
        ({"time_scaler": 0}, "time_scaler must be a positive number"),
        ({"time_scaler": "7"}, "time_scaler must be a positive number"),
        ({"calibration_end": "2024-03-01", "observation_end": "2024-02-01"}, "after observation_end"),
        ({"time_scaler": 7, "obsevation_end": "2024-01-01"}, "did you mean 'observation_end'"),
    ],
)
def test_parameter_errors_say_what_to_fix(kwargs, match):
    log = {"customer_id": [1, 1], "timestamp": ["2024-01-01", "2024-01-09"]}
    with pytest.raises(ParameterError, match=match):
        fidelite.clv_summary(log, **kwargs)


def test_every_model_fits_the_table_and_its_exports(shop):
    s = fidelite.clv_summary(shop.events, time_unit="W")
    assert len(s) + sum(s.meta["left_out"].values()) == fidelite.EventLog(shop.events).n_customers
    m = BetaGeo().fit(s)
    assert m.converged
    df = s.to_pandas()
    assert list(df.columns) == list(s.columns) and len(df) == len(s)
    assert BetaGeo().fit(df).params == pytest.approx(m.params, rel=1e-9)
    assert repr(s).startswith("summary for the models")


def test_the_same_table_from_rows_and_from_the_grouped_log(shop):
    log = fidelite.EventLog(shop.events)
    a = fidelite.clv_summary(log, calibration_end="2023-06-30")
    assert not log.is_grouped  # read in row order, the log is not grouped for it
    log.prepare()
    b = fidelite.clv_summary(log, calibration_end="2023-06-30")
    for name in a.columns:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert not math.isnan(float(a["monetary_value"].sum()))
