"""fidelite.retention on hand-made logs with known answers, the anchors' golden examples
(anchors/retention.md), parameter errors, and the RetentionMatrix API."""

from __future__ import annotations

import datetime as dt
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

import fidelite
from fidelite.exceptions import MissingTableError, ParameterError, TimeZoneError

matplotlib.use("Agg")


def log(rows, tz=None, **extra) -> pd.DataFrame:
    """rows: (customer, ISO instant[, event[, amount]]); naive instants are UTC unless
    ``tz`` localises them (wall time in that zone)."""
    df = pd.DataFrame(
        {"customer_id": [r[0] for r in rows], "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601")}
    )
    if tz is not None:
        df["timestamp"] = df["timestamp"].dt.tz_localize(tz)
    if any(len(r) > 2 for r in rows):
        df["event"] = [r[2] for r in rows]
    if any(len(r) > 3 for r in rows):
        df["amount"] = [float(r[3]) for r in rows]
    for k, v in extra.items():
        df[k] = v
    return df


def days(*values: str) -> list:
    return [np.datetime64(v, "D") for v in values]


# ----------------------------------------------------------------------------- hand-made


def test_single_customer_single_event():
    m = fidelite.retention(log([(7, "2024-01-05T10:00")]))
    assert m.counts.tolist() == [[1]]
    assert m.sizes.tolist() == [1]
    assert m.cohorts.tolist() == days("2024-01-01")
    # as_of defaults to the latest event: January had not elapsed
    assert m.complete.tolist() == [[False]]
    assert m.rates.tolist() == [[1.0]]
    assert math.isnan(m.average[0])


def test_one_period_only():
    m = fidelite.retention(log([(1, "2024-05-02"), (2, "2024-05-09"), (1, "2024-05-30")]), as_of="2024-05-31")
    assert m.shape == (1, 1)
    assert m.counts.tolist() == [[2]] and m.complete.tolist() == [[True]]
    assert m.average.tolist() == [1.0]


def test_known_monthly_matrix_unsorted_rows_and_duplicates():
    rows = [
        (2, "2024-02-10"),
        (1, "2024-03-02"),
        (1, "2024-01-15"),
        (3, "2024-01-31T23:59:59"),
        (1, "2024-01-15"),
        (3, "2024-03-01"),
        (2, "2024-02-10"),
        (4, "2024-02-29T12:00"),
        (1, "2024-01-20"),
        (2, "2024-04-05"),
    ]
    m = fidelite.retention(log(rows), as_of="2024-04-30")
    assert m.cohorts.tolist() == days("2024-01-01", "2024-02-01")
    assert m.sizes.tolist() == [2, 2]
    #           Jan cohort {1, 3}: Feb none, Mar both, Apr none
    #           Feb cohort {2, 4}: Mar none, Apr customer 2
    assert m.counts.tolist() == [[2, 0, 2, 0], [2, 0, 1, 0]]
    assert m.complete.tolist() == [[True] * 4, [True, True, True, False]]
    np.testing.assert_allclose(m.rates, [[1, 0, 1, 0], [1, 0, 0.5, np.nan]])
    assert m.average[:3].tolist() == [1.0, 0.0, 0.75]
    assert m.average[3] == 0.0  # the only complete cell at offset 3 is January's
    # same answer whatever the row order; exact duplicates change nothing
    shuffled = fidelite.retention(log(rows[::-1] + rows[:3]), as_of="2024-04-30")
    assert shuffled.counts.tolist() == m.counts.tolist()


def test_before_1970():
    rows = [(1, "1969-12-15T08:00"), (1, "1970-01-10"), (2, "1969-12-31T23:59:59.999999"), (2, "1970-02-01")]
    m = fidelite.retention(log(rows), as_of="1970-02-28")
    assert m.cohorts.tolist() == days("1969-12-01")
    assert m.counts.tolist() == [[2, 1, 1]]
    w = fidelite.retention(log(rows), period="week", as_of="1970-02-28")
    # 1969-12-31 was a Wednesday: its week starts Monday 1969-12-29
    assert w.cohorts[-1] == np.datetime64("1969-12-29")


