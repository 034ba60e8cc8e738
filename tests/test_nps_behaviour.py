"""NPS tied to behaviour: fidelite.nps_over_time (and its interval's coverage, by
simulation), loyalty_index_over_time, nps_transitions and nps_behaviour against plain
pandas / Python references written from docs/metrics.md."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fidelite
from fidelite.exceptions import MissingTableError, ParameterError, RejectedRowsError
from fidelite.metrics.surveys import nps_interval

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2024-01-01")
QUESTIONS = ["recommend", "buy_again", "try_new"]


def cat(score: int) -> str:
    return "detractor" if score <= 6 else ("passive" if score <= 8 else "promoter")


@st.composite
def surveys_and_log(draw):
    n = draw(st.integers(2, 8))
    answers, events = [], []
    for c in range(1, n + 1):
        for _ in range(draw(st.integers(0, 4))):
            t = T0 + draw(st.integers(0, 300)) * DAY + pd.Timedelta(hours=draw(st.integers(0, 23)))
            for q in draw(st.sampled_from([["recommend"], QUESTIONS])):
                answers.append((c, t, q, draw(st.integers(0, 10))))
            for edge in draw(st.sampled_from([(), (0,), (7,), (0, 30)])):  # events on the window's bounds
                events.append((c, t + edge * DAY, draw(st.sampled_from(["purchase", "visit"])), 5.0))
        for _ in range(draw(st.integers(0 if c > 1 else 1, 8))):
            t = T0 + draw(st.integers(0, 400)) * DAY + pd.Timedelta(minutes=draw(st.integers(0, 1439)))
            kind = draw(st.sampled_from(["purchase", "visit"]))
            events.append((c, t, kind, float(draw(st.integers(1, 50))) if kind == "purchase" else 0.0))
    surveys = pd.DataFrame(answers, columns=["customer_id", "timestamp", "question", "score"])
    log = pd.DataFrame(events, columns=["customer_id", "timestamp", "event", "amount"])
    return surveys, log


# ----------------------------------------------------------------------------- the interval


def ref_interval(p: int, d: int, n: int, level: float) -> tuple[float, float]:
    """Adjusted Wald (Rocks 2016), written out: n + 3 answers, p + 3/4, d + 3/4."""
    z = statistics.NormalDist().inv_cdf((1 + level) / 2)
    nn = n + 3
    pp, dd = (p + 0.75) / nn, (d + 0.75) / nn
    se = math.sqrt((pp + dd - (pp - dd) ** 2) / nn)
    return max(-100.0, 100 * (pp - dd - z * se)), min(100.0, 100 * (pp - dd + z * se))


@pytest.mark.parametrize("p, d, n", [(50, 20, 100), (0, 0, 1), (10, 0, 10), (0, 0, 0), (3, 4, 9)])
def test_interval_formula(p, d, n):
    lo, hi = nps_interval(p, d, n, 0.9)
    want = ref_interval(p, d, n, 0.9) if n else (-100.0, 100.0)
    assert (float(lo), float(hi)) == pytest.approx(want)


@pytest.mark.parametrize(
    "shares, n", [((0.45, 0.30, 0.25), 50), ((0.7, 0.2, 0.1), 200), ((0.2, 0.3, 0.5), 30), ((0.1, 0.8, 0.1), 100)]
)
def test_interval_coverage_by_simulation(shares, n):
    """Draw 4000 samples of n answers from a known (promoter, passive, detractor) mix: the
    95% interval holds the true NPS in 93-97.5% of them."""
    rng = np.random.default_rng(20261204)
    truth = 100 * (shares[0] - shares[2])
    draws = rng.multinomial(n, shares, size=4000)
    lo, hi = nps_interval(draws[:, 0], draws[:, 2], np.full(4000, n), 0.95)
    coverage = float(np.mean((lo <= truth) & (truth <= hi)))
    assert 0.93 <= coverage <= 0.975, coverage


# ----------------------------------------------------------------------------- over time


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(surveys_and_log(), st.sampled_from(["month", "quarter", "week"]))
def test_nps_over_time_matches_the_reference(data, by):
    surveys, _ = data
    rec = surveys[surveys.question == "recommend"]
    if rec.empty:
        with pytest.raises(fidelite.exceptions.EmptyInputError):
            fidelite.nps_over_time(surveys, by=by)
        return
    r = fidelite.nps_over_time(surveys, by=by)
    freq = {"month": "M", "quarter": "Q", "week": "W-SUN"}[by]
    periods = rec.timestamp.dt.to_period(freq)
    axis = pd.period_range(periods.min(), rec.timestamp.max().to_period(freq), freq=freq)
    assert [p.start_time.date() for p in axis] == [d.item() for d in r["period"]]
    for i, p in enumerate(axis):
        s = rec[periods == p].score
        pro, det, n = int((s >= 9).sum()), int((s <= 6).sum()), len(s)
        assert (r["responses"][i], r["promoters"][i], r["detractors"][i]) == (n, pro, det)
        if n:
            assert r["nps"][i] == pytest.approx(100 * (pro - det) / n)
            assert (r["ci_low"][i], r["ci_high"][i]) == pytest.approx(ref_interval(pro, det, n, 0.95))
        else:
            assert math.isnan(r["nps"][i]) and math.isnan(r["ci_low"][i])
    assert r.report.used == len(rec)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(surveys_and_log())
def test_loyalty_index_over_time_matches_the_reference(data):
    surveys, _ = data
    if surveys.empty:
        return
    r = fidelite.loyalty_index_over_time(surveys, by="month")
    months = surveys.timestamp.dt.to_period("M")
    axis = pd.period_range(months.min(), months.max(), freq="M")
    for i, m in enumerate(axis):
        nets = []
        for q in QUESTIONS:
            s = surveys[(months == m) & (surveys.question == q)].score
            net = 100 * ((s >= 9).sum() - (s <= 6).sum()) / len(s) if len(s) else math.nan
            got = r[f"{q}_net"][i]
            assert (math.isnan(net) and math.isnan(got)) or got == pytest.approx(net)
            nets.append(net)
        want = float(np.mean(nets))
        assert (math.isnan(want) and math.isnan(r["loyalty_index"][i])) or r["loyalty_index"][i] == pytest.approx(want)


# ----------------------------------------------------------------------------- transitions


@settings(max_examples=50, deadline=None)
@given(surveys_and_log())
def test_nps_transitions_match_the_reference(data):
    surveys, _ = data
    rec = surveys[surveys.question == "recommend"].sort_values(["customer_id", "timestamp", "score"])
    labels = ["detractor", "passive", "promoter"]
    want = np.zeros((3, 3), int)
    for _, g in rec.groupby("customer_id"):
        cats = [labels.index(cat(s)) for s in g.score]
        for a, b in zip(cats[:-1], cats[1:]):
            want[a, b] += 1
    t = fidelite.nps_transitions(surveys)
    assert t.counts.tolist() == want.tolist()
    row = want[0].sum()
    assert (row == 0 and math.isnan(t.value)) or t.value == pytest.approx(100 * want[0, 2] / row)


# ----------------------------------------------------------------------------- behaviour


def ref_behaviour(log: pd.DataFrame, surveys: pd.DataFrame, days: int) -> dict:
    as_of = log.timestamp.max()
    w = pd.Timedelta(days=days)
    rows = {k: [] for k in ("promoter", "passive", "detractor")}
    excluded = {"customer without an event in the log": 0, "window not over at as_of": 0}
    for c, t, _q, s in surveys[surveys.question == "recommend"].itertuples(index=False):
        if c not in set(log.customer_id):
            excluded["customer without an event in the log"] += 1
            continue
        if t + w > as_of:
            excluded["window not over at as_of"] += 1
            continue
        e = log[(log.customer_id == c) & (log.timestamp > t) & (log.timestamp <= t + w)]
        p = e[e.event == "purchase"]
        rows[cat(s)].append((c, len(p) > 0, len(e) == 0, p.amount.sum(), len(p)))
    rows["all"] = rows["promoter"] + rows["passive"] + rows["detractor"]
    return rows, excluded


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(surveys_and_log(), st.sampled_from([7, 30, 90]))
def test_nps_behaviour_matches_the_reference(data, days):
    surveys, log = data
    if not (log.event == "purchase").any():
        with pytest.raises(ParameterError, match="purchase_event"):
            fidelite.nps_behaviour(log, surveys=surveys, days=days)
        return
    b = fidelite.nps_behaviour(log, surveys=surveys, days=days)
    want, excluded = ref_behaviour(log, surveys, days)
    assert b.meta["excluded"] == excluded
    for i, name in enumerate(b["category"]):
        r = want[name]
        k = len(r)
        assert b["answers"][i] == k and b["customers"][i] == len({x[0] for x in r})
        expect = {
            "repurchase_rate": sum(x[1] for x in r) / k * 100 if k else math.nan,
            "churn_rate": sum(x[2] for x in r) / k * 100 if k else math.nan,
            "revenue_per_customer": sum(x[3] for x in r) / k if k else math.nan,
            "purchases_per_customer": sum(x[4] for x in r) / k if k else math.nan,
        }
        for col, v in expect.items():
            got = b[col][i]
            assert (math.isnan(v) and math.isnan(got)) or got == pytest.approx(v), (name, col)


def test_on_the_demo_promoters_buy_again_more_than_detractors():
    shop = fidelite.datasets.demo_shop(4000, seed=0)
    b = fidelite.nps_behaviour(shop.events, surveys=shop.surveys, days=90)
    rate = dict(zip(b["category"], b["repurchase_rate"]))
    churn = dict(zip(b["category"], b["churn_rate"]))
    assert rate["promoter"] > rate["detractor"] and churn["promoter"] < churn["detractor"]


def test_bad_inputs():
    with pytest.raises(MissingTableError, match="surveys"):
        fidelite.nps_over_time(None)
    with pytest.raises(ParameterError, match="ci"):
        fidelite.nps_over_time({"customer_id": [1], "timestamp": ["2024-01-01"], "score": [9]}, ci=95)
    t = {"customer_id": [1, None, 2], "timestamp": ["2024-01-01", "2024-01-02", "soon"], "score": [9, 8, 12]}
    r = fidelite.nps_over_time(t)
    assert r.report.rejected == {"score outside 0..10": 1, "null customer id": 1}
    with pytest.raises(RejectedRowsError):
        fidelite.nps_over_time(t, strict=True)
    with pytest.raises(ParameterError, match="days"):
        fidelite.nps_behaviour({"customer_id": [1], "timestamp": ["2024-01-01"]}, surveys=t, days=0)


# ----------------------------------------------------------------------------- engagement over time


@st.composite
def activity_log(draw):
    rows = []
    for c in range(1, draw(st.integers(1, 6)) + 1):
        for _ in range(draw(st.integers(1, 10))):
            t = T0 + draw(st.integers(0, 200)) * DAY + pd.Timedelta(hours=draw(st.integers(0, 23)))
            rows.append((c, t, draw(st.sampled_from(["purchase", "visit", "login"])), float(draw(st.integers(0, 99)))))
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "event", "duration"])


@settings(max_examples=50, deadline=None)
@given(activity_log(), st.sampled_from(["month", "week", "quarter"]), st.sampled_from([None, ["login"]]))
def test_engagement_over_time_matches_the_reference(log, by, key_events):
    if not log.event.isin(key_events or ["purchase"]).any():  # key actions of a type the log lacks
        with pytest.raises(ParameterError):
            fidelite.engagement_over_time(log, by=by, key_events=key_events)
        return
    e = fidelite.engagement_over_time(log, by=by, key_events=key_events)
    freq = {"month": "M", "quarter": "Q", "week": "W-SUN"}[by]
    period = log.timestamp.dt.to_period(freq)
    axis = pd.period_range(period.min(), period.max(), freq=freq)
    keys = ["purchase"] if key_events is None else key_events
    for i, p in enumerate(axis):
        g = log[period == p]
        n = g.customer_id.nunique()
        assert e["active"][i] == n
        if n:
            days = g.groupby("customer_id").timestamp.apply(lambda s: s.dt.floor("D").nunique()).sum()
            assert e["active_days"][i] == pytest.approx(days / n)
            assert e["duration"][i] == pytest.approx(g.duration.sum() / n)
            assert e["key_actions"][i] == pytest.approx(g.event.isin(keys).sum() / n)
        else:
            assert math.isnan(e["active_days"][i])
