"""RetentionMatrix.forecast: a cohort matrix of unbounded retention completed and extended
by sBG / BdW; the fit reproduces Fader & Hardie's High End estimates from an event log, and
projections follow the closed form S(t) = B(alpha, beta + t) / B(alpha, beta) written here
(never the code under test)."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest

import fidelite
from fidelite.exceptions import ParameterError

matplotlib.use("Agg")

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def sbg_survival(alpha: float, beta: float, t: int) -> float:
    lbeta = lambda a, b: math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return math.exp(lbeta(alpha, beta + t) - lbeta(alpha, beta))


def high_end_log(cohorts: int = 1) -> dict[str, list]:
    """Customers of yearly cohorts from 2000 with one event a year while they stay: the
    first cohort's survivors are Fader & Hardie's High End counts; later cohorts are
    observed for fewer years (the matrix's triangle)."""
    ids, ts = [], []
    for c in range(cohorts):
        stays = np.repeat(np.arange(1, 9), -np.diff(HIGH_END + [0]))  # years each customer stays
        for k, years in enumerate(stays):
            for y in range(years):
                if 2000 + c + y <= 2007:
                    ids.append(f"{c}-{k}")
                    ts.append(f"{2000 + c + y}-01-15")
    return {"customer_id": ids, "timestamp": ts}


def test_fits_the_high_end_segment_from_a_log():
    m = fidelite.retention(high_end_log(), period="year", criterion="on_or_after", as_of="2007-12-31")
    assert m.counts[0].tolist() == HIGH_END
    f = m.forecast(horizon=12)
    p = f.pooled_model.params
    assert p["alpha"] == pytest.approx(0.668, abs=5e-4) and p["beta"] == pytest.approx(3.806, abs=5e-4)
    assert f.rates.shape == (1, 13) and f.projected[0].tolist() == [False] * 8 + [True] * 5
    np.testing.assert_allclose(f.rates[0, :8], np.array(HIGH_END) / 1000)
    for t in range(8, 13):  # from the last observed year: 0.491 x S(t) / S(7)
        want = 0.491 * sbg_survival(p["alpha"], p["beta"], t) / sbg_survival(p["alpha"], p["beta"], 7)
        assert f.rates[0, t] == pytest.approx(want, rel=1e-9)
        assert f.lower[0, t] < f.rates[0, t] < f.upper[0, t]
    # the published projections (0.460, 0.436, 0.414, 0.395, 0.378) to the rounding of S(7)
    np.testing.assert_allclose(f.rates[0, 8:], [0.460, 0.436, 0.414, 0.395, 0.378], atol=3e-3)


def test_triangle_is_filled_per_cohort_from_its_last_observed_period():
    m = fidelite.retention(high_end_log(4), period="year", criterion="on_or_after", as_of="2007-12-31")
    f = m.forecast()
    assert f.rates.shape == m.counts.shape
    p = f.pooled_model.params
    for i in range(4):
        last = 7 - i  # cohort 2000 + i is observed for 8 - i years
        assert not f.projected[i, : last + 1].any() and f.projected[i, last + 1 :].all()
        base = m.counts[i, last] / m.sizes[i]
        for t in range(last + 1, 8):
            want = base * sbg_survival(p["alpha"], p["beta"], t) / sbg_survival(p["alpha"], p["beta"], last)
            assert f.rates[i, t] == pytest.approx(want, rel=1e-9)
    d = f.to_dict()
    assert len(d["rate"]) == 4 * 8 and d["projected"].sum() == f.projected.sum()
    html = f.to_html()
    assert html.count("data-projected='1'") == f.projected.sum() and "font-style: italic" in html
    assert "[" in repr(f)
    import matplotlib.pyplot as plt

    ax = f.plot()
    assert len(ax.patches) == f.projected.sum()
    plt.close("all")
    # per cohort: the cohorts with 4+ observed years get their own fit, the others the pooled one
    g = m.forecast("bdw", pooled=False)
    assert g.own_fit.tolist() == [True, True, True, True] and g.models[0] is not g.pooled_model
    assert fidelite.retention(high_end_log(6), period="year", criterion="on_or_after", as_of="2007-12-31").forecast(
        pooled=False
    ).own_fit.tolist() == [True] * 5 + [False]


def test_forecast_needs_unbounded_retention(shop):
    with pytest.raises(ParameterError, match="criterion='on_or_after'"):
        fidelite.retention(shop.events).forecast()
    m = fidelite.retention(shop.events, criterion="on_or_after")
    with pytest.raises(ParameterError, match="unknown model 'weibull'"):
        m.forecast("weibull")
    with pytest.raises(ParameterError, match="horizon is the last offset"):
        m.forecast(horizon=0)
    assert m.forecast(horizon=48).rates.shape == (m.counts.shape[0], 49)