@pytest.mark.parametrize(
    "tz, late_march, late_autumn, utc_months",
    [
        # 23:30 local on the last day of a month, after each DST change; 00:30 on the 1st
        ("Europe/Paris", "2024-03-31T23:30", "2024-10-31T23:30", ["2024-02", "2024-03", "2024-10"]),
        ("America/New_York", "2024-03-31T23:30", "2024-11-30T23:30", ["2024-03", "2024-04", "2024-12"]),
    ],
)
def test_dst_month_end_lands_in_that_month(tz, late_march, late_autumn, utc_months):
    rows = [(1, "2024-03-01T00:30"), (1, late_march), (2, late_march), (3, late_autumn)]
    df = log(rows, tz=tz)

    def cohorts_held(m):
        return [str(d)[:7] for d in m.cohorts[m.sizes > 0]], m.sizes[m.sizes > 0].tolist()

    local = fidelite.retention(df, tz=tz, as_of="2024-12-31")
    assert cohorts_held(local) == (["2024-03", late_autumn[:7]], [2, 1])
    assert local.counts[0, 0] == 2 and local.counts[0, 1:].sum() == 0  # customer 1's return is in March too
    # cut in UTC, the same instants fall in other months
    utc = fidelite.retention(df, tz="UTC", as_of="2024-12-31")
    assert cohorts_held(utc) == (utc_months, [1, 1, 1])


def test_dst_day_periods_and_rolling_24h():
    # Paris, 2024-03-31 has 23 hours. Noon to noon across it is 23 h.
    rows = [(1, "2024-03-30T12:00"), (1, "2024-03-31T12:00"), (2, "2024-03-31T00:30"), (2, "2024-03-31T23:59")]
    df = log(rows, tz="Europe/Paris")
    cal = fidelite.retention(df, period="day", tz="Europe/Paris", as_of="2024-04-02")
    assert cal.cohorts.tolist() == days("2024-03-30", "2024-03-31")
    assert cal.counts[:, :2].tolist() == [[1, 1], [1, 0]]
    assert cal.complete[1, 0]  # the 23-hour day had ended by as_of
    roll = fidelite.retention(
        df, period="day", window="rolling", offset0="return", tz="Europe/Paris", as_of="2024-04-02"
    )
    # customer 1 came back 23 h later: within the first 24 h (offset 0), not day 1
    assert roll.counts[:, :2].tolist() == [[1, 0], [1, 0]]
    # New York falls back on 2024-11-03 (25 hours): 00:30 and 23:30 that day are one day
    ny = log([(1, "2024-11-03T00:30"), (1, "2024-11-03T23:30"), (1, "2024-11-04T00:10")], tz="America/New_York")
    d = fidelite.retention(ny, period="day", tz="America/New_York", offset0="return")
    assert d.counts.tolist() == [[1, 1]]


def test_day_start_in_a_dst_gap():
    # Sao Paulo skipped 2018-11-04 00:00-01:00: that day starts at 01:00 local (03:00 UTC)
    df = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "timestamp": [
                pd.Timestamp("2018-11-03T12:00", tz="America/Sao_Paulo"),
                pd.Timestamp("2018-11-04T03:30Z"),
                pd.Timestamp("2018-11-04T03:00Z"),
            ],
        }
    )
    m = fidelite.retention(df, period="day", tz="America/Sao_Paulo")
    assert m.cohorts.tolist() == days("2018-11-03", "2018-11-04")
    assert m.sizes.tolist() == [1, 1] and m.counts.tolist() == [[1, 1], [1, 0]]
    # day 2018-11-03 ends at 03:00 UTC: its offset-0 cell is complete once as_of reaches
    # its last microsecond
    at = fidelite.retention(df, period="day", tz="America/Sao_Paulo", as_of=pd.Timestamp("2018-11-04T02:59:59.999999Z"))
    before = fidelite.retention(
        df, period="day", tz="America/Sao_Paulo", as_of=pd.Timestamp("2018-11-04T02:59:59.999998Z")
    )
    assert at.complete[0, 0] and not before.complete[0, 0]
    assert at.sizes.tolist() == before.sizes.tolist() == [1]
    assert at.complete.shape == (1, 1)  # as_of is still November 3rd locally


