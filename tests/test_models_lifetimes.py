"""Predictions agree with lifetimes 0.11.3 to 1e-6 relative at the same parameters.

lifetimes' numbers come from tests/data/lifetimes_reference.json, written by
tests/data/make_lifetimes_reference.py in a separate virtualenv: lifetimes is archived
and warns on import under the pandas of the test environment.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fidelite.models import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    customer_lifetime_value,
)

DATA = Path(__file__).parent / "data"
REF = json.loads((DATA / "lifetimes_reference.json").read_text())
CUSTOMERS = {k: np.asarray(v, dtype=float) for k, v in REF["customers"].items()}
REL = 1e-6


def close(got, want, rel=REL, atol=1e-300):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=rel, atol=atol)


def count_model(key):
    cls = {"bg_nbd": BetaGeo, "mbg_nbd": ModifiedBetaGeo, "pareto_nbd": ParetoNBD}[key]
    return cls.from_params(**dict(zip(cls.param_names, REF[key]["params"])))


@pytest.mark.parametrize("key", ["bg_nbd", "mbg_nbd", "pareto_nbd"])
def test_count_model_predictions(key):
    m, ref = count_model(key), REF[key]
    close(m.p_alive(CUSTOMERS), ref["p_alive"])
    for t, want in ref["conditional_expected"].items():
        close(m.conditional_expected_purchases(float(t), CUSTOMERS), want)
    close(m.expected_purchases(REF["horizons"]), ref["expected"])
    if "pmf" in ref:
        n = [n for _, n in REF["pmf_cases"]]
        t = [t for t, _ in REF["pmf_cases"]]
        close(m.probability_of_purchases(n, t), ref["pmf"], atol=1e-15)


@pytest.mark.parametrize("key", ["bg_nbd", "mbg_nbd"])
def test_penalised_objective_is_lifetimes(key):
    """lifetimes minimises the mean negative log-likelihood plus penalizer_coef Σ θ²."""
    from fidelite import _core

    df = pd.read_csv(DATA / "cdnow_customers_summary.csv")
    cols = [df[c].to_numpy(float) for c in ("frequency", "recency", "T")]
    ll, _ = _core.counts_log_likelihood(key, REF[key]["params"], *cols)
    for pen, want in REF[key]["objective"].items():
        ours = -ll / len(df) + float(pen) * sum(v * v for v in REF[key]["params"])
        assert ours == pytest.approx(want, rel=1e-12)


def test_pareto_log_likelihood_is_lifetimes():
    from fidelite import _core

    df = pd.read_csv(DATA / "cdnow_customers_summary.csv")
    cols = [df[c].to_numpy(float) for c in ("frequency", "recency", "T")]
    ll, _ = _core.counts_log_likelihood("pareto_nbd", REF["pareto_nbd"]["params"], *cols)
    assert ll == pytest.approx(REF["pareto_nbd"]["log_likelihood"], rel=1e-12)


@pytest.mark.parametrize("key", ["bg_nbd", "mbg_nbd"])
def test_fits_and_standard_errors_match_lifetimes(key):
    df = pd.read_csv(DATA / "cdnow_customers_summary.csv")
    m = type(count_model(key))().fit(df)
    close(list(m.params.values()), REF[key]["fit"]["params"], rel=1e-5)
    close(list(m.standard_errors.values()), REF[key]["fit"]["standard_errors"], rel=1e-3)


def test_pareto_fit_matches_lifetimes_nelder_mead():
    # lifetimes stops Nelder-Mead at xtol 1e-6: agreement to 1e-4
    m = ParetoNBD().fit(pd.read_csv(DATA / "cdnow_customers_summary.csv"))
    close(list(m.params.values()), REF["pareto_nbd"]["fit"]["params"], rel=1e-4)


def test_bg_bb_predictions_and_fit():
    df = pd.read_csv(DATA / "donations.csv")
    ref = REF["bgbb"]
    m = BetaGeoBetaBinom.from_params(**dict(zip(BetaGeoBetaBinom.param_names, ref["params"])))
    cols = {"frequency": df.frequency, "recency": df.recency, "n_periods": df.periods}
    for k, want in ref["p_alive"].items():
        close(m.p_alive(int(k), cols), want)
    for k, want in ref["conditional_expected"].items():
        close(m.conditional_expected_purchases(int(k), cols), want)
    # lifetimes' expected numbers of donors per x in the first n opportunities
    for n, want in ref["expected_counts"].items():
        x = np.arange(len(want))
        close(m.probability_of_purchases(x, int(n)) * df.weights.sum(), want)
    fit = BetaGeoBetaBinom().fit(df, n_periods="periods", weights="weights")
    close(list(fit.params.values()), ref["fit"]["params"], rel=1e-5)
    close(list(fit.standard_errors.values()), ref["fit"]["standard_errors"], rel=1e-3)
    from fidelite import _core

    ll, _ = _core.bgbb_log_likelihood(
        ref["params"],
        *(df[c].to_numpy(float) for c in ("frequency", "recency", "periods")),
        weights=df.weights.to_numpy(float),
    )
    # lifetimes adds 1e-15 inside its log: 1e-12 relative
    assert ll == pytest.approx(ref["log_likelihood"], rel=1e-10)


def test_gamma_gamma_spend_clv_and_fit():
    df = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    ref = REF["gamma_gamma"]
    gg = GammaGamma.from_params(p=ref["params"][0], q=ref["params"][1], gamma=ref["params"][2])
    close(gg.conditional_expected_spend(df, frequency="x", monetary_value="zbar"), ref["spend"])
    bg = count_model("bg_nbd")
    for d, want in ref["clv"].items():
        got = customer_lifetime_value(
            bg,
            df,
            spend_model=gg,
            horizon=12,
            discount_rate=float(d),
            time_unit="W",
            frequency="x",
            recency="t_x",
            T="T",
            monetary_value="zbar",
        )
        close(got, want)
    fit = GammaGamma().fit(df, frequency="x", monetary_value="zbar")
    close(list(fit.params.values()), ref["fit"]["params"], rel=1e-5)
    close(list(fit.standard_errors.values()), ref["fit"]["standard_errors"], rel=1e-3)
