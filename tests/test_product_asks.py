"""What product-analytics users ask for (issue 17, item 6), each against a slow reference
written from its definition (docs/metrics.md): retention with ``min_events=``, re-bucketed
offsets (``offset_period=``), the members of any cell under both, and the revenue
retention matrix per cohort."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import Cal, assert_matches, assert_members_match, ref_retention
from reference_metrics import Sub, rate
from test_retention_reference import fixed_log, queries
from test_subscriptions import day, frame, subs_strategy

import fidelite
from fidelite.exceptions import ParameterError

# ----------------------------------------------------------------------------- min_events


def test_min_events_by_hand():
    t = pd.to_datetime(["2024-01-01", "2024-02-03", "2024-02-20", "2024-03-05", "2024-01-10", "2024-02-11"])
    df = pd.DataFrame({"customer_id": [1, 1, 1, 1, 2, 2], "timestamp": t})
    one = fidelite.retention(df, as_of="2024-03-31")
    two = fidelite.retention(df, as_of="2024-03-31", min_events=2)
    # both back in February; only customer 1 twice; one event each in March
    assert one.counts.tolist() == [[2, 2, 1]]
    assert two.counts.tolist() == [[2, 1, 0]]
    assert two.customers(0, 1)["customer_id"].tolist() == [1]
    assert two.params["min_events"] == 2


def test_min_events_errors():
    df = fixed_log()
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ParameterError, match="min_events"):
            fidelite.retention(df, min_events=bad)
    with pytest.raises(ParameterError, match="measure='customers'"):
        fidelite.retention(df, min_events=2, measure="revenue", amount="amount")


def test_min_events_is_monotone_and_one_is_the_default():
    df = fixed_log()
    base = fidelite.retention(df)
    assert np.array_equal(fidelite.retention(df, min_events=1).counts, base.counts)
    prev = base.counts
    for n in (2, 3, 5):
        m = fidelite.retention(df, min_events=n)
        assert (m.counts <= prev).all() and np.array_equal(m.sizes, base.sizes)
        assert (m.counts[:, 0] == m.sizes).all()  # offset 0 is the cohort
        prev = m.counts
    assert prev[:, 1:].sum() < base.counts[:, 1:].sum()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(queries(), st.sampled_from([1, 2, 2, 3]), st.sampled_from(["day", "week", "month"]))
def test_min_events_and_offset_period_match_reference(query, min_events, offset_period):
    log, kw = query
    if kw["measure"] == "customers":
        kw["min_events"] = min_events
    if kw.get("window") == "rolling" or kw["period"] in ("quarter", "year"):
        kw["window"] = "rolling"
        kw["offset_period"] = offset_period
    assert_matches(fidelite.retention(log, **kw), ref_retention(log, **kw), what=str(kw))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(queries(), st.sampled_from([2, 3]), st.sampled_from(["day", "week"]))
def test_cell_members_under_the_new_options(query, min_events, offset_period):
    log, kw = query
    kw["measure"] = "customers"
    kw["min_events"] = min_events
    kw["window"] = "rolling"
    kw["offset_period"] = offset_period
    assert_members_match(fidelite.retention(log, **kw), ref_retention(log, **kw), what=str(kw))


# ----------------------------------------------------------------------------- offset_period


def test_daily_offsets_in_weekly_cohorts_by_hand():
    # Monday 2024-01-01 10:00 and Wednesday 01-03 09:00 start in the same weekly cohort;
    # each comes back 24-48 h after its own start (day 1) and on day 6
    t = pd.to_datetime(
        ["2024-01-01 10:00", "2024-01-02 11:00", "2024-01-07 12:00", "2024-01-03 09:00", "2024-01-04 10:00"]
    )
    df = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2], "timestamp": t})
    m = fidelite.retention(df, period="week", window="rolling", offset_period="day", as_of="2024-03-01")
    assert m.cohort_labels == ["2024-01-01"] and m.counts[0, :8].tolist() == [2, 2, 0, 0, 0, 0, 1, 0]
    assert m.params["offset_period"] == "day"
    # complete when the latest possible start of the cohort (its end, Jan 8) plus j + 1 days passed
    early = fidelite.retention(df, period="week", window="rolling", offset_period="day", as_of="2024-01-10")
    assert early.complete[0, :4].tolist() == [True, True, True, False]  # as_of: the end of Jan 10


def test_offset_period_errors():
    df = fixed_log()
    with pytest.raises(ParameterError, match="window='rolling'"):
        fidelite.retention(df, period="week", offset_period="day")
    with pytest.raises(ParameterError, match="offset_period='quarter'"):
        fidelite.retention(df, period="year", window="rolling", offset_period="quarter")
    same = fidelite.retention(df, period="week", offset_period="week")
    assert np.array_equal(same.counts, fidelite.retention(df, period="week").counts)


# ----------------------------------------------------------------------------- revenue per cohort


def ref_revenue_cohorts(subs: list[Sub], *, period: str, tz: str, as_of: int | None) -> list[dict[str, Any]]:
    """Per (cohort, offset) cell, by definition: each member's MRR at the end of period
    k + j against its MRR at the end of its cohort period."""
    latest = max([s.start for s in subs] + [s.end for s in subs if s.end is not None])
    as_of = latest if as_of is None else as_of
    subs = [s for s in subs if s.start <= as_of]
    cal = Cal(period, tz)
    p0, p1 = cal.period_of(min(s.start for s in subs)), cal.period_of(as_of)

    def mrr(c: Any, t: int) -> float:
        return round(
            sum(
                s.mrr
                for s in subs
                if s.customer == c and s.start <= t and (s.end is None or s.end > as_of or t < s.end)
            ),
            6,
        )

    cohort = {}
    for s in subs:
        cohort[s.customer] = min(cohort.get(s.customer, p1 + 1), cal.period_of(s.start))
    rows = []
    for k in range(p0, p1 + 1):
        members = [c for c, p in cohort.items() if p == k]
        m0 = {c: mrr(c, cal.start_us(k + 1)) for c in members}
        start = sum(m0.values())
        for j in range(p1 - k + 1):
            b = cal.start_us(k + j + 1)
            row = dict(churned=0.0, contraction=0.0, expansion=0.0, reactivation=0.0, mrr=0.0, paying=0)
            for c in members:
                mj = mrr(c, b)
                row["mrr"] += mj
                row["paying"] += mj > 0
                if m0[c] > 0 and mj == 0:
                    row["churned"] += m0[c]
                elif 0 < mj < m0[c]:
                    row["contraction"] += m0[c] - mj
                elif 0 < m0[c] < mj:
                    row["expansion"] += mj - m0[c]
                elif m0[c] == 0:
                    row["reactivation"] += mj
            row.update(
                offset=j,
                customers=len(members),
                start_mrr=start,
                nrr=rate(row["mrr"], start),
                grr=rate(start - row["churned"] - row["contraction"], start),
                complete=b <= as_of + 1,
            )
            rows.append(row)
    return rows


def check_cohorts(r: Any, want: list[dict[str, Any]]) -> None:
    c = r.cohorts
    assert len(c) == len(want)
    for key in ("offset", "customers", "paying", "complete"):
        assert c[key].tolist() == [w[key] for w in want], key
    for key in ("start_mrr", "mrr", "churned", "contraction", "expansion", "reactivation", "nrr", "grr"):
        np.testing.assert_allclose(c[key], [w[key] for w in want], rtol=1e-9, atol=1e-6, equal_nan=True, err_msg=key)


def test_revenue_cohorts_by_hand():
    # January cohort: A 100 (churns in Feb), B 200 -> 300 in Feb; February cohort: C 50
    subs = [
        Sub("A", day(2), day(40), 100.0),
        Sub("B", day(5), day(35), 200.0),
        Sub("B", day(35), None, 300.0),
        Sub("C", day(33), None, 50.0),
    ]
    r = fidelite.revenue_retention(frame(subs), as_of="2024-03-31")
    c = r.cohorts
    assert r.cohorts.cohort_labels == ["2024-01", "2024-02", "2024-03"]
    jan = c["cohort"].astype(str) == "2024-01-01"
    assert c["start_mrr"][jan].tolist() == [300.0, 300.0, 300.0]
    assert c["mrr"][jan].tolist() == [300.0, 300.0, 300.0]  # A's 100 lost, B's 100 gained
    assert c["churned"][jan].tolist() == [0.0, 100.0, 100.0]
    assert c["expansion"][jan].tolist() == [0.0, 100.0, 100.0]
    assert c["nrr"][jan].tolist() == [100.0, 100.0, 100.0]
    assert c["grr"][jan].tolist() == pytest.approx([100.0, 100 * 200 / 300, 100 * 200 / 300])
    grid = c.matrix("nrr")
    assert grid.shape == (3, 3) and math.isnan(grid[2, 1]) and grid[1, 0] == 100.0
    check_cohorts(r, ref_revenue_cohorts(subs, period="month", tz="UTC", as_of=day(91) - 1))


@settings(max_examples=60, deadline=None)
@given(
    subs_strategy,
    st.sampled_from(["month", "quarter", "week"]),
    st.sampled_from([None, 120, 300]),
    st.sampled_from(["UTC", "Europe/Paris"]),
)
def test_revenue_cohorts_match_reference(subs, period, as_of_day, tz):
    as_of = None if as_of_day is None else day(as_of_day)
    if as_of is not None and min(s.start for s in subs) > as_of:
        as_of = None
    r = fidelite.revenue_retention(
        frame(subs), period=period, tz=tz, as_of=None if as_of is None else np.datetime64(as_of, "us")
    )
    check_cohorts(r, ref_revenue_cohorts(subs, period=period, tz=tz, as_of=as_of))
    # NRR = (start - churned - contraction + expansion + reactivation) / start
    c = r.cohorts
    flows = c["start_mrr"] - c["churned"] - c["contraction"] + c["expansion"] + c["reactivation"]
    np.testing.assert_allclose(c["mrr"], flows, rtol=1e-9, atol=1e-6)