def test_week_starting_sunday():
    rows = [(1, "2024-01-07T09:00"), (1, "2024-01-13T18:00"), (2, "2024-01-08")]  # Sun, Sat, Mon
    sunday = fidelite.retention(log(rows), period="week", week_start="sunday", offset0="return")
    assert sunday.cohorts.tolist() == days("2024-01-07")
    assert sunday.counts.tolist() == [[1]] and sunday.sizes.tolist() == [2]
    monday = fidelite.retention(log(rows), period="week", week_start="monday", offset0="return")
    assert monday.cohorts.tolist() == days("2024-01-01", "2024-01-08")
    assert monday.counts.tolist() == [[0, 1], [0, 0]]
    assert monday.sizes.tolist() == [1, 1]
    assert fidelite.retention(log(rows), period="week", week_start="sun").cohorts.tolist() == days("2024-01-07")
    assert fidelite.retention(log(rows), period="week", week_start=6).cohorts.tolist() == days("2024-01-07")


def test_string_ids_match_integer_ids():
    rows = [(1, "2024-01-05"), (2, "2024-01-09"), (1, "2024-02-05"), (3, "2024-03-01"), (2, "2024-03-02")]
    names = {1: "émile", 2: "Zoë", 3: "10"}
    ints = fidelite.retention(log(rows))
    strs = fidelite.retention(log([(names[c], t) for c, t in rows]))
    assert ints.counts.tolist() == strs.counts.tolist() == [[2, 1, 1], [0, 0, 0], [1, 0, 0]]
    assert ints.sizes.tolist() == strs.sizes.tolist() == [2, 0, 1]


def test_nulls_rejected_counted_and_ignored():
    clean = log([(1, "2024-01-05"), (2, "2024-02-05"), (1, "2024-02-10")])
    dirty = pd.DataFrame(
        {
            "customer_id": pd.array([1, 2, None, 1, 3], dtype="Int64"),
            "timestamp": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-01", "2024-02-10", None]),
        }
    )
    lg = fidelite.EventLog(dirty)
    assert lg.report.rejected == {"null customer id": 1, "null timestamp": 1}
    assert lg.report.read == 5 and lg.report.used == 3
    a, b = fidelite.retention(clean), fidelite.retention(dirty)
    assert a.counts.tolist() == b.counts.tolist() and a.sizes.tolist() == b.sizes.tolist()
    with pytest.raises(fidelite.exceptions.RejectedRowsError):
        fidelite.retention(dirty, strict=True)


def test_gaps_give_empty_cohort_rows():
    m = fidelite.retention(log([(1, "2024-01-10"), (2, "2024-04-02"), (1, "2024-04-03")]), as_of="2024-04-30")
    assert m.cohorts.tolist() == days("2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01")
    assert m.sizes.tolist() == [1, 0, 0, 1]
    assert m.counts[1:3].sum() == 0
    assert np.isnan(m.rates[1:3]).all()  # a rate over an empty cohort is NaN, not an error
    assert m.counts[0].tolist() == [1, 0, 0, 1]


def test_as_of_in_the_middle():
    rows = [(1, "2024-01-10"), (1, "2024-02-10"), (1, "2024-03-10"), (2, "2024-02-20"), (3, "2024-03-05")]
    m = fidelite.retention(log(rows), as_of="2024-02-29")
    # March events are ignored: customer 3 is in no cohort, offset 2 does not exist yet
    assert m.cohorts.tolist() == days("2024-01-01", "2024-02-01")
    assert m.counts.tolist() == [[1, 1], [1, 0]]
    assert m.complete.tolist() == [[True, True], [True, False]]
    # observed: the future cell (Feb cohort, offset 1 = March) has no rate
    assert not m.observed[1, 1] and np.isnan(m.rates[1, 1])
    # a date is the end of that day in tz, a naive datetime is a UTC instant
    assert fidelite.retention(log(rows), as_of=dt.datetime(2024, 2, 29, 23, 59)).complete[1, 0] == np.False_
    assert fidelite.retention(log(rows), as_of=dt.date(2024, 2, 29)).complete[1, 0] == np.True_
    # a date later than the data completes everything that elapsed by then
    late = fidelite.retention(log(rows), as_of="2030-01-01")
    assert late.shape[1] == 73 and late.complete[0, :72].all() and not late.complete[0, 72]


