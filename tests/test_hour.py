"""The ``hour`` period (issue 17): elapsed hours cut at the local :00 of the zone, checked
against plain pandas (``dt.floor("h")`` in local time) on logs clustered on DST edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import biased_instants

import fidelite
from fidelite.calendar import Calendar
from fidelite.exceptions import ParameterError

US = 1_000_000
HOUR = 3_600 * US
BASE = 1_698_000_000 * US  # 2023-10-22: the autumn and spring transitions of both hemispheres follow
SPAN_DAYS = 200
#: zones whose offsets change by whole hours (Lord Howe's 30-minute DST shifts the grid: docs/metrics.md)
ZONES = ("UTC", "Europe/Paris", "America/New_York", "America/Sao_Paulo", "Asia/Kolkata", "Australia/Adelaide")

instants = biased_instants(st.integers(BASE, BASE + SPAN_DAYS * 86_400 * US), BASE, SPAN_DAYS)


def floor_hour(ts: np.ndarray, tz: str) -> pd.DatetimeIndex:
    """The start (UTC) of the local hour of each instant: floored on the local wall clock,
    the repeated hour of a fall-back day kept apart by its DST flag."""
    local = pd.DatetimeIndex(ts.view("datetime64[us]")).tz_localize("UTC").tz_convert(tz)
    dst = np.array([bool(t.dst()) for t in local]) if tz != "UTC" else False
    return local.floor("h", ambiguous=dst, nonexistent="shift_forward").tz_convert("UTC")


def expected_label(start_utc: pd.Timestamp, tz: str) -> str:
    local = start_utc.tz_convert(tz)
    text = local.strftime("%Y-%m-%d %H:%M")
    wall = local.tz_localize(None)
    ambiguous = tz != "UTC" and pd.isna(pd.DatetimeIndex([wall]).tz_localize(tz, ambiguous="NaT")[0])
    if not ambiguous:
        return text
    off = int(local.utcoffset().total_seconds()) // 60
    return f"{text}{'-' if off < 0 else '+'}{abs(off) // 60:02d}:{abs(off) % 60:02d}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(instants, min_size=1, max_size=30), st.sampled_from(ZONES))
def test_hours_and_labels_match_pandas(ts, tz):
    ts = np.array(ts, np.int64)
    cal = Calendar.make("hour", tz, t_range=(int(ts.min()), int(ts.max())))
    p = cal.periods_of(ts)
    want = floor_hour(ts, tz)
    lo = int(p.min())
    _, bounds = cal.axis(lo, int(p.max()) - lo + 1)
    starts = bounds[p - lo]
    assert starts.tolist() == want.as_unit("us").asi8.tolist()
    # consecutive hours: the index difference is the elapsed hours between the starts
    assert ((p - lo) * HOUR == starts - starts.min()).all()
    labels = cal.period_labels(lo, int(p.max()) - lo + 1)
    assert [labels[k - lo] for k in p.tolist()] == [expected_label(w, tz) for w in want]
    assert all(cal.start_of(labels[k - lo]) == k for k in p.tolist())


def test_dst_days_have_25_and_23_hours_with_offset_labels():
    t = pd.DatetimeIndex(["2024-11-03 04:00", "2024-11-04 04:59", "2024-03-10 05:00", "2024-03-11 03:59"], tz="UTC")
    log = fidelite.EventLog({"customer_id": [1, 1, 2, 2], "timestamp": t})
    cal = log.calendar("hour", tz="America/New_York")
    fall = cal.periods_of(np.array([t[0].value // 1000, t[1].value // 1000]))
    spring = cal.periods_of(np.array([t[2].value // 1000, t[3].value // 1000]))
    assert (fall[1] - fall[0] + 1, spring[1] - spring[0] + 1) == (25, 23)
    got = cal.period_labels(int(fall[0]), 4)
    assert got == ["2024-11-03 00:00", "2024-11-03 01:00-04:00", "2024-11-03 01:00-05:00", "2024-11-03 02:00"]
    assert cal.start_of("2024-11-03 01:00") == fall[0] + 1
    assert cal.start_of("2024-11-03 01:00-05:00") == fall[0] + 2


def ref_retention(customer: np.ndarray, ts: np.ndarray, tz: str) -> dict[tuple[int, int], int]:
    """Distinct customers per (cohort hour, offset in hours): cohort = the hour of the first event."""
    df = pd.DataFrame({"c": customer, "h": floor_hour(ts, tz).as_unit("us").asi8})
    first = df.groupby("c")["h"].transform("min")
    origin = first.min()
    df["k"] = (first - origin) // HOUR
    df["j"] = (df["h"] - first) // HOUR
    cells = df.drop_duplicates(["c", "k", "j"]).groupby(["k", "j"]).size()
    return {(int(k), int(j)): int(v) for (k, j), v in cells.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(1, 6), instants), min_size=1, max_size=25),
    st.sampled_from(ZONES),
)
def test_hourly_retention_matches_pandas(rows, tz):
    rows = [(c, t) for c, t in rows if BASE <= t <= BASE + 3 * 86_400 * US] or [(1, BASE)]
    customer = np.array([c for c, _ in rows])
    ts = np.array([t for _, t in rows], np.int64)
    log = fidelite.EventLog({"customer_id": customer, "timestamp": ts.view("datetime64[us]")})
    m = fidelite.retention(log, period="hour", tz=tz)
    want = ref_retention(customer, ts, tz)
    got = {(int(k), int(j)): int(m.counts[k, j]) for k, j in zip(*np.nonzero(m.counts))}
    assert got == want
    assert len(m.cohort_labels) == len(set(m.cohort_labels)) == m.counts.shape[0]


def test_hours_are_guarded_like_days():
    ts = np.array(["1900-01-01", "2024-01-01T10:00"], "datetime64[us]")
    log = fidelite.EventLog({"customer_id": [1, 2], "timestamp": ts})  # a cohort in each
    with pytest.raises(ParameterError, match="1900-01-01") as e:
        fidelite.retention(log, period="hour")
    assert "hour" in str(e.value)


def test_hour_where_it_has_no_meaning_says_so():
    log = fidelite.EventLog({"customer_id": [1, 2], "timestamp": ["2024-01-01T10:00", "2024-01-01T11:00"]})
    with pytest.raises(ParameterError, match="hour"):
        fidelite.stickiness(log, long="hour")


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_labels_of_an_hourly_axis_are_its_period_labels(tz):
    """Calendar.labels reads an hourly ``period`` column (local wall-clock starts, the
    repeated hour of a fall-back day twice) back into the axis's unique labels."""
    t = pd.date_range("2024-10-26 12:00", "2024-11-04 12:00", freq="37min", tz="UTC")  # both fall-backs
    t = t.append(pd.date_range("2024-04-05 12:00", "2024-04-07 12:00", freq="23min", tz="UTC"))  # Lord Howe's
    log = fidelite.EventLog({"customer_id": np.arange(len(t)) % 7, "timestamp": t})
    k = fidelite.period_kpis(log, period="hour", tz=tz)
    cal = log.calendar("hour", tz=tz)
    first = int(cal.periods_of(np.array([t.min().value // 1000]))[0])
    want = cal.period_labels(first, len(k["period"]))
    assert cal.labels(k["period"]) == want
    assert len(set(want)) == len(want)
