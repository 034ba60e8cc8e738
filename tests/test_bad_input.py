"""Bad input gets a specific error or a counted reason, never a silent wrong value
(issue 18, items 6, 7 and 8): bools as scores, row order in campaign sums, overflowing
revenue, activity logs without purchases, and parameters of the wrong type.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import PLACEHOLDERS, biased_instants

import fidelite
from fidelite.exceptions import (
    DTypeError,
    FideliteError,
    InputError,
    ParameterError,
    ResultTooLargeError,
    TimeZoneError,
)

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


# --------------------------------------------------------------------------- placeholders at scale

#: metrics of an event log alone and the keywords they take here
_CALENDAR_METRICS = {
    "retention": {"period": None},
    "lifecycle": {"period": None},
    "period_kpis": {"period": None},
    "active_customers": {"period": None},
    "stickiness": {},
    "rolling_active": {},
    "customer_summary": {},
    "clv_summary": {},
    "repeat_rate": {},
}


@st.composite
def _placeholder_logs(draw):
    """Small logs whose instants are biased to edges and, often, include a placeholder date
    or an instant at the ends of years 1..9999, with a random zone, period and as_of."""
    base = int(np.datetime64("2024-01-01", "us").astype(np.int64))
    far = [int(np.datetime64(d, "us").astype(np.int64)) for d in ("0001-01-01", "9999-12-31T23:59:59.999999")]
    plain = st.integers(0, 400).map(lambda d: base + d * 86_400_000_000)
    instants = st.one_of(biased_instants(plain, base, 400, placeholders=True), st.sampled_from(far))
    n = draw(st.integers(1, 12))
    ts = draw(st.lists(instants, min_size=n, max_size=n))
    ts[0] = draw(st.sampled_from(sorted(PLACEHOLDERS.values()) + far))
    table = {
        "customer_id": np.array(draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)), dtype=np.int64),
        "timestamp": np.array(ts, dtype=np.int64).view("datetime64[us]"),
        "amount": np.array(draw(st.lists(st.sampled_from([0.0, 9.5, -3.0]), min_size=n, max_size=n))),
    }
    kw = {
        "tz": draw(st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Pacific/Kiritimati"])),
        "period": draw(st.sampled_from(["day", "week", "month", "quarter", "year"])),
        "as_of": draw(st.one_of(st.none(), st.sampled_from(["2024-06-30", "2999-01-01", "9999-12-31", "1900-01-02"]))),
    }
    return table, kw, draw(st.sampled_from(sorted(_CALENDAR_METRICS)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_placeholder_logs())
def test_placeholder_dates_get_an_answer_or_a_clear_error_from_every_metric(case):
    """Placeholder dates (1900-01-01, 1970-01-01, 9999-12-31, year 1) anywhere in a log,
    any zone, period and as_of, under a small memory limit: every metric answers or raises
    a FideliteError; an answer too large names dates and the limit. Never another
    exception, never an abort."""
    table, kw, name = case
    metric = getattr(fidelite, name)
    args = {k: v for k, v in kw.items() if k in ("tz", "as_of") or k in _CALENDAR_METRICS[name]}
    limit = fidelite.memory_limit()
    fidelite.set_memory_limit(32 << 20)
    try:
        metric(table, **args)
    except ResultTooLargeError as e:
        assert re.search(r"\d{4}-\d{2}-\d{2}", str(e)) and "memory limit" in str(e), str(e)
    except FideliteError:
        pass
    finally:
        fidelite.set_memory_limit(limit)


# --------------------------------------------------------------------------- found by fuzzing
# tests/fuzz/ingest.py (atheris) and rust/fuzz (cargo-fuzz); each failed before its fix


def test_days_past_the_ends_of_i64_microseconds_are_rejected():
    """datetime64[D] days in year -800,000,000 saturated to i64::MIN µs, NaT's bits: the
    range check left them aside as nulls, the rows were used, and customer_summary
    panicked in the kernels (InternalError)."""
    days = np.array([8, -302_983_074_757, -5, -820_736_894_092, -2], dtype=np.int64)
    for dtype in ("<M8[D]", ">M8[D]"):
        ts = days.astype(dtype.replace("M8[D]", "i8")).view(dtype)
        log = fidelite.EventLog({"customer_id": [1, 2, 0, 1, 0], "timestamp": ts}, tz="Europe/Paris")
        assert log.report.used == 3 and log.report.rejected == {"timestamp outside years 1..9999": 2}
        assert len(fidelite.customer_summary(log)) == 2


def test_an_arrow_timestamp_at_the_end_of_i64_is_rejected():
    pa = pytest.importorskip("pyarrow")
    ts = pa.array([np.iinfo(np.int64).min, 1_704_067_200_000_000], type=pa.timestamp("us"))
    log = fidelite.EventLog(pa.table({"customer_id": [1, 2], "timestamp": ts}))
    assert log.report.rejected == {"timestamp outside years 1..9999": 1}


@pytest.mark.parametrize(
    "body",
    [b"customer_id,timestamp\n1,2024-01-01\n2,2024-01-02,9\n", b"\xa8\xf0,timestamp\n1,2024-01-01\n", b"\x00"],
    ids=["ragged", "not-utf8-header", "nul"],
)
def test_a_malformed_csv_is_an_input_error(tmp_path, body):
    """pyarrow's ArrowInvalid and a UnicodeDecodeError of the header reached the caller."""
    path = tmp_path / "events.csv"
    path.write_bytes(body)
    with pytest.raises(InputError, match="cannot read .* as a CSV file|no rows|column"):
        fidelite.EventLog(str(path))


def test_big_endian_pandas_columns_are_read_like_native_ones():
    """pandas keeps a big-endian amount column as it is; pyarrow refused it
    (ArrowNotImplementedError: Byte-swapped arrays not supported)."""
    native = pd.DataFrame(
        {
            "customer_id": np.array([1, 2, 1]),
            "timestamp": np.array(["2024-01-01", "2024-01-02", "2024-02-01"], dtype="M8[us]"),
            "amount": np.array([1.5, 2.0, -3.0]),
        }
    )
    swapped = native.copy()
    swapped["amount"] = native["amount"].to_numpy().astype(">f8")
    assert swapped["amount"].dtype.byteorder == ">"
    a, b = fidelite.EventLog(native), fidelite.EventLog(swapped)
    assert a.report == b.report
    assert fidelite.customer_summary(a).to_pandas().equals(fidelite.customer_summary(b).to_pandas())


def test_pandas_ids_of_mixed_python_types_are_a_dtype_error():
    """A categorical of bools and big ints: pyarrow cannot export it (ArrowInvalid)."""
    ids = pd.Series([True, -(2**63), 1], dtype=object).astype("category")
    events = pd.DataFrame({"customer_id": ids, "timestamp": pd.to_datetime(["2024-01-01"] * 3)})
    with pytest.raises(DTypeError, match="cast the column to str"):
        fidelite.EventLog(events)


def test_python_int_ids_past_int64_are_read_or_refused_clearly():
    """A list of Python ints with 2**64 in it raised a raw OverflowError (atheris)."""
    ts = ["2024-01-01", "2024-01-02", "2024-01-03"]
    log = fidelite.EventLog({"customer_id": [2**64 - 1, 3, 2**63], "timestamp": ts})
    assert log.n_customers == 3 and sorted(log.customer_ids.tolist()) == [3, 2**63, 2**64 - 1]
    for ids in ([2**64, 1, None], [-1, 2**63, 5]):
        with pytest.raises(DTypeError, match="outside the 64-bit range"):
            fidelite.EventLog({"customer_id": ids, "timestamp": ts})