def test_offset0_return_counts_returns_after_the_start():
    rows = [
        (1, "2024-01-05T10:00"),
        (1, "2024-01-05T10:00"),
        (2, "2024-01-06T10:00"),
        (2, "2024-01-20T10:00"),
        (3, "2024-01-07"),
    ]
    m = fidelite.retention(log(rows), offset0="return", as_of="2024-01-31")
    assert m.counts.tolist() == [[1]]  # a duplicate of the start event is not a return
    assert m.rates.tolist() == [[1 / 3]]


def test_recurring_cohorts():
    rows = [(1, "2024-01-05"), (1, "2024-01-25"), (1, "2024-03-05"), (2, "2024-03-01"), (2, "2024-04-01")]
    m = fidelite.retention(log(rows), cohort="recurring", as_of="2024-04-30")
    # entries: customer 1 in Jan and Mar, customer 2 in Mar and Apr
    assert m.sizes.tolist() == [1, 0, 2, 1]
    assert m.counts.tolist() == [[1, 0, 1, 0], [0, 0, 0, 0], [2, 1, 0, 0], [1, 0, 0, 0]]


def test_start_and_return_events():
    rows = [
        (1, "2024-01-02", "visit"),
        (1, "2024-02-02", "purchase"),
        (1, "2024-03-02", "visit"),
        (2, "2024-02-05", "purchase"),
        (2, "2024-02-06", "purchase"),
        (3, "2024-01-09", "visit"),
    ]
    m = fidelite.retention(
        log(rows), start_event="purchase", return_event="purchase", offset0="return", as_of="2024-03-31"
    )
    assert m.cohorts.tolist() == days("2024-02-01")
    assert m.sizes.tolist() == [2] and m.counts.tolist() == [[1, 0]]
    v = fidelite.retention(log(rows), return_event="purchase", as_of="2024-03-31")
    # offset 0 is the cohort size even when the start event is not a return event (PostHog)
    assert v.counts.tolist() == [[2, 1, 0], [1, 0, 0]]


def test_revenue_and_cumulative_revenue():
    rows = [
        (1, "2024-01-05", "purchase", 10),
        (1, "2024-02-05", "purchase", 5),
        (1, "2024-02-06", "refund", -2),
        (2, "2024-01-09", "purchase", 20),
        (2, "2024-03-01", "purchase", 7),
    ]
    r = fidelite.retention(log(rows), measure="revenue", as_of="2024-03-31")
    assert r.counts.dtype == np.float64
    assert r.counts.tolist() == [[30.0, 3.0, 7.0]]
    np.testing.assert_allclose(r.rates, [[15.0, 1.5, 3.5]])  # per cohort member
    c = fidelite.retention(log(rows), measure="cumulative_revenue", as_of="2024-03-31")
    assert c.counts.tolist() == [[30.0, 33.0, 40.0]]
    p = fidelite.retention(log(rows), measure="revenue", return_event="purchase", offset0="return", as_of="2024-03-31")
    assert p.counts.tolist() == [[0.0, 5.0, 7.0]]
    assert "value" in r.to_pandas().columns


def test_reference_previous():
    rows = [(c, "2024-01-05") for c in range(4)] + [(0, "2024-02-05"), (1, "2024-02-05"), (0, "2024-03-05")]
    m = fidelite.retention(log(rows), reference="previous", as_of="2024-03-31")
    assert m.counts.tolist() == [[4, 2, 1]]
    assert m.rates.tolist() == [[1.0, 0.5, 0.5]]


