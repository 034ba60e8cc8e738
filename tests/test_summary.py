"""fidelite.customer_summary against the slow reference (tests/reference_kpis.py) on
random logs, and on hand-made cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_kpis import DAY_US, ZONES, Events, as_of_for, event_logs
from reference_kpis import summary as reference_summary

import fidelite
from fidelite.exceptions import ParameterError, TimeZoneError

NAT = np.iinfo(np.int64).min
INSTANTS = ("first", "last", "first_purchase", "last_purchase")
US = 1_000_000


def ts(text: str) -> int:
    return int(np.datetime64(text, "us").astype(np.int64))


def assert_same(got: fidelite.CustomerSummary, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    for name in want.columns[1:]:
        g = got[name]
        if name in INSTANTS:
            assert g.dtype == np.dtype("datetime64[us]")
            w = [NAT if v is None or v != v else int(v) for v in want[name]]
            assert g.view(np.int64).tolist() == w, name
        elif g.dtype.kind == "f":
            np.testing.assert_allclose(
                g, want[name].to_numpy(float), rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=name
            )
        else:
            assert g.dtype == np.int64, name
            assert g.tolist() == want[name].tolist(), name


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    tz=st.sampled_from(ZONES),
    period=st.sampled_from(["day", "week", "month", "quarter", "year"]),
    week_start=st.integers(0, 6),
    purchase_event=st.sampled_from(["purchase", ["purchase", "refund"], None]),
    grouped=st.booleans(),
)
def test_matches_the_reference_on_random_logs(data, tz, period, week_start, purchase_event, grouped):
    """Both kernel paths: rows in input order (a fresh log) and the grouped layout."""
    ev = data.draw(event_logs())
    as_of = data.draw(as_of_for(ev))
    log = fidelite.EventLog(ev.table(), tz=tz)
    if grouped:
        log.prepare()
    if purchase_event == ["purchase", "refund"] and (ev.event is None or "refund" not in ev.event):
        purchase_event = "purchase"
    got = fidelite.customer_summary(
        log,
        as_of=None if as_of is None else np.datetime64(as_of, "us"),
        period=period,
        week_start=week_start,
        purchase_event=purchase_event,
    )
    want = reference_summary(
        ev, as_of=as_of, tz=tz, period=period, week_start=week_start, purchase_event=purchase_event
    )
    assert_same(got, want)


def test_hand_made_log_with_every_column():
    df = pd.DataFrame(
        {
            "cid": ["b", "a", "a", "a", "a", "a", "b", "c"],
            "when": pd.to_datetime(
                [
                    "2024-01-03",
                    "2024-01-01 10:00",
                    "2024-01-02 10:00",
                    "2024-01-06 10:00",
                    "2024-02-03 10:00",
                    "2024-02-10",
                    "2024-01-04",
                    "2024-03-20",
                ],
                format="ISO8601",
            ),
            "kind": ["visit", "visit", "purchase", "purchase", "purchase", "refund", "visit", "purchase"],
            "value": [0.0, 0.0, 10.0, 20.0, 30.0, -5.0, 0.0, 99.0],
            "sku": ["X", "Y", "X", "Y", "X", None, "X", "Z"],
        }
    )
    s = fidelite.customer_summary(
        df, customer="cid", time="when", event="kind", amount="value", product="sku", as_of="2024-02-29"
    )
    assert s["customer_id"].tolist() == ["a", "b", "c"]
    assert s["n_events"].tolist() == [5, 2, 0]  # c's only event is after as_of
    assert s["n_purchases"].tolist() == [3, 0, 0]
    assert s["n_periods"].tolist() == [2, 1, 0]
    assert s["revenue"].tolist() == [55.0, 0.0, 0.0]  # 10 + 20 + 30, less the refund of 5
    assert s["n_products"].tolist() == [2, 0, 0]
    assert s["first"][0] == np.datetime64("2024-01-01T10:00", "us")
    assert s["last"][0] == np.datetime64("2024-02-10", "us")
    assert s["first_purchase"][0] == np.datetime64("2024-01-02T10:00", "us")
    assert s["last_purchase"][0] == np.datetime64("2024-02-03T10:00", "us")
    assert np.isnat(s["first_purchase"][1]) and np.isnat(s["first"][2]) and np.isnat(s["last"][2])
    assert s["median_gap_days"][0] == pytest.approx((4 + 28) / 2)  # gaps of 4 and 28 days
    assert math.isnan(s["median_gap_days"][1])
    end = ts("2024-02-29T23:59:59.999999")
    assert s["recency_days"][0] == pytest.approx((end - ts("2024-02-03T10:00")) / DAY_US)
    assert s["tenure_days"][1] == pytest.approx((end - ts("2024-01-03")) / DAY_US)
    assert math.isnan(s["recency_days"][1]) and math.isnan(s["tenure_days"][2])
    assert s.reason is None and s.as_of == np.datetime64(end, "us")


def test_without_event_column_every_event_is_a_purchase():
    s = fidelite.customer_summary(
        {
            "customer_id": [5, 5, 5],
            "amount": [4.0, -1.0, 2.0],
            "timestamp": np.array(["2024-01-01", "2024-01-02", "2024-01-05"], "datetime64[us]"),
        }
    )
    assert s["n_purchases"].tolist() == [3]
    assert s["revenue"].tolist() == [5.0]
    assert s["median_gap_days"].tolist() == [2.0]  # gaps 1 and 3 days
    assert s["recency_days"].tolist() == [0.0]  # as_of defaults to the latest event


def test_customers_with_nothing_before_as_of_are_rows_of_zeros():
    data = {
        "customer_id": [1, 2, 2],
        "amount": [5.0, 8.0, 9.0],
        "timestamp": np.array(["2024-01-01", "2024-03-01", "2024-03-02"], "datetime64[us]"),
    }
    s = fidelite.customer_summary(data, as_of="2024-02-01")
    assert s["customer_id"].tolist() == [1, 2]
    assert s["n_events"].tolist() == [1, 0] and s["n_purchases"].tolist() == [1, 0]
    assert s["revenue"][1] == 0.0 and not np.signbit(s["revenue"][1])  # +0.0, not -0.0
    assert np.isnat(s["first"][1]) and np.isnat(s["last_purchase"][1])
    assert all(math.isnan(s[c][1]) for c in ("median_gap_days", "recency_days", "tenure_days"))


def test_purchase_event_none_or_a_list():
    data = {
        "customer_id": [1, 1, 1],
        "event": ["visit", "purchase", "trial"],
        "timestamp": np.array(["2024-01-01", "2024-01-02", "2024-01-03"], "datetime64[us]"),
    }
    assert fidelite.customer_summary(data)["n_purchases"].tolist() == [1]
    assert fidelite.customer_summary(data, purchase_event=None)["n_purchases"].tolist() == [3]
    assert fidelite.customer_summary(data, purchase_event=["purchase", "trial"])["n_purchases"].tolist() == [2]


def test_rows_follow_the_eventlog_codes_and_reuse_a_prepared_log(shop):
    log = fidelite.EventLog(shop.events)
    s = fidelite.customer_summary(log)  # from the rows: the log is not grouped for it
    assert not log.is_grouped
    assert len(s) == log.n_customers
    assert s["customer_id"] is log.customer_ids  # no copy: row i is customer code i
    assert s["n_events"].tolist() == log.grouped().sizes().tolist()  # as_of = latest event: every event counts
    assert int(s["n_purchases"].sum()) == int(np.sum(log.event_mask("purchase")))
    assert np.all(s["last"] >= s["first"])
    assert isinstance(s, fidelite.TableResult)
    # the grouped layout gives the same table, bit for bit (revenue sums in the same order)
    assert log.is_grouped
    again = fidelite.customer_summary(log)
    for name in s.columns:
        np.testing.assert_array_equal(again[name], s[name])


def test_local_calendar_decides_the_periods():
    # 2024-01-31 23:30 UTC is already February in Paris
    data = {"customer_id": [1, 1], "timestamp": np.array(["2024-01-20", "2024-01-31T23:30"], "datetime64[us]")}
    assert fidelite.customer_summary(data)["n_periods"].tolist() == [1]
    assert fidelite.customer_summary(data, tz="Europe/Paris")["n_periods"].tolist() == [2]
    assert fidelite.customer_summary(data, period="day")["n_periods"].tolist() == [2]
    # weeks starting Sunday vs Monday: 2024-01-06 is a Saturday, 2024-01-07 a Sunday
    sat_sun = {"customer_id": [1, 1], "timestamp": np.array(["2024-01-06", "2024-01-07"], "datetime64[us]")}
    assert fidelite.customer_summary(sat_sun, period="week")["n_periods"].tolist() == [1]
    assert fidelite.customer_summary(sat_sun, period="week", week_start="sunday")["n_periods"].tolist() == [2]


def test_no_amount_column_gives_nan_revenue_with_a_reason():
    s = fidelite.customer_summary({"customer_id": [1], "timestamp": np.array(["2024-01-01"], "datetime64[us]")})
    assert math.isnan(s["revenue"][0])
    assert "amount" in s.reason


def test_exports():
    s = fidelite.customer_summary(
        {
            "customer_id": ["x", "y"],
            "amount": [1.0, 2.0],
            "timestamp": np.array(["2024-01-01", "2024-01-02"], "datetime64[us]"),
        }
    )
    df = s.to_pandas()
    assert list(df.columns) == list(s.columns)
    assert str(df["first"].dtype) == "datetime64[us]"
    pl = s.to_polars()
    assert pl.columns == list(s.columns) and pl.height == 2
    assert "customer summary" in repr(s) and "<table" in s._repr_html_()


def test_bad_parameters_say_how_to_fix_them():
    data = {"customer_id": [1], "event": ["visit"], "timestamp": np.array(["2024-01-01"], "datetime64[us]")}
    # a log without purchases is an activity log (issue 18.7): empty purchase columns, a reason
    assert "no event of type 'purchase'" in fidelite.customer_summary(data).reason
    with pytest.raises(ParameterError, match="unknown period"):
        fidelite.customer_summary(data, period="fortnight", purchase_event=None)
    with pytest.raises(ParameterError, match="week_start"):
        fidelite.customer_summary(data, period="week", week_start="someday", purchase_event=None)
    with pytest.raises(TimeZoneError, match="IANA"):
        fidelite.customer_summary(data, tz="Mars/Olympus", purchase_event=None)
    with pytest.raises(ParameterError, match="already an EventLog"):
        fidelite.customer_summary(fidelite.EventLog(data), customer="x")


def test_many_customers_across_parallel_chunks():
    # more customers than one parallel chunk: rows must still line up with their ids
    rng = np.random.default_rng(3)
    n = 30_000
    ids = rng.permutation(np.arange(n) * 3 + 11)
    t0 = ts("2024-01-01")
    stamps = t0 + (ids % 97) * DAY_US
    s = fidelite.customer_summary(
        {
            "customer_id": np.concatenate([ids, ids[:100]]),
            "timestamp": np.concatenate([stamps, stamps[:100] + DAY_US]).view("datetime64[us]"),
        }
    )
    assert s["customer_id"].tolist() == sorted(ids.tolist())
    expected_first = t0 + (s["customer_id"] % 97) * DAY_US
    assert s["first"].view(np.int64).tolist() == expected_first.tolist()
    twice = np.isin(s["customer_id"], ids[:100])
    assert s["n_events"].tolist() == np.where(twice, 2, 1).tolist()
    assert np.all(s["median_gap_days"][twice] == 1.0) and np.all(np.isnan(s["median_gap_days"][~twice]))


def test_reference_itself_on_a_tiny_case():
    # the reference must agree with a hand count too, or the comparisons above prove nothing
    ev = Events(["a", "a", "b"], [ts("2024-01-01"), ts("2024-01-03"), ts("2024-02-01")], amount=[1.0, 2.0, -3.0])
    want = reference_summary(ev, as_of=None, tz="UTC", period="month", week_start=0)
    assert want["n_events"].tolist() == [2, 1]
    assert want["revenue"].tolist() == [3.0, -3.0]
    assert want["median_gap_days"][0] == 2.0 and want["tenure_days"][1] == 0.0
