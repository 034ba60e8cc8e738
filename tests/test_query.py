"""The query layer and the log's public surface: parameters parsed once (unknown keywords,
zones, as_of), pickling, and queries that fix their axes so that partitions line up."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pandas as pd
import pytest

import fidelite
from fidelite import query
from fidelite.calendar import Calendar
from fidelite.exceptions import ParameterError


@pytest.fixture(scope="module")
def shop():
    return fidelite.datasets.demo_shop(800, seed=4, frame="pandas")


def test_an_unknown_keyword_says_which_parameter_was_meant(shop):
    with pytest.raises(ParameterError, match=r"^unknown parameter 'perod' \(did you mean 'period'\?\)$"):
        fidelite.retention(shop.events, perod="month")
    with pytest.raises(ParameterError, match=r"unknown parameter 'customr' \(did you mean 'customer'\?\)"):
        fidelite.period_kpis(shop.events, customr="customer_id")
    with pytest.raises(ParameterError, match=r"unknown parameter 'zzz': lifecycle\(\) takes period, week_start, tz, "):
        fidelite.lifecycle(shop.events, zzz=1)
    # column keywords still build the log
    renamed = shop.events.rename(columns={"customer_id": "cid"})
    assert fidelite.lifecycle(renamed, customer="cid").new.sum() > 0


def test_a_query_zone_is_carried_never_dropped(shop):
    log = fidelite.EventLog(shop.events)  # UTC
    assert fidelite.EventLog.of(log) is log and fidelite.EventLog.of(log, tz="UTC") is log
    with pytest.raises(ParameterError, match="built with tz='UTC'.*pass tz='Europe/Paris' to the metric"):
        fidelite.EventLog.of(log, tz="Europe/Paris")
    q = query.parse(log, {}, tz="Europe/Paris", period="week")
    assert q.tz == "Europe/Paris" and q.calendar.tz == "Europe/Paris"
    paris = fidelite.retention(fidelite.EventLog(shop.events, tz="Europe/Paris"), period="week")
    np.testing.assert_array_equal(fidelite.retention(log, period="week", tz="Europe/Paris").counts, paris.counts)


def test_calendars_are_built_once_per_log(shop):
    log = fidelite.EventLog(shop.events)
    a = query.parse(log, {}, period="month").calendar
    b = query.parse(log, {}, period="month", as_of="2024-06-30").calendar
    assert a is b and isinstance(a, Calendar)
    assert query.parse(log, {}, period="month", tz="Asia/Tokyo").calendar is not a


@pytest.mark.parametrize("prepare", [False, True])
def test_an_eventlog_pickles_to_an_equal_log(shop, prepare):
    log = fidelite.EventLog(shop.events, tz="Europe/Paris")
    if prepare:
        log.prepare()
    fidelite.retention(log, period="week")  # something cached: calendars, bitmaps
    again = pickle.loads(pickle.dumps(log))
    assert again.equals(log) and log.equals(again)
    assert again.is_grouped == log.is_grouped and len(again.cache) == 0
    for kw in (dict(period="month"), dict(period="week", criterion="on_or_after", offset0="return")):
        np.testing.assert_array_equal(fidelite.retention(again, **kw).counts, fidelite.retention(log, **kw).counts)
    assert fidelite.customer_summary(again).to_pandas().equals(fidelite.customer_summary(log).to_pandas())
    other = fidelite.EventLog(shop.events.iloc[:-1], tz="Europe/Paris")
    assert not other.equals(log) and not log.equals("a log")


def test_a_calendar_pickles(shop):
    cal = Calendar.make("week", "America/New_York", "sunday", (0, 10**15))
    again = pickle.loads(pickle.dumps(cal))
    assert type(again) is Calendar and again.key == cal.key
    assert again.period_labels(2800, 3) == cal.period_labels(2800, 3)


def test_partitions_with_the_whole_range_line_up(shop):
    """Issue 14's model: each partition of the customers is its own log; with the whole
    data's range, start and as_of, partial results add up to the whole cell by cell."""
    events = shop.events
    whole = fidelite.EventLog(events)
    span, as_of = (whole.t_min, whole.t_max), "2025-06-30"
    parts = [fidelite.EventLog(events[events["customer_id"] % 3 == i]) for i in range(3)]
    queries = [query.parse(p, {}, t_range=span, start=whole.t_min) for p in parts]
    everything = query.parse(whole, {}, t_range=span, start=whole.t_min)
    for kw in (
        dict(period="month"),
        dict(period="week", criterion="on_or_after"),
        dict(period="month", window="rolling"),
        dict(period="quarter", measure="revenue"),
        dict(period="month", offset0="return", cohort="recurring"),
    ):
        got = [fidelite.retention(q, as_of=as_of, **kw) for q in queries]
        want = fidelite.retention(everything, as_of=as_of, **kw)
        assert all(m.counts.shape == want.counts.shape for m in got), kw
        np.testing.assert_allclose(sum(m.counts for m in got), want.counts, err_msg=str(kw))
        np.testing.assert_array_equal(sum(m.sizes for m in got), want.sizes)
    lc = [fidelite.lifecycle(q, as_of=as_of) for q in queries]
    whole_lc = fidelite.lifecycle(everything, as_of=as_of)
    for name in ("new", "returning", "resurrected", "dormant"):
        np.testing.assert_array_equal(sum(getattr(x, name) for x in lc), getattr(whole_lc, name))
    k = [fidelite.period_kpis(q, period="week", as_of=as_of) for q in queries]
    whole_k = fidelite.period_kpis(everything, period="week", as_of=as_of)
    for name in ("active_start", "active_end", "new", "kept", "orders"):
        np.testing.assert_array_equal(sum(x[name] for x in k), whole_k[name])
    r = [fidelite.rolling_active(q, as_of=as_of) for q in queries]
    np.testing.assert_array_equal(
        sum(x["active"] for x in r), fidelite.rolling_active(everything, as_of=as_of)["active"]
    )