def test_average_weighted_and_simple():
    rows = [(c, "2024-01-05") for c in range(4)] + [(0, "2024-02-05")] + [(10, "2024-02-05"), (10, "2024-03-05")]
    w = fidelite.retention(log(rows), as_of="2024-03-31")
    assert w.counts[:, 1].tolist() == [1, 1]
    assert w.average[1] == pytest.approx(2 / 5)  # (1 + 1) / (4 + 1)
    s = fidelite.retention(log(rows), as_of="2024-03-31", average="simple")
    assert s.average[1] == pytest.approx((0.25 + 1.0) / 2)


def test_wilson_interval_matches_the_hand_formula():
    rows = [(c, "2024-01-05") for c in range(10)] + [(c, "2024-02-05") for c in range(5)]
    m = fidelite.retention(log(rows), ci=0.95, as_of="2024-02-29")
    n, k, z = 10, 5, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert m.ci_low[0, 1] == pytest.approx(centre - half) and m.ci_high[0, 1] == pytest.approx(centre + half)
    assert (round(m.ci_low[0, 1], 4), round(m.ci_high[0, 1], 4)) == (0.2366, 0.7634)
    # k = n: the upper bound is 1, the lower one n / (n + z^2)
    assert m.ci_high[0, 0] == pytest.approx(1.0) and m.ci_low[0, 0] == pytest.approx(n / (n + z * z))
    assert "ci_low" in m.to_pandas().columns
    assert fidelite.retention(log(rows)).ci_low is None


def test_signup_cohorts_with_customers_table():
    events = log([(1, "2024-01-20"), (1, "2024-02-03"), (2, "2024-02-10"), (3, "2024-03-01")])
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 9, 9, 8],
            "created": [dt.date(2024, 1, 2), dt.date(2024, 1, 31), dt.date(2024, 2, 2), dt.date(2024, 1, 15), None],
            "plan": ["pro", "free", "free", "free", "pro"],
        }
    )
    m = fidelite.retention(events, cohort="signup", customers=customers, offset0="return", as_of="2024-03-31")
    # customer 9 never appears in the log but counts in its (earliest) signup cohort;
    # customer 3 has no signup date, customer 8 has a null one: neither is in a cohort
    assert m.cohorts.tolist() == days("2024-01-01")
    assert m.sizes.tolist() == [3]
    assert m.counts.tolist() == [[1, 2, 0]]
    seg = fidelite.retention(events, cohort="signup", customers=customers, segment="plan", as_of="2024-03-31")
    # customer 3 is in the log but not in the table: segment "(missing)", in no cohort
    assert seg.segments == ["free", "pro", "(missing)"]
    assert seg["free"].sizes.tolist() == [2] and seg["pro"].sizes.tolist() == [1]
    assert seg["(missing)"].sizes.tolist() == [0]
    with pytest.raises(MissingTableError, match="customers="):
        fidelite.retention(events, cohort="signup")
    with pytest.raises(ParameterError, match="string ids"):
        fidelite.retention(
            events, cohort="signup", customers=customers.assign(customer_id=customers.customer_id.astype(str))
        )


def test_signup_date_is_local_midnight():
    events = log([(1, "2024-01-31T23:30")], tz="Asia/Kolkata")
    customers = pd.DataFrame({"customer_id": [1], "created": [dt.date(2024, 1, 31)]})
    m = fidelite.retention(
        events, cohort="signup", customers=customers, tz="Asia/Kolkata", period="day", offset0="return"
    )
    assert m.cohorts.tolist() == days("2024-01-31") and m.counts.tolist() == [[1]]


def test_segment_by_customer_attribute_and_first_event_label():
    events = log(
        [
            (1, "2024-01-02", "web"),
            (1, "2024-02-02", "app"),
            (2, "2024-01-05", "app"),
            (3, "2024-02-07", "app"),
            (3, "2024-01-07", "web"),
        ]
    )
    seg = fidelite.retention(events, segment="event", as_of="2024-02-29")
    # the label of each customer's first event: 1 web, 2 app, 3 web
    assert seg.segments == ["app", "web"]
    assert seg["web"].sizes.tolist() == [2] and seg["web"].counts.tolist() == [[2, 2]]
    assert seg["app"].sizes.tolist() == [1] and seg["app"].counts.tolist() == [[1, 0]]
    assert len(seg) == 2 and list(seg) == ["app", "web"]
    long = seg.to_pandas()
    assert set(long["event"]) == {"app", "web"} and len(long) == 4
    customers = pd.DataFrame({"customer_id": [1, 2], "country": ["FR", None]})
    by_country = fidelite.retention(events, customers=customers, segment="country", as_of="2024-02-29")
    assert by_country.segments == ["FR", "(missing)"]
    assert by_country["(missing)"].sizes.tolist() == [2]
    with pytest.raises(KeyError, match="segments are"):
        by_country["DE"]
    assert "<h4>" in by_country._repr_html_()
    assert by_country.to_polars().height == 4


