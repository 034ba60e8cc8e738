"""The built-in ``health`` index (registered through the plugin hook) against a plain
pandas reference, and ``at_risk(rank_by=...)`` ranking by it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fidelite
from fidelite.exceptions import ParameterError

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2024-01-01")
COMPONENTS = ("recency", "trend", "engagement", "nps")


def pct_ranks(values: pd.Series) -> pd.Series:
    n = len(values)
    if n == 1:
        return pd.Series([50.0], index=values.index)
    return (values.rank(method="average") - 1) / (n - 1) * 100


def ref_health(log: pd.DataFrame, surveys: pd.DataFrame | None, weights: dict, period_days: int = 90) -> pd.DataFrame:
    as_of = log.timestamp.max()
    p = pd.Timedelta(days=period_days)
    seen = log[log.timestamp <= as_of]
    ids = sorted(seen.customer_id.unique())
    last = seen.groupby("customer_id").timestamp.max().reindex(ids)
    recency = (as_of - last) / DAY
    buy = seen[seen.event == "purchase"]
    now = buy[buy.timestamp > as_of - p].groupby("customer_id").size().reindex(ids, fill_value=0)
    before = buy[(buy.timestamp > as_of - 2 * p) & (buy.timestamp <= as_of - p)].groupby("customer_id").size()
    trend = now - before.reindex(ids, fill_value=0)
    w = seen[seen.timestamp > as_of - p]
    freq = w.groupby("customer_id").timestamp.apply(lambda s: s.dt.floor("D").nunique()).reindex(ids, fill_value=0)
    dur = w.groupby("customer_id").duration.sum().reindex(ids, fill_value=0.0)
    key = w[w.event == "purchase"].groupby("customer_id").size().reindex(ids, fill_value=0)
    bought = (seen.event == "purchase").any()
    if bought:
        eng = (pct_ranks(freq.astype(float)) + pct_ranks(dur) + pct_ranks(key.astype(float))) / 3
    else:  # an activity log: no trend, no key actions
        eng = (pct_ranks(freq.astype(float)) + pct_ranks(dur)) / 2
    trend_pct = pct_ranks(trend.astype(float)) if bought else pd.Series(np.nan, index=ids)
    parts = pd.DataFrame({"recency": pct_ranks(-recency), "trend": trend_pct, "engagement": eng}, index=ids)
    parts["nps"] = np.nan
    if surveys is not None:
        s = surveys[(surveys.question == "recommend") & (surveys.timestamp <= as_of)]
        s = s.sort_values(["customer_id", "timestamp", "score"]).groupby("customer_id").score.last()
        s = s[s.index.isin(ids)].astype(float)
        if len(s):
            parts.loc[s.index, "nps"] = pct_ranks(s)
    wv = np.array([weights.get(c, 0.0) for c in COMPONENTS])
    have = parts[list(COMPONENTS)].notna().to_numpy()
    ww = np.where(have, wv, 0.0)
    value = (parts[list(COMPONENTS)].fillna(0).to_numpy() * ww).sum(axis=1) / ww.sum(axis=1)
    return pd.DataFrame({"customer_id": ids, "value": value})


@st.composite
def health_data(draw):
    n = draw(st.integers(2, 8))
    events, answers = [], []
    for c in range(1, n + 1):
        for _ in range(draw(st.integers(1, 10))):
            t = T0 + draw(st.integers(0, 250)) * DAY + pd.Timedelta(hours=draw(st.integers(0, 23)))
            kind = draw(st.sampled_from(["purchase", "visit"]))
            events.append((c, t, kind, float(draw(st.integers(0, 600)))))
        if draw(st.booleans()):
            for _ in range(draw(st.integers(1, 2))):
                answers.append((c, T0 + draw(st.integers(0, 260)) * DAY, "recommend", draw(st.integers(0, 10))))
    log = pd.DataFrame(events, columns=["customer_id", "timestamp", "event", "duration"])
    surveys = pd.DataFrame(answers, columns=["customer_id", "timestamp", "question", "score"])
    return log, surveys


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    health_data(),
    st.sampled_from([None, {"recency": 2, "trend": 1, "engagement": 0, "nps": 3}, {"recency": 1}]),
    st.booleans(),
)
def test_health_matches_the_reference(data, weights, with_surveys):
    log, surveys = data
    given_surveys = surveys if with_surveys and len(surveys) else None
    kw = {} if weights is None else {"weights": weights}
    r = fidelite.compute_index("health", events=log, surveys=given_surveys, **kw)
    want = ref_health(log, given_surveys, weights or dict.fromkeys(COMPONENTS, 1.0))
    assert r["customer_id"].tolist() == want.customer_id.tolist()
    got = np.asarray(r["value"], float)
    assert np.allclose(got, want.value.to_numpy(), equal_nan=True)
    assert np.nanmin(got) >= 0 and np.nanmax(got) <= 100


def test_missing_nps_renormalises_the_weights():
    log = pd.DataFrame(
        {
            "customer_id": [1, 2, 2, 3],
            "timestamp": pd.to_datetime(["2024-03-01", "2024-01-01", "2024-03-02", "2024-02-01"]),
            "event": ["purchase"] * 4,
            "duration": [10.0, 5.0, 5.0, 1.0],
        }
    )
    surveys = pd.DataFrame(
        {
            "customer_id": [1, 3],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-01-06"]),
            "question": ["recommend"] * 2,
            "score": [10, 2],
        }
    )
    only_nps = fidelite.compute_index("health", events=log, surveys=surveys, weights={"nps": 1})
    v = dict(zip(only_nps["customer_id"].tolist(), only_nps["value"].tolist()))
    assert v[1] == 100.0 and v[3] == 0.0 and math.isnan(v[2])  # customer 2 has no component left
    both = fidelite.compute_index("health", events=log, surveys=surveys, weights={"nps": 1, "recency": 1})
    w = dict(zip(both["customer_id"].tolist(), both["value"].tolist()))
    assert w[2] == 100.0  # the latest event: its recency rank alone, weight renormalised to 1
    with pytest.raises(ParameterError, match="weights"):
        fidelite.compute_index("health", events=log, weights={"loyalty": 1})


def test_health_is_listed_as_a_customer_level_index():
    info = fidelite.indices().get("health")
    assert info is not None and info.level == "customer" and info.plugin
    assert "surveys" in info.parameters


def test_at_risk_ranks_by_health_lowest_first():
    shop = fidelite.datasets.demo_shop(2000, seed=2)
    h = fidelite.compute_index("health", events=shop.events, surveys=shop.surveys)
    by_value = fidelite.at_risk(shop.events)
    by_health = fidelite.at_risk(shop.events, rank_by=h)
    assert sorted(by_value["customer_id"].tolist()) == sorted(by_health["customer_id"].tolist())
    score = dict(zip(h["customer_id"].tolist(), h["value"].tolist()))
    shown = [score[c] for c in by_health["customer_id"].tolist()]
    assert shown == sorted(shown) and by_health["score"].tolist() == shown
    assert by_health["customer_id"].tolist() != by_value["customer_id"].tolist()
    # any table of scores works: a pandas frame ranks the same
    frame = pd.DataFrame({"customer_id": h["customer_id"], "value": h["value"]})
    assert fidelite.at_risk(shop.events, rank_by=frame)["customer_id"].tolist() == by_health["customer_id"].tolist()
    with pytest.raises(ParameterError, match="rank_by"):
        fidelite.at_risk(shop.events, rank_by="health")
