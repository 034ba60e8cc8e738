"""fidelite.stickiness against a plain pandas reference written from its definition
(docs/metrics.md, "Stickiness"), on hand-made cases and hypothesis logs."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import local_midnight_us

import fidelite
from fidelite.exceptions import ParameterError

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def period_start(d: dt.date, long: str, week_start: int) -> dt.date:
    if long == "week":
        return d - dt.timedelta(days=(d.weekday() - week_start) % 7)
    if long == "month":
        return d.replace(day=1)
    if long == "quarter":
        return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return dt.date(d.year, 1, 1)


def next_start(start: dt.date, long: str) -> dt.date:
    if long == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[long]
    m = start.month - 1 + months
    return dt.date(start.year + m // 12, m % 12 + 1, 1)


def reference(
    df: pd.DataFrame, *, short: str, long: str, week_start: int, tz: str, as_of_us: int | None, active_event: str | None
) -> tuple[list[dict], dict]:
    """Per period: its start date, A(p), the counted units, the stickiness, and the
    histogram, by the definition, one customer and one unit at a time."""
    ts = df["timestamp"].astype("datetime64[us]").astype(np.int64)
    cut = int(ts.max()) if as_of_us is None else as_of_us
    seen = ts <= cut
    if not seen.any():
        return [], {}
    keep = seen if active_event is None else seen & (df["event"] == active_event)
    local = pd.to_datetime(ts[keep], unit="us", utc=True).dt.tz_convert(tz).dt.date
    days_of: dict = {}
    for c, d in zip(df["customer_id"][keep], local):
        days_of.setdefault(c, set()).add(d)
    as_of_day = pd.Timestamp(cut, unit="us", tz="UTC").tz_convert(tz).date()
    # periods run from the period of the first event (any type) at or before as_of
    first = pd.Timestamp(int(ts[seen].min()), unit="us", tz="UTC").tz_convert(tz).date()
    out = []
    start = period_start(first, long, week_start)
    while start <= as_of_day:
        end = next_start(start, long)
        elapsed = lambda d: local_midnight_us(d, tz) <= cut + 1
        if short == "day":
            units = [(d, d + dt.timedelta(days=1)) for d in pd.date_range(start, end - dt.timedelta(days=1)).date]
        else:
            w0 = period_start(start, "week", week_start)
            if w0 < start:
                w0 += dt.timedelta(days=7)
            units = []
            while w0 + dt.timedelta(days=7) <= end:
                units.append((w0, w0 + dt.timedelta(days=7)))
                w0 += dt.timedelta(days=7)
        units = [u for u in units if elapsed(u[1])]
        active = [c for c, ds in days_of.items() if any(start <= d < end for d in ds)]
        per_unit = [sum(any(a <= d < b for d in days_of[c]) for c in active) for a, b in units]
        hist = [0] * (len(units) + 1)
        for c in active:
            hist[sum(any(a <= d < b for d in days_of[c]) for a, b in units)] += 1
        ratio = sum(per_unit) / (len(units) * len(active)) * 100 if units and active else math.nan
        out.append(
            {
                "start": start,
                "active": len(active),
                "units": len(units),
                "stickiness": ratio,
                "hist": hist,
                "complete": local_midnight_us(end, tz) <= cut + 1,
            }
        )
        start = end
    return out, days_of


def assert_matches(result, ref, what=""):
    assert [d.item() for d in result["period"]] == [r["start"] for r in ref], what
    assert result["active"].tolist() == [r["active"] for r in ref], what
    assert result["units"].tolist() == [r["units"] for r in ref], what
    assert result["complete"].tolist() == [r["complete"] for r in ref], what
    np.testing.assert_allclose(
        result["stickiness"], [r["stickiness"] for r in ref], rtol=1e-12, equal_nan=True, err_msg=what
    )
    h = result.histogram
    for r in ref:
        rows = h["period"] == np.datetime64(r["start"])
        assert h["customers"][rows].tolist() == r["hist"], what
        assert h["active_units"][rows].tolist() == list(range(r["units"] + 1)), what


def frame(ids, stamps, events=None) -> pd.DataFrame:
    df = pd.DataFrame({"customer_id": ids, "timestamp": pd.to_datetime(stamps, format="ISO8601")})
    df["event"] = events if events is not None else "visit"
    return df


def test_dau_mau_by_hand():
    # January: customer 1 on the 1st and 2nd, customer 2 on the 2nd; February: customer 1 on the 1st
    df = frame([1, 1, 2, 1], ["2024-01-01 10:00", "2024-01-02 09:00", "2024-01-02 23:00", "2024-02-01 12:00"])
    s = fidelite.stickiness(df, as_of="2024-02-29")
    assert s["active"].tolist() == [2, 1] and s["units"].tolist() == [31, 29]
    assert s["stickiness"].tolist() == pytest.approx([3 / 31 / 2 * 100, 1 / 29 * 100])
    assert s.value == pytest.approx(1 / 29 * 100) and s.meta["labels"] == ["2024-01", "2024-02"]
    ref, _ = reference(
        df,
        short="day",
        long="month",
        week_start=0,
        tz="UTC",
        as_of_us=local_midnight_us(dt.date(2024, 3, 1), "UTC") - 1,
        active_event=None,
    )
    assert_matches(s, ref)


def test_wau_mau_counts_whole_weeks_only():
    # March 2024 starts on a Friday: its whole Monday weeks start on the 4th, 11th, 18th, 25th
    df = frame([1, 2, 2, 3], ["2024-03-01", "2024-03-04", "2024-03-12", "2024-03-31"])
    s = fidelite.stickiness(df, short="week", as_of="2024-03-31")
    assert s["units"].tolist() == [4]
    # weekly actives 1, 1, 0, 1 over 3 monthly actives
    assert s["stickiness"].tolist() == pytest.approx([3 / 4 / 3 * 100])
    # customer 1 was active only outside the whole weeks (0 units), 3 in one, 2 in two
    assert s.histogram["customers"].tolist() == [1, 1, 1, 0, 0]
    sunday = fidelite.stickiness(df, short="week", week_start="sunday", as_of="2024-03-31")
    assert sunday["units"].tolist() == [4]  # 3rd, 10th, 17th, 24th (the 31st's week ends in April)


def test_an_incomplete_period_counts_elapsed_units_only():
    df = frame([1, 2], ["2024-05-02", "2024-05-10 12:00"])
    s = fidelite.stickiness(df, as_of="2024-05-10 12:00")
    assert s["units"].tolist() == [9] and s["complete"].tolist() == [False]
    assert math.isnan(s.value) and "no complete month" in s.reason


def test_parameters_are_checked():
    df = frame([1], ["2024-05-02"])
    with pytest.raises(ParameterError, match="short must be 'day' or 'week'"):
        fidelite.stickiness(df, short="hour")
    with pytest.raises(ParameterError, match="longer than the short one"):
        fidelite.stickiness(df, short="week", long="week")
    with pytest.raises(ParameterError, match="longer than the short one"):
        fidelite.stickiness(df, long="day")


def test_either_layout_and_any_row_order_give_the_same_result():
    shop = fidelite.datasets.demo_shop(600, seed=8, frame="pandas")
    fresh = fidelite.stickiness(fidelite.EventLog(shop.events), short="week", long="quarter", tz="Europe/Paris")
    grouped = fidelite.stickiness(
        fidelite.EventLog(shop.events).prepare(), short="week", long="quarter", tz="Europe/Paris"
    )
    shuffled = fidelite.stickiness(
        shop.events.sample(frac=1, random_state=3), short="week", long="quarter", tz="Europe/Paris"
    )
    for other in (grouped, shuffled):
        assert other.to_pandas().equals(fresh.to_pandas())
        assert other.histogram.to_pandas().equals(fresh.histogram.to_pandas())


ANCHORS = ["2024-03-31T01:00", "2024-10-27T01:00", "2024-03-10T07:00", "2023-12-31T18:29", "2018-11-04T03:00"]


@st.composite
def cases(draw):
    n = draw(st.integers(1, 40))
    anchor = np.datetime64(draw(st.sampled_from(ANCHORS)), "us")
    minutes = draw(st.lists(st.integers(-60 * 24 * 80, 60 * 24 * 80), min_size=n, max_size=n))
    df = pd.DataFrame(
        {
            "customer_id": draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)),
            "timestamp": anchor + np.array(minutes, dtype=np.int64).astype("timedelta64[m]"),
            "event": draw(st.lists(st.sampled_from(["visit", "purchase"]), min_size=n, max_size=n)),
        }
    )
    short = draw(st.sampled_from(["day", "week"]))
    long = draw(st.sampled_from([p for p in ["week", "month", "quarter"] if p != short]))
    kw = dict(
        short=short,
        long=long,
        week_start=draw(st.sampled_from(WEEKDAYS)),
        tz=draw(st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "America/Sao_Paulo"])),
        active_event=draw(st.sampled_from([None, "purchase"])),
    )
    if draw(st.booleans()):
        kw["as_of"] = df["timestamp"].iloc[draw(st.integers(0, n - 1))].to_pydatetime()
    return df, kw


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_stickiness_matches_the_reference(case):
    df, kw = case
    if kw["active_event"] == "purchase" and not (df["event"] == "purchase").any():
        kw["active_event"] = None
    as_of = kw.get("as_of")
    as_of_us = None if as_of is None else int(np.datetime64(as_of, "us").astype(np.int64))
    ref, _ = reference(
        df,
        short=kw["short"],
        long=kw["long"],
        week_start=WEEKDAYS.index(kw["week_start"]),
        tz=kw["tz"],
        as_of_us=as_of_us,
        active_event=kw["active_event"],
    )
    assert_matches(fidelite.stickiness(df, **kw), ref, what=str(kw))