# ----------------------------------------------------------------------------- golden (anchors)


def test_amplitude_custom_brackets():
    """Amplitude's example brackets [Day 0], [Day 1-3], [Day 4-6], [Day 7-11]."""
    start = "2024-05-01T09:00"
    back = {"a": [2, 5], "b": [7], "c": [11], "d": [12], "e": [0]}
    rows = [(c, start) for c in back] + [(c, f"2024-05-{1 + d:02d}T15:00") for c, ds in back.items() for d in ds]
    m = fidelite.retention(log(rows), period="day", brackets=[1, 3, 3, 5], offset0="return", as_of="2024-06-30")
    assert m.offsets.tolist() == [0, 1, 4, 7]
    assert m.offset_labels == ["0", "1-3", "4-6", "7-11"]
    assert m.sizes.tolist() == [5]
    assert m.counts.tolist() == [[1, 1, 1, 2]]  # day 12 is past the last bracket
    assert m.complete.all()
    after = fidelite.retention(
        log(rows), period="day", brackets=[1, 3, 3, 5], criterion="on_or_after", as_of="2024-06-30"
    )
    assert after.counts.tolist() == [[5, 3, 3, 2]]


def test_mixpanel_less_than_one_day():
    """Mixpanel's "< 1 Day" (rolling, return within 24 h of the start): 9 of 10."""
    rows = []
    for c in range(10):
        t0 = pd.Timestamp("2024-03-04T06:00") + pd.Timedelta(hours=c)
        rows.append((c, t0.isoformat()))
        later = pd.Timedelta(hours=30) if c == 9 else pd.Timedelta(hours=3 + 2 * c)  # c >= 8 returns after midnight
        rows.append((c, (t0 + later).isoformat()))
    m = fidelite.retention(log(rows), period="day", window="rolling", offset0="return", as_of="2024-03-10")
    assert m.counts[0, 0] == 9 and m.rates[0, 0] == pytest.approx(0.9)
    assert m.counts[0, 1] == 1
    cal = fidelite.retention(log(rows), period="day", offset0="return", as_of="2024-03-10")
    assert cal.counts[0, 0] < 9  # calendar days cut at midnight: not the same reading


def test_amplitude_on_or_after_reading():
    rows = [("a", "2024-01-01"), ("a", "2024-01-02"), ("b", "2024-01-01"), ("b", "2024-01-04"), ("c", "2024-01-01")]
    on = fidelite.retention(log(rows), period="day", as_of="2024-01-05")
    after = fidelite.retention(log(rows), period="day", criterion="on_or_after", as_of="2024-01-05")
    assert on.counts.tolist() == [[3, 1, 0, 1, 0]]
    assert after.counts.tolist() == [[3, 2, 1, 1, 0]]  # b, back on day 3, counts on days 1-3
    streak = fidelite.retention(log(rows), period="day", criterion="streak", as_of="2024-01-05")
    assert streak.counts.tolist() == [[3, 1, 0, 0, 0]]


def test_posthog_offset0_is_100_percent(shop):
    m = fidelite.retention(shop.events, period="quarter", start_event="purchase", return_event="visit")
    full = m.sizes > 0
    assert (m.rates[full, 0] == 1.0).all()
    assert (m.counts[:, 0] == m.sizes).all()


# ----------------------------------------------------------------------------- errors


BASIC = log([(1, "2024-01-05", "visit", 3), (2, "2024-02-05", "purchase", 4)])


