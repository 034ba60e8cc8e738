"""fidelite.period_kpis / active_customers / rolling_active against the slow reference
(tests/reference_kpis.py) on random logs, docs/metrics.md's worked example and hand-made cases."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_kpis import DAY_US, ZONES, Events, as_of_for, event_logs
from reference_kpis import period_kpis as reference_kpis
from reference_kpis import rolling_active as reference_rolling

import fidelite
from fidelite.calendar import duration_us
from fidelite.exceptions import ParameterError

HOUR_US = 3_600_000_000
#: activity windows as a user writes them, and their length in µs (None = one period)
WINDOWS = [
    (None, None),
    ("1D", DAY_US),
    ("36H", 36 * HOUR_US),
    ("90D", 90 * DAY_US),
    ("12W", 84 * DAY_US),
    (dt.timedelta(days=45, hours=6), (45 * 24 + 6) * HOUR_US),
    (np.timedelta64(10, "D"), 10 * DAY_US),
    (pd.Timedelta(hours=5), 5 * HOUR_US),
]
SLOW = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ts(text: str) -> int:
    return int(np.datetime64(text, "us").astype(np.int64))


def table_equal(got: fidelite.TableResult, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for name in want.columns:
        g = got[name]
        if name in ("period", "day"):
            assert g.dtype == np.dtype("datetime64[D]")
            assert g.tolist() == [pd.Timestamp(v).date() for v in want[name]], name
        elif g.dtype.kind == "f":
            np.testing.assert_allclose(
                g, want[name].to_numpy(float), rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=name
            )
        else:
            assert g.tolist() == want[name].tolist(), name


def active_events_for(ev: Events) -> st.SearchStrategy:
    if ev.event is None:
        return st.just(None)
    options: list = [None, "purchase"]
    if "visit" in ev.event:
        options.append(["visit", "purchase"])
    return st.sampled_from(options)


@SLOW
@given(
    data=st.data(),
    tz=st.sampled_from(ZONES),
    period=st.sampled_from(["day", "week", "month", "quarter", "year"]),
    week_start=st.integers(0, 6),
    window=st.sampled_from(WINDOWS),
)
def test_period_kpis_match_the_reference_on_random_logs(data, tz, period, week_start, window):
    ev = data.draw(event_logs())
    as_of = data.draw(as_of_for(ev))
    active_event = data.draw(active_events_for(ev))
    given_window, window_us = window
    got = fidelite.period_kpis(
        ev.table(),
        tz=tz,
        period=period,
        week_start=week_start,
        activity_window=given_window,
        as_of=None if as_of is None else np.datetime64(as_of, "us"),
        active_event=active_event,
    )
    want = reference_kpis(
        ev, as_of=as_of, tz=tz, period=period, week_start=week_start, window_us=window_us, active_event=active_event
    )
    table_equal(got, want)


@SLOW
@given(
    data=st.data(), tz=st.sampled_from(ZONES), window_days=st.sampled_from([1, 2, 7, 30, 400]), grouped=st.booleans()
)
def test_rolling_active_matches_the_reference_on_random_logs(data, tz, window_days, grouped):
    """Both kernel paths: rows in input order (a fresh log) and the grouped layout."""
    ev = data.draw(event_logs())
    as_of = data.draw(as_of_for(ev))
    active_event = data.draw(active_events_for(ev))
    log = fidelite.EventLog(ev.table(), tz=tz)
    if grouped:
        log.prepare()
    got = fidelite.rolling_active(
        log,
        window=f"{window_days}D",
        as_of=None if as_of is None else np.datetime64(as_of, "us"),
        active_event=active_event,
    )
    want = reference_rolling(ev, as_of=as_of, tz=tz, window_days=window_days, active_event=active_event)
    table_equal(got, want)


def test_worked_example_of_metrics_md():
    """100 active at the start, 10 lost, 10 won: E = 100, N = 10, retention 90 %, churn 10 %."""
    rows = []
    for c in range(100):  # the base: everyone buys in January
        rows.append((f"old-{c:03d}", f"2024-01-{1 + c % 28:02d} 12:00"))
        if c >= 10:  # 90 of them buy again in February; old-000 .. old-009 are lost
            rows.append((f"old-{c:03d}", f"2024-02-{1 + c % 28:02d} 09:30"))
    for c in range(10):  # 10 new customers arrive in February
        rows.append((f"new-{c:03d}", f"2024-02-{10 + c:02d} 18:00"))
    df = pd.DataFrame(rows, columns=["customer", "time"]).sample(frac=1.0, random_state=1)
    df["time"] = pd.to_datetime(df["time"])
    k = fidelite.period_kpis(df, customer="customer", time="time", as_of="2024-02-29")
    feb = k.to_pandas().set_index("period").loc[pd.Timestamp("2024-02-01")]
    assert (feb["active_start"], feb["active_end"], feb["new"]) == (100, 100, 10)
    assert (feb["kept"], feb["lost"], feb["gained"], feb["net_result"]) == (90, 10, 10, 0)
    assert feb["retention_rate"] == pytest.approx(90.0)
    assert feb["churn_rate"] == pytest.approx(10.0)
    assert feb["kept_rate"] == pytest.approx(90.0)
    assert bool(feb["complete"]) is True
    # the January row: nobody at the start, so its rates are NaN and the result says why
    jan = k.to_pandas().iloc[0]
    assert jan["active_start"] == 0 and math.isnan(jan["retention_rate"]) and math.isnan(jan["churn_rate"])
    assert "empty base" in k.reason


def test_activity_window_keeps_customers_active_across_quiet_periods():
    # bought on Jan 20 only: with a 90-day cycle still active at the start of March and April
    data = {"customer_id": [1, 2], "timestamp": np.array(["2024-01-20", "2024-04-20"], "datetime64[us]")}
    monthly = fidelite.period_kpis(data)
    assert monthly["active_end"].tolist() == [1, 0, 0, 1]
    cycle = fidelite.period_kpis(data, activity_window="90D")
    assert cycle["period"].astype(str).tolist() == ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]
    assert cycle["active_start"].tolist() == [0, 1, 1, 1]
    assert cycle["active_end"].tolist() == [1, 1, 1, 1]  # customer 1 until Apr 19, then customer 2 at May 1
    assert cycle["kept"].tolist() == [0, 1, 1, 0]
    assert cycle["lost"].tolist() == [0, 0, 0, 1]
    assert cycle["new"].tolist() == [1, 0, 0, 1]
    assert cycle["active"].tolist() == [1, 0, 0, 1]  # events inside the period, whatever the window


def test_the_window_is_half_open():
    """Active at b <=> an event in [b - W, b): an event exactly W before b counts, one at b does not."""
    data = {
        "customer_id": [1, 2, 3],
        "timestamp": np.array(["2024-01-22T00:00", "2024-01-21T23:59:59.999999", "2024-02-01T00:00"], "datetime64[us]"),
    }
    k = fidelite.period_kpis(data, activity_window="10D")
    assert k["active_end"].tolist() == [1, 0]  # only customer 1 at Feb 1; nobody from Feb 19 to Mar 1
    assert k["new"].tolist() == [1, 0]
    assert k["active_start"].tolist() == [0, 1]
    assert k["active"].tolist() == [2, 1]
    # whole local days: day d counts the events of days d - 9 .. d (Jan 21 .. Feb 5 here)
    r = fidelite.rolling_active(data, window="10D", as_of="2024-02-05")
    assert r["active"].tolist() == [1] + [2] * 9 + [1] + [1] * 5


def test_a_day_window_on_days_equals_the_calendar_definition():
    shop = fidelite.datasets.demo_shop(300, seed=5, years=0.25)
    log = fidelite.EventLog(shop.events)
    a = fidelite.period_kpis(log, period="day")
    b = fidelite.period_kpis(log, period="day", activity_window="1D")
    for name in a.columns:
        np.testing.assert_array_equal(a[name], b[name])


def test_kpis_agree_with_the_summary_and_with_lifecycle(shop):
    log = fidelite.EventLog(shop.events)
    k = fidelite.period_kpis(log, period="quarter")
    s = fidelite.customer_summary(log)
    assert int(k["orders"].sum()) == int(s["n_purchases"].sum())
    assert float(k["revenue"].sum()) == pytest.approx(float(s["revenue"].sum()), rel=1e-12)
    assert int(k["new"].sum()) == log.n_customers  # with W = one period every customer is new once
    assert k["active_end"].tolist() == k["active"].tolist()
    np.testing.assert_array_equal(k["active_end"][:-1], k["active_start"][1:])
    lc = fidelite.lifecycle(log, period="quarter")
    assert k["new"].tolist() == lc.new.tolist()
    assert k["kept"].tolist() == lc.returning.tolist()
    assert k["lost"].tolist() == lc.dormant.tolist()
    np.testing.assert_allclose(k["revenue_per_active"], k["revenue"] / k["active"])


def test_active_customers_is_the_end_of_period_series(shop):
    k = fidelite.period_kpis(shop.events, period="month", activity_window="60D", active_event="purchase")
    a = fidelite.active_customers(shop.events, period="month", activity_window="60D", active_event="purchase")
    assert list(a.columns) == ["period", "active", "complete"]
    np.testing.assert_array_equal(a["period"], k["period"])
    np.testing.assert_array_equal(a["active"], k["active_end"])
    np.testing.assert_array_equal(a["complete"], k["complete"])


def test_active_customers_on_an_activity_log_without_purchases():
    data = {
        "customer_id": [1, 2, 1],
        "event": ["login", "login", "visit"],
        "timestamp": np.array(["2024-01-05", "2024-01-09", "2024-02-07"], "datetime64[us]"),
    }
    assert fidelite.active_customers(data)["active"].tolist() == [2, 1]
    k = fidelite.period_kpis(data)  # no purchase: orders NaN, with a reason (issue 18.7)...
    assert np.isnan(k["orders"]).all() and "no event of type 'purchase'" in k.reason
    k = fidelite.period_kpis(data, purchase_event="visit")  # ...the purchase type can be named
    assert k["orders"].tolist() == [0, 1]


def test_revenue_counts_purchases_and_refunds_only():
    data = {
        "customer_id": [1, 1, 1, 1],
        "event": ["purchase", "visit", "refund", "purchase"],
        "amount": [100.0, 7.0, -30.0, 50.0],
        "timestamp": np.array(["2024-01-05", "2024-01-06", "2024-01-07", "2024-02-01"], "datetime64[us]"),
    }
    k = fidelite.period_kpis(data)
    assert k["revenue"].tolist() == [70.0, 50.0]
    assert k["orders"].tolist() == [1, 1]
    assert k["revenue_per_active"].tolist() == [70.0, 50.0]
    no_amount = fidelite.period_kpis({"customer_id": [1], "timestamp": np.array(["2024-01-05"], "datetime64[us]")})
    assert math.isnan(no_amount["revenue"][0]) and "amount" in no_amount.reason


def test_complete_flags_and_as_of():
    data = {
        "customer_id": [1, 2, 3],
        "timestamp": np.array(["2024-01-05", "2024-02-09", "2024-03-03"], "datetime64[us]"),
    }
    k = fidelite.period_kpis(data, as_of="2024-02-29")
    assert k["period"].astype(str).tolist() == ["2024-01-01", "2024-02-01"]
    assert k["complete"].tolist() == [True, True]  # a date as_of is the end of that day
    k = fidelite.period_kpis(data, as_of="2024-02-29T12:00:00")
    assert k["complete"].tolist() == [True, False]
    assert k["active_end"].tolist() == [1, 1]
    later = fidelite.period_kpis(data, as_of="2024-05-10")  # periods run to the period of as_of
    assert len(later) == 5 and later["active_end"].tolist() == [1, 1, 1, 0, 0]
    assert math.isnan(later["revenue_per_active"][-1])
    empty = fidelite.period_kpis(data, as_of="2023-12-31")
    assert len(empty) == 0 and "retention_rate" in empty.columns
    assert len(fidelite.rolling_active(data, as_of="2023-12-31")) == 0


def test_periods_are_cut_in_local_time():
    # 2024-01-31 23:30 UTC is February 1st in Paris
    data = {"customer_id": [1], "timestamp": np.array(["2024-01-31T23:30"], "datetime64[us]")}
    assert fidelite.period_kpis(data)["period"].astype(str).tolist() == ["2024-01-01"]
    assert fidelite.period_kpis(data, tz="Europe/Paris")["period"].astype(str).tolist() == ["2024-02-01"]
    assert fidelite.rolling_active(data, tz="Europe/Paris")["day"].astype(str).tolist() == ["2024-02-01"]
    weeks = fidelite.period_kpis(data, period="week", week_start="sunday")
    assert weeks["period"].astype(str).tolist() == ["2024-01-28"]


def test_rolling_active_daily_counts_and_window_forms():
    t = np.array(["2024-01-01T08:00", "2024-01-01T20:00", "2024-01-03", "2024-01-02", "2024-01-09"], "datetime64[us]")
    data = {"customer_id": [1, 1, 1, 2, 3], "timestamp": t}
    dau = fidelite.rolling_active(data, window="1D")
    assert dau["day"].astype(str).tolist()[:3] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert dau["active"].tolist() == [1, 1, 1, 0, 0, 0, 0, 0, 1]
    wau = fidelite.rolling_active(data, window="1W")
    assert wau["active"].tolist() == [1, 2, 2, 2, 2, 2, 2, 2, 2]  # Jan 9 drops customer 1 but adds 3
    for same in (7, "7d", dt.timedelta(days=7), np.timedelta64(7, "D"), pd.Timedelta(days=7)):
        assert fidelite.rolling_active(data, window=same)["active"].tolist() == wau["active"].tolist()


@pytest.mark.parametrize(
    ("value", "us"),
    [
        ("90D", 90 * DAY_US),
        ("12W", 84 * DAY_US),
        ("36H", 36 * HOUR_US),
        (" 30 min ", 1_800_000_000),
        ("45s", 45_000_000),
        ("2d", 2 * DAY_US),
        (dt.timedelta(hours=1), HOUR_US),
        (np.timedelta64(3, "h"), 3 * HOUR_US),
        (pd.Timedelta(days=2), 2 * DAY_US),
        (90, 90 * DAY_US),
        ("1.5D", 36 * HOUR_US),
        ("30 days", 30 * DAY_US),
    ],
)
def test_duration_forms(value, us):
    assert duration_us(value, "activity_window") == us


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("30M", "ambiguous"),
        ("30m", "ambiguous"),
        ("ninety days", "must be a duration"),
        ("0D", "longer than zero"),
        (-dt.timedelta(days=1), "longer than zero"),
        (np.timedelta64(5), "no unit"),
        (pd.NaT, "must be a duration"),
        (pd.Timedelta("NaT"), "must be a duration"),
        (True, "must be a duration"),
        ("3 months", "must be a duration"),
    ],
)
def test_bad_activity_windows_say_how_to_fix_them(value, message):
    data = {"customer_id": [1], "timestamp": np.array(["2024-01-05"], "datetime64[us]")}
    with pytest.raises(ParameterError, match=message):
        fidelite.period_kpis(data, activity_window=value)


@pytest.mark.parametrize(
    ("value", "message"), [("36H", "whole number of days"), (0, "longer than zero"), ("0D", "longer than zero")]
)
def test_bad_rolling_windows_say_how_to_fix_them(value, message):
    data = {"customer_id": [1], "timestamp": np.array(["2024-01-05"], "datetime64[us]")}
    with pytest.raises(ParameterError, match=message):
        fidelite.rolling_active(data, window=value)


def test_parallel_chunks_reduce_to_the_same_counts():
    # more customers than one parallel chunk; each customer's expected activity is known
    rng = np.random.default_rng(11)
    n = 25_000
    ids = rng.permutation(n) * 5 + 1
    offset = ids % 60 - np.min(ids % 60)  # a visit on day `offset`, and another 45 days later
    first = ts("2024-01-01") + offset * DAY_US
    data = {
        "customer_id": np.concatenate([ids, ids]),
        "timestamp": np.concatenate([first, first + 45 * DAY_US]).view("datetime64[us]"),
    }
    r = fidelite.rolling_active(data, window="10D")
    day = np.arange(len(r))
    starts = np.sort(offset)
    want = [
        int(np.sum(((d - 9 <= starts) & (starts <= d)) | ((d - 9 <= starts + 45) & (starts + 45 <= d)))) for d in day
    ]
    assert r["active"].tolist() == want
    k = fidelite.period_kpis(data, period="day", activity_window="10D")
    assert k["active_end"].tolist() == [
        int(np.sum(((d - 9 <= starts) & (starts <= d)) | ((d - 9 <= starts + 45) & (starts + 45 <= d)))) for d in day
    ]


def test_reference_itself_on_a_tiny_case():
    ev = Events([1, 1, 2], [ts("2024-01-10"), ts("2024-02-10"), ts("2024-02-11")])
    want = reference_kpis(ev, as_of=None, tz="UTC", period="month", week_start=0, window_us=None)
    assert want["active_start"].tolist() == [0, 1] and want["active_end"].tolist() == [1, 2]
    assert want["new"].tolist() == [1, 1] and want["retention_rate"].tolist()[1] == 100.0
    roll = reference_rolling(ev, as_of=None, tz="UTC", window_days=2)
    assert roll["active"].tolist()[:2] == [1, 1] and roll["active"].tolist()[-2:] == [1, 2]
