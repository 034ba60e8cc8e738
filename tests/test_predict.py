"""fidelite.predicted_clv (BG/NBD or Pareto/NBD with Gamma-Gamma, one call) and the
diagnostics of the models' summary (tracking, calibration against holdout, the P(alive) and
frequency/recency matrices): against the mpmath references of tests/models_reference.py
and plain formulas written here, never the code under test."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from models_reference import bgnbd_conditional_expected, bgnbd_p_alive, pareto_conditional_expected, pareto_p_alive

import fidelite
from fidelite.exceptions import ParameterError
from fidelite.models import BetaGeo

matplotlib.use("Agg")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    tx = pd.read_csv(
        DATA / "CDNOW_sample.txt", sep=r"\s+", header=None, names=["customer_id", "sample_id", "date", "cds", "amount"]
    )
    tx["timestamp"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    return tx


@pytest.fixture(scope="module")
def cdnow_clv(cdnow):
    return fidelite.predicted_clv(cdnow, time_unit="D", time_scaler=7, calibration_end="1997-09-30")


def spend_reference(params, x, m):
    """Gamma-Gamma expected mean spend, p(γ + m x) / (p x + q − 1) (FHL 2005, eq. 5)."""
    p, q, g = params["p"], params["q"], params["gamma"]
    return p * (g + m * x) / (p * x + q - 1)


def test_cdnow_predictions_match_the_references(cdnow_clv):
    r = cdnow_clv
    bg = r.meta["purchase_params"]
    want = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
    for k, v in want.items():
        assert bg[k] == pytest.approx(v, rel=2e-3), k
    gg = r.meta["spend_params"]
    for k, v in {"p": 6.2488, "q": 3.7446, "gamma": 15.4477}.items():
        assert gg[k] == pytest.approx(v, rel=2e-3), k
    assert r.meta["spend_rows"]["used"] == 946 and r.meta["converged"]
    params = [bg[k] for k in ("r", "alpha", "a", "b")]
    months, per_month, d = 12, 30 / 7, 0.01  # a month is 30 days: 30 / 7 units of 7 days
    assert r.meta["horizon_units"] == pytest.approx(months * per_month)
    rng = np.random.default_rng(0)
    for i in rng.choice(len(r), 60, replace=False):
        x, tx, T, m = (float(r[c][i]) for c in ("frequency", "recency", "T", "monetary_value"))
        assert r["p_alive"][i] == pytest.approx(bgnbd_p_alive(params, x, tx, T), rel=1e-9)
        horizon = bgnbd_conditional_expected(params, months * per_month, x, tx, T)
        assert r["expected_purchases"][i] == pytest.approx(horizon, rel=1e-8, abs=1e-12)
        spend = spend_reference(gg, x, m)
        assert r["expected_spend"][i] == pytest.approx(spend, rel=1e-9)
        cumulative = [0.0] + [bgnbd_conditional_expected(params, k * per_month, x, tx, T) for k in range(1, 13)]
        clv = spend * sum((cumulative[k] - cumulative[k - 1]) / (1 + d) ** k for k in range(1, 13))
        assert r["clv"][i] == pytest.approx(clv, rel=1e-8, abs=1e-12)
    assert r.value == pytest.approx(float(np.sum(r["clv"])))
    assert list(r.columns) == [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "p_alive",
        "expected_purchases",
        "expected_spend",
        "clv",
    ]


def test_pareto_nbd_and_options(cdnow):
    summary = fidelite.clv_summary(cdnow, time_unit="D", time_scaler=7, calibration_end="1997-09-30")
    r = fidelite.predicted_clv(summary, model="pareto_nbd", horizon="1Y", margin=0.25, discount_rate=0.0)
    p = r.meta["purchase_params"]
    for k, v in {"r": 0.5533, "alpha": 10.578, "s": 0.6062, "beta": 11.67}.items():
        assert p[k] == pytest.approx(v, rel=5e-3), k
    params = [p[k] for k in ("r", "alpha", "s", "beta")]
    for i in (0, 7, 100, 2000):
        x, tx, T = (float(r[c][i]) for c in ("frequency", "recency", "T"))
        assert r["p_alive"][i] == pytest.approx(pareto_p_alive(params, x, tx, T), rel=1e-8)
        # without discounting, the CLV is margin x spend x the expected purchases over the horizon
        e = pareto_conditional_expected(params, 12 * 30 / 7, x, tx, T)
        assert r["expected_purchases"][i] == pytest.approx(e, rel=1e-7)
        assert r["clv"][i] == pytest.approx(0.25 * r["expected_spend"][i] * e, rel=1e-7)
    # the same summary as an event log or a summary gives the same table
    same = fidelite.predicted_clv(cdnow, model="pareto_nbd", horizon=12, margin=0.25, discount_rate=0.0,
                                  time_unit="D", time_scaler=7, calibration_end="1997-09-30")  # fmt: skip
    np.testing.assert_array_equal(same["clv"], r["clv"])


def test_horizons_and_errors(shop):
    a = fidelite.predicted_clv(shop.events, horizon="12M", time_unit="W")
    b = fidelite.predicted_clv(shop.events, horizon="1Y", time_unit="W")
    np.testing.assert_array_equal(a["clv"], b["clv"])
    longer = fidelite.predicted_clv(shop.events, horizon=24, time_unit="W")
    assert np.all(longer["clv"] >= a["clv"]) and longer.value > a.value
    assert longer.meta["horizon_months"] == 24
    for bad in ("12", "0M", "1.5M", 0, 2.5, "twelve", True):
        with pytest.raises(ParameterError, match="horizon is a whole number of months"):
            fidelite.predicted_clv(shop.events, horizon=bad)
    with pytest.raises(ParameterError, match="unknown model 'bgnbd'"):
        fidelite.predicted_clv(shop.events, model="bgnbd")
    with pytest.raises(ParameterError, match="did you mean 'horizon'"):
        fidelite.predicted_clv(shop.events, horizn=3)


def test_without_amounts_the_value_is_unknown_with_a_reason():
    log = {"customer_id": [1, 1, 1, 2, 2, 3], "timestamp": ["2024-01-01", "2024-02-03", "2024-03-09", "2024-01-05",
                                                            "2024-04-01", "2024-02-01"]}  # fmt: skip
    r = fidelite.predicted_clv(log, time_unit="D")
    assert np.isnan(r["clv"]).all() and "amount" in r.reason and math.isnan(r.value)
    assert r["p_alive"].tolist()[2] == 1.0  # no repeat purchase: BG/NBD says alive


def test_matrices_are_the_model_on_a_grid(cdnow_clv):
    r = cdnow_clv
    g = r.matrix("p_alive")
    T = float(np.max(r["T"]))
    assert g.T == T and g.frequency[-1] == np.max(r["frequency"]) and g.recency[-1] == T
    params = [r.meta["purchase_params"][k] for k in ("r", "alpha", "a", "b")]
    for i, j in [(0, 0), (1, 10), (5, 60), (29, 33)]:
        want = bgnbd_p_alive(params, g.frequency[i], g.recency[j], T)
        assert g.values[i, j] == pytest.approx(want, rel=1e-9)
    assert np.isnan(g.values[0, 1:]).all()  # no customer has frequency 0 and recency > 0
    e = r.matrix("frequency_recency")
    want = bgnbd_conditional_expected(params, r.meta["horizon_units"], 3.0, e.recency[40], T)
    assert e.values[3, 40] == pytest.approx(want, rel=1e-8)
    with pytest.raises(ParameterError, match="kind is"):
        r.matrix("rfm")


def test_tracking_is_births_times_the_population_curve(cdnow, cdnow_clv):
    s = cdnow_clv.summary
    model = cdnow_clv.purchase_model
    t = s.tracking(model)
    # actual: repeat purchase days per day; they sum to the full-period frequencies
    full = fidelite.clv_summary(cdnow, time_unit="D", time_scaler=7, observation_end="1998-06-30")
    assert int(t["actual_cumulative"][-1]) == int(full["frequency"].sum())
    assert int(t["births"].sum()) == len(full)
    first = cdnow.groupby("customer_id")["timestamp"].min().dt.normalize()
    births = first.value_counts()
    starts = pd.to_datetime(t["period_start"])
    assert t["births"].tolist() == [int(births.get(d, 0)) for d in starts]
    # expected: Σ over the birth days b <= k of births[b] x E[X((k - b) / 7)]
    for k in (0, 50, 200, len(t) - 1):
        ex = model.expected_purchases(np.arange(k + 1)[::-1] / 7.0)
        assert t["expected_cumulative"][k] == pytest.approx(float(np.dot(t["births"][: k + 1], ex)), rel=1e-9)
    assert t["expected"].sum() == pytest.approx(t["expected_cumulative"][-1])


def test_calibration_against_holdout_means_by_frequency(cdnow_clv):
    s, model = cdnow_clv.summary, cdnow_clv.purchase_model
    table = s.calibration_vs_holdout(model, bins=4)
    df = s.to_pandas()
    group = np.minimum(df["frequency"], 4)
    predicted = model.conditional_expected_purchases(float(df["duration_holdout"][0]), df)
    assert table["frequency"].tolist() == ["0", "1", "2", "3", "4+"]
    assert table["customers"].tolist() == [int((group == k).sum()) for k in range(5)]
    for k in range(5):
        assert table["actual"][k] == pytest.approx(df["frequency_holdout"][group == k].mean())
        assert table["model"][k] == pytest.approx(predicted[group == k].mean())
    no_holdout = fidelite.clv_summary({"customer_id": [1, 1], "timestamp": ["2024-01-01", "2024-01-03"]})
    with pytest.raises(ParameterError, match="pass calibration_end"):
        no_holdout.calibration_vs_holdout(BetaGeo.from_params(r=1, alpha=1, a=1, b=1))


@pytest.mark.parametrize("kind", ["tracking", "incremental", "calibration", "p_alive", "frequency_recency", "clv"])
def test_every_plot_draws(cdnow_clv, kind):
    import matplotlib.pyplot as plt

    ax = cdnow_clv.plot(kind)
    assert ax.has_data() or ax.images
    plt.close("all")


def test_unknown_plot_kind(cdnow_clv):
    with pytest.raises(ParameterError, match="unknown plot kind"):
        cdnow_clv.plot("pie")


# ----------------------------------------------------------------------------- at_risk


def test_at_risk_by_p_alive(shop):
    r = fidelite.at_risk(shop.events, method="p_alive", threshold=0.4)
    p = r.meta["params"]
    params = [p[k] for k in ("r", "alpha", "a", "b")]
    # the same model fitted on the day summary, P(alive) from the mpmath reference
    s = fidelite.clv_summary(shop.events, time_unit="D").to_pandas()
    bg = BetaGeo().fit(s)
    assert bg.params == pytest.approx(p, rel=1e-9) and r.meta["converged"]
    alive = np.array([bgnbd_p_alive(params, x, tx, T) for x, tx, T in zip(s["frequency"], s["recency"], s["T"])])
    risky = s[(s["frequency"] >= 1) & (alive < 0.4)]
    revenue = fidelite.customer_summary(shop.events).to_pandas().set_index("customer_id")["revenue"]
    want = risky.assign(revenue=revenue.loc[risky["customer_id"]].to_numpy())
    want = want.sort_values(["revenue", "customer_id"], ascending=[False, True], kind="stable")
    assert r["customer_id"].tolist() == want["customer_id"].tolist()
    assert len(r) > 20 and r.meta["eligible"] == int((s["frequency"] >= 1).sum())
    np.testing.assert_allclose(r["p_alive"], alive[want.index], rtol=1e-9)
    assert np.all(r["p_alive"] < 0.4) and r["frequency"].min() >= 1
    assert list(r.columns) == ["customer_id", "last_purchase", "days_since", "p_alive", "frequency", "revenue"]
    # a higher threshold takes in more customers; the default method is unchanged
    assert len(fidelite.at_risk(shop.events, method="p_alive", threshold=0.8)) > len(r)
    assert "expected_gap_days" in fidelite.at_risk(shop.events).columns


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"method": "model"}, "unknown method 'model'"), ({"method": "p_alive", "threshold": 1.5}, "threshold is a")],
)
def test_at_risk_method_errors(shop, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        fidelite.at_risk(shop.events, **kwargs)


# ----------------------------------------------------------------------------- report


def test_report_section_shows_the_predictions(shop):
    from fidelite.report import SECTIONS, build_report

    report = build_report(shop.events, sections=[s for s in SECTIONS if s.key == "predict"])
    s = report.section("predict")
    assert s.status == "ok"
    keys = [b.key for b in s.blocks]
    assert keys == [
        "predicted-value",
        "predicted-top",
        "predicted-tracking",
        "predicted-p-alive",
        "at-risk-p-alive",
        "forecast",
        "forecast",
    ]
    r = fidelite.predicted_clv(shop.events, horizon=12)
    facts = dict(map(tuple, s.blocks[0].rows))
    assert facts["predicted value, next 12 months"] == f"{r.value:,.2f}"
    top = s.blocks[1].rows
    best = int(np.argmax(r["clv"]))
    assert top[0][0] == str(r["customer_id"][best])
    gone = fidelite.at_risk(shop.events, method="p_alive")
    assert [row[0] for row in s.blocks[4].rows] == [str(c) for c in gone["customer_id"][:10]]
    assert "data-projected='1'" in s.blocks[5].html
    html = report.to_html() if hasattr(report, "to_html") else ""
    assert "Predicted value" in html or not html


def test_report_section_without_amounts_still_forecasts():
    from fidelite.report import SECTIONS, build_report

    log = fidelite.datasets.demo_shop(300, seed=1).events
    log = {k: log[k] for k in ("customer_id", "timestamp", "event")}
    s = build_report(log, sections=[x for x in SECTIONS if x.key == "predict"]).section("predict")
    assert s.status == "ok" and any("needs an amount column" in n for n in s.notes)
    assert [b.key for b in s.blocks][0] == "at-risk-p-alive"