@pytest.mark.parametrize(
    "kw, error, match",
    [
        (dict(period="fortnight"), ParameterError, "unknown period 'fortnight'"),
        (dict(criterion="sometimes"), ParameterError, "unknown criterion"),
        (dict(window="sliding"), ParameterError, "unknown window"),
        (dict(offset0="first"), ParameterError, "unknown offset0"),
        (dict(cohort="last"), ParameterError, "unknown cohort"),
        (dict(measure="profit"), ParameterError, "unknown measure"),
        (dict(reference="next"), ParameterError, "unknown reference"),
        (dict(average="median"), ParameterError, "unknown average"),
        (dict(period="quarter", window="rolling"), ParameterError, "no fixed length"),
        (dict(brackets=[]), ParameterError, "positive widths"),
        (dict(brackets=[2, 0]), ParameterError, "positive widths"),
        (dict(ci=95), ParameterError, "between 0 and 1"),
        (dict(ci=0.95, measure="revenue"), ParameterError, "customer rates"),
        (dict(measure="revenue", criterion="on_or_after"), ParameterError, 'criterion="on"'),
        (dict(week_start="someday", period="week"), ParameterError, "weekday name"),
        (dict(tz="Mars/Olympus"), TimeZoneError, "Mars/Olympus"),
        (dict(start_event="login"), ParameterError, "unknown event type"),
        (dict(segment="nope"), ParameterError, "not a column"),
        (dict(segment="amount"), ParameterError, "numeric"),
        (dict(as_of="next tuesday"), ParameterError, "ISO 8601"),
    ],
)
def test_parameter_errors(kw, error, match):
    with pytest.raises(error, match=match):
        fidelite.retention(BASIC, **kw)


def test_revenue_needs_an_amount_column():
    with pytest.raises(ParameterError, match="amount"):
        fidelite.retention(BASIC.drop(columns="amount"), measure="revenue")
    with pytest.raises(ParameterError, match="no event column"):
        fidelite.retention(BASIC.drop(columns="event"), return_event="purchase")


def test_exceptions_subclass_builtins():
    assert issubclass(ParameterError, ValueError) and issubclass(TimeZoneError, ValueError)


def test_no_cohort_at_all():
    m = fidelite.retention(BASIC, as_of="2020-01-01")
    assert m.shape == (0, 0) and m.sizes.tolist() == [] and len(m.cohorts) == 0
    b = fidelite.retention(BASIC, as_of="2020-01-01", brackets=[1, 2])
    assert b.shape == (0, 2) and b.offsets.tolist() == [0, 1]
    assert len(b.to_pandas()) == 0
    assert "data-rows='0'" in m._repr_html_()
    import matplotlib.pyplot as plt

    ax = m.plot()  # no warning, no error: an empty labelled frame
    try:
        assert "no cohort" in ax.texts[0].get_text()
    finally:
        plt.close(ax.figure)


def test_an_eventlog_and_a_calendar_zone():
    lg = fidelite.EventLog(BASIC)
    a = fidelite.retention(lg, tz="America/New_York")
    b = fidelite.retention(BASIC, tz="America/New_York")
    assert a.counts.tolist() == b.counts.tolist() and a.params["tz"] == "America/New_York"
    with pytest.raises(ParameterError, match="already an EventLog"):
        fidelite.retention(lg, customer="customer_id")
    # column keywords select the columns of a raw table
    renamed = BASIC.rename(columns={"customer_id": "cid", "timestamp": "ts", "amount": "eur"})
    r = fidelite.retention(renamed, customer="cid", time="ts", amount="eur", measure="revenue")
    assert r.counts.tolist() == fidelite.retention(BASIC, measure="revenue").counts.tolist()


# ----------------------------------------------------------------------------- RetentionMatrix


@pytest.fixture(scope="module")
def matrix():
    rows = [
        (1, "2024-01-05"),
        (2, "2024-01-09"),
        (1, "2024-02-05"),
        (3, "2024-03-01"),
        (2, "2024-03-02"),
        (4, "2024-03-20"),
    ]
    return fidelite.retention(log(rows), ci=0.9)


