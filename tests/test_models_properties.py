"""Parameters drawn, data simulated from each model (tests/model_simulation.py), fitted:
the estimates must recover the parameters within 4 standard errors (a true model fails
this with probability ~6e-5 per parameter), and the standard errors must be honest: over
all fits, the z-scores have a root mean square near 1 (between 0.6 and 1.6).

Seeds are fixed, so the test is deterministic; customers are many enough for the
asymptotic standard errors to hold (20,000 for the count models).
"""

from __future__ import annotations

import model_simulation as sim
import numpy as np
import pytest

from fidelite.models import (
    BetaDiscreteWeibull,
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeo,
)

SEEDS = range(4)
Z_MAX = 4.0
Z_SCORES: list[float] = []


def check(model, truth):
    assert model.converged, model.fit_info
    est = np.array(list(model.params.values()))
    se = np.array(list(model.standard_errors.values()))
    assert np.all(np.isfinite(se)) and np.all(se > 0), se
    z = (est - np.asarray(truth)) / se
    Z_SCORES.extend(z.tolist())
    assert np.all(np.abs(z) < Z_MAX), dict(zip(model.param_names, z.round(2)))


def ages(rng, n):
    # customers acquired over a year, observed until week 52 + 26
    return rng.uniform(26.0, 78.0, n)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bg_nbd", "mbg_nbd"])
def test_bg_nbd_family_recovers_its_parameters(cls, seed):
    rng = np.random.default_rng(100 + seed)
    truth = [rng.uniform(0.3, 1.5), rng.uniform(2.0, 12.0), rng.uniform(0.5, 2.0), rng.uniform(1.5, 6.0)]
    x, tx, T = sim.bg_nbd(rng, truth, ages(rng, 20_000), modified=cls is ModifiedBetaGeo)
    check(cls().fit({"frequency": x, "recency": tx, "T": T}), truth)


@pytest.mark.parametrize("seed", SEEDS)
def test_pareto_nbd_recovers_its_parameters(seed):
    rng = np.random.default_rng(200 + seed)
    truth = [rng.uniform(0.3, 1.5), rng.uniform(2.0, 12.0), rng.uniform(0.4, 1.5), rng.uniform(5.0, 30.0)]
    x, tx, T = sim.pareto_nbd(rng, truth, ages(rng, 20_000))
    check(ParetoNBD().fit({"frequency": x, "recency": tx, "T": T}), truth)


@pytest.mark.parametrize("seed", SEEDS)
def test_bg_bb_recovers_its_parameters(seed):
    rng = np.random.default_rng(300 + seed)
    truth = [rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0), rng.uniform(0.3, 1.5), rng.uniform(1.0, 4.0)]
    x, tx, n = sim.bg_bb(rng, truth, 20_000, 8)
    check(BetaGeoBetaBinom().fit({"frequency": x, "recency": tx, "n_periods": n}), truth)


@pytest.mark.parametrize("seed", SEEDS)
def test_gamma_gamma_recovers_its_parameters(seed):
    rng = np.random.default_rng(400 + seed)
    truth = [rng.uniform(2.0, 8.0), rng.uniform(2.5, 6.0), rng.uniform(5.0, 30.0)]
    x = 1.0 + rng.poisson(2.0, 10_000)
    m = sim.gamma_gamma(rng, truth, x)
    check(GammaGamma().fit({"frequency": x, "monetary_value": m}), truth)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cls", [ShiftedBetaGeo, BetaDiscreteWeibull], ids=["sbg", "bdw"])
def test_survival_models_recover_their_parameters(cls, seed):
    rng = np.random.default_rng(500 + seed)
    truth = [rng.uniform(0.5, 2.0), rng.uniform(1.0, 5.0)] + (
        [rng.uniform(0.6, 1.5)] if cls is BetaDiscreteWeibull else []
    )
    # three cohorts observed over 12, 9 and 6 periods, pooled
    cohorts = [sim.survivors(rng, truth, 5_000, k) for k in (12, 9, 6)]
    check(cls().fit(cohorts), truth)


def test_z_scores_are_standard_normal_in_size():
    """Runs after the recovery tests above (file order): their z-scores pooled."""
    assert len(Z_SCORES) >= 60
    rms = float(np.sqrt(np.mean(np.square(Z_SCORES))))
    assert 0.6 < rms < 1.6, rms