def test_a_query_fixes_the_axis_even_for_a_small_partition():
    t = pd.to_datetime(["2024-03-05", "2024-03-20"])
    small = fidelite.EventLog({"customer_id": [1, 1], "timestamp": t})
    q = query.parse(
        small,
        {},
        t_range=(int(pd.Timestamp("2024-01-01").value // 1000), small.t_max),
        start=int(pd.Timestamp("2024-01-01").value // 1000),
    )
    m = fidelite.retention(q)
    assert m.cohort_labels == ["2024-01", "2024-02", "2024-03"] and m.sizes.tolist() == [0, 0, 1]
    assert fidelite.retention(small).cohort_labels == ["2024-03"]


def test_results_listing_customers_follow_id_order(shop):
    """Codes need not follow the ids (text ids are numbered by hash): every listing goes
    through id_order."""
    events = shop.events.copy()
    events["customer_id"] = [f"C-{c:08d}" for c in events["customer_id"]]
    log = fidelite.EventLog(events)
    n = log.n_customers
    order = log.id_order()
    assert not np.array_equal(order, np.arange(n))  # codes do not follow the ids here
    by_id = log.customer_ids[order]
    assert (by_id[:-1] < by_id[1:]).all()
    values = np.arange(n) * 10
    np.testing.assert_array_equal(log.by_id(values), values[order])
    mask = values % 20 == 0
    np.testing.assert_array_equal(log.codes_by_id(mask), order[mask[order]])
    np.testing.assert_array_equal(log.codes_by_id(), order)
    s = fidelite.customer_summary(log)
    np.testing.assert_array_equal(s["customer_id"], log.customer_ids[order])
    r = fidelite.rfm(log)
    listed = log.codes_of(r["customer_id"])
    assert [int(np.flatnonzero(order == c)[0]) for c in listed] == sorted(np.flatnonzero(np.isin(order, listed)))


@pytest.mark.parametrize("name", fidelite.metrics.__all__)
def test_every_metric_names_an_unknown_keyword_alike(shop, name):
    """Whatever table a metric reads, a misspelt keyword is the same ParameterError with a
    hint (never Python's TypeError, never an error about something else), raised first."""
    metric = getattr(fidelite, name)
    own = next(p.name for p in inspect.signature(metric).parameters.values() if p.kind is p.KEYWORD_ONLY)
    with pytest.raises(ParameterError, match=rf"^unknown parameter '{own}x' \(did you mean '{own}'\?\)$"):
        metric(shop.events, **{own + "x": 1})
    with pytest.raises(ParameterError, match=rf"^unknown parameter 'qqq': {name}\(\) takes \w"):
        metric(shop.events, qqq=1)