def test_matrix_arrays(matrix):
    m = matrix
    assert m.counts.dtype == np.int64 and m.sizes.dtype == np.int64
    assert m.counts.shape == (3, 3) and m.rates.shape == (3, 3) and m.complete.dtype == bool
    assert m.cohorts.dtype == np.dtype("datetime64[D]")
    assert m.cohorts.tolist() == days("2024-01-01", "2024-02-01", "2024-03-01")
    assert m.offsets.dtype == np.int64 and m.offsets.tolist() == [0, 1, 2]
    assert m.sizes.tolist() == [2, 0, 2]
    np.testing.assert_array_equal(m.values, m.counts)
    # as_of = the last event (March 20th): only cells ending before it are complete
    assert m.complete.tolist() == [[True, True, False], [True, False, False], [False, False, False]]


def test_matrix_to_pandas_long_and_wide(matrix):
    long = matrix.to_pandas()
    assert list(long.columns) == [
        "cohort",
        "offset",
        "offset_label",
        "size",
        "count",
        "rate",
        "complete",
        "ci_low",
        "ci_high",
    ]
    assert len(long) == 9
    row = long[(long.cohort == pd.Timestamp("2024-01-01")) & (long.offset == 2)].iloc[0]
    assert row["count"] == 1 and row["rate"] == 0.5 and not row["complete"]
    wide = matrix.to_pandas(values="rates")
    assert list(wide.columns) == ["size", "0", "1", "2"]
    assert wide.loc[pd.Timestamp("2024-01-01"), "1"] == 0.5
    counts = matrix.to_pandas(values="counts")
    assert counts.to_numpy()[:, 1:].tolist() == matrix.counts.tolist()
    with pytest.raises(ParameterError, match="values"):
        matrix.to_pandas(values="sizes")


def test_matrix_to_polars(matrix):
    long = matrix.to_polars()
    assert long.height == 9 and long["count"].to_list() == matrix.counts.ravel().tolist()
    assert str(long.schema["cohort"]) == "Date"
    wide = matrix.to_polars(values="counts")
    assert wide.columns == ["cohort", "size", "0", "1", "2"]
    assert wide["1"].to_list() == matrix.counts[:, 1].tolist()


def test_matrix_html(matrix):
    html = matrix._repr_html_()
    assert "data-rows='3'" in html and "data-cols='3'" in html
    assert html.count("data-complete='0'") == int((~matrix.complete).sum())
    assert html.count("data-complete='1'") == int(matrix.complete.sum())
    assert "data-cohort='2024-01' data-offset='1' data-count='1' data-rate='0.500000'" in html
    assert "incomplete at as_of" in html and "*" in html
    assert "90% CI" in html
    assert "2024-01" in repr(matrix) and "3 cohorts x 3 offsets" in repr(matrix)


def test_matrix_plot(matrix):
    import matplotlib.pyplot as plt

    ax = matrix.plot()
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
        assert ax.get_ylabel() == "cohort"
        shown = ax.images[0].get_array()
        assert shown.shape == (3, 3) and np.ma.is_masked(shown[0, 2])  # incomplete cells are not in the main layer
    finally:
        plt.close(ax.figure)


def test_signup_cohorts_account_for_every_customers_table_row():
    import numpy as np

    import fidelite

    events = {
        "customer_id": np.array([1, 1, 2]),
        "timestamp": np.array(["2024-01-03", "2024-02-03", "2024-01-09"], "datetime64[us]"),
    }
    customers = {
        "customer_id": np.array([1, 2, 3, None], dtype=object),
        "created": np.array(["2024-01-01", None, "2024-01-02", "2024-01-05"], dtype=object),
    }
    m = fidelite.retention(events, cohort="signup", customers=customers)
    r = m.customers_report
    assert (r.read, r.used) == (4, 2)
    assert r.rejected == {"null customer id": 1, "null created": 1}
    assert r.notes == {
        "customers of the event log without a signup date (in no cohort)": 1,
        "customers who signed up but have no event": 1,
    }
    assert m.sizes.tolist() == [2] and m.counts[0].tolist() == [2, 1]
    assert fidelite.retention(events).customers_report is None
