"""Bad input gets a specific error or a counted reason, never a silent wrong value
(issue 18, items 6, 7 and 8): bools as scores, row order in campaign sums, overflowing
revenue, activity logs without purchases, and parameters of the wrong type.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fidelite
from fidelite.exceptions import FideliteError, ParameterError, TimeZoneError

EVENTS = {"customer_id": [1, 1, 2, 3], "timestamp": ["2024-01-01", "2024-02-01", "2024-01-05", "2024-03-01"]}
ACTIVITY = {
    "customer_id": [1, 1, 2, 2, 3],
    "timestamp": ["2024-01-01", "2024-02-01", "2024-01-05", "2024-03-02", "2024-03-01"],
    "event": ["visit", "login", "visit", "visit", "login"],
    "amount": [0.0, 0.0, 0.0, 0.0, 0.0],
}


# --------------------------------------------------------------------------- item 6


def test_a_bool_is_not_a_score():
    r = fidelite.nps({"customer_id": [1, 2], "score": [True, 10]})
    assert r.report.used == 1 and r.report.rejected == {"score is not a number": 1}
    assert r.value == 100.0  # the 10 alone: a promoter
    assert fidelite.nps({"customer_id": [1, 2], "score": [7, 10]}).value == 50.0


def test_campaign_sums_do_not_depend_on_the_contacts_row_order():
    shop = fidelite.datasets.demo_shop(2_000, seed=3)
    contacts = pd.DataFrame(shop.contacts)
    expected = fidelite.campaigns(contacts, events=shop.events).to_pandas()
    for seed in range(3):
        shuffled = contacts.sample(frac=1, random_state=seed).reset_index(drop=True)
        got = fidelite.campaigns(shuffled, events=shop.events).to_pandas()
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_a_revenue_sum_that_overflows_gets_a_note():
    data = {"customer_id": [1, 2], "timestamp": ["2024-01-01", "2024-01-02"], "amount": [1e308, 1e308]}
    r = fidelite.period_kpis(data, period="month")
    assert np.isinf(r["revenue"][0])
    assert "revenue" in r.reason and "overflowed float64" in r.reason
    fine = fidelite.period_kpis({**data, "amount": [1.0, 2.0]}, period="month")
    assert "overflow" not in (fine.reason or "")


# --------------------------------------------------------------------------- item 7


def test_activity_metrics_work_on_a_log_without_purchases():
    k = fidelite.period_kpis(ACTIVITY, period="month")
    assert np.isnan(k["revenue"]).all() and np.isnan(k["orders"]).all()
    assert "no event of type 'purchase'" in k.reason and "'login', 'visit'" in k.reason
    assert k["active"].sum() > 0
    s = fidelite.customer_summary(ACTIVITY)
    assert (s["n_purchases"] == 0).all() and np.isnan(s["revenue"]).all()
    assert "purchase_event=" in s.reason
    assert s["n_events"].tolist() == [2, 2, 1]
    fidelite.retention(ACTIVITY)
    fidelite.lifecycle(ACTIVITY)


@pytest.mark.parametrize("metric", ["repeat_rate", "at_risk", "rfm", "best_customers", "clv"])
def test_purchase_metrics_say_they_need_purchase_event(metric):
    with pytest.raises(ParameterError, match=r"purchase_event=.*") as e:
        getattr(fidelite, metric)(ACTIVITY)
    assert "'login', 'visit'" in str(e.value) and "counts purchases" in str(e.value)
    # naming the purchase type makes it work
    getattr(fidelite, metric)(ACTIVITY, purchase_event="login")


# --------------------------------------------------------------------------- item 8


def test_non_string_column_names_are_a_parameter_error():
    frame = pd.DataFrame(EVENTS)
    with pytest.raises(ParameterError, match=r"customer=0: .* pass customer='0'"):
        fidelite.EventLog(frame, customer=0)


def test_tz_none_where_a_zone_is_required():
    with pytest.raises(TimeZoneError, match="IANA zone name") as e:
        fidelite.EventLog(EVENTS, tz=None)
    assert isinstance(e.value, ParameterError)


@pytest.mark.parametrize("as_of", [pd.NaT, np.datetime64("NaT"), np.datetime64("NaT", "us"), float("nan")])
def test_a_missing_as_of_is_a_parameter_error(as_of):
    with pytest.raises(ParameterError, match="not a time; pass a date such as"):
        fidelite.retention(EVENTS, as_of=as_of)


@pytest.mark.parametrize("brackets", [[1.5, 2.7], "12", [True, 2], [], [0, 1], 3])
def test_brackets_must_be_positive_whole_numbers(brackets):
    with pytest.raises(ParameterError, match=r"brackets must be a non-empty list of positive widths \(whole numbers\)"):
        fidelite.retention(EVENTS, brackets=brackets)


def test_good_brackets_still_work():
    a = fidelite.retention(EVENTS, brackets=[1, 2])
    b = fidelite.retention(EVENTS, brackets=np.array([1, 2]))
    np.testing.assert_array_equal(a.counts, b.counts)


@pytest.mark.parametrize("cohort", ["2024-13", "2024-00"])
def test_a_cohort_label_of_no_month_is_a_parameter_error(cohort):
    with pytest.raises(ParameterError, match=r"month \d+ is not in 1..12; use a label such as '2024-03'"):
        fidelite.repeat_rate(EVENTS, cohort=cohort)


def test_every_new_error_is_a_fidelite_error():
    for cls in (
        fidelite.exceptions.ResultTooLargeError,
        fidelite.exceptions.OutOfMemoryError,
        fidelite.exceptions.InternalError,
        fidelite.exceptions.PluginTimeoutError,
        TimeZoneError,
    ):
        assert issubclass(cls, FideliteError) and cls.__name__ in fidelite.exceptions.__all__
