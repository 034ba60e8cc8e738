"""The kernels against the independent mpmath references of tests/models_reference.py, on
random parameters and histories (hypothesis) and on hard corners: log-likelihoods to 1e-10
relative (1e-9 where the reference integrates numerically), predictions to 1e-9."""

from __future__ import annotations

import models_reference as ref
import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidelite import _core
from fidelite.models import (
    BetaDiscreteWeibull,
    BetaGeo,
    BetaGeoBetaBinom,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeo,
)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
positive = st.floats(0.05, 20.0)


@st.composite
def histories(draw, n_max=6):
    n = draw(st.integers(1, n_max))
    rows = []
    for _ in range(n):
        T = draw(st.floats(0.0, 80.0))
        x = draw(st.integers(0, 40))
        tx = 0.0 if x == 0 else draw(st.floats(0.0, 1.0)) * T
        rows.append((float(x), tx, T))
    return [np.array(c) for c in zip(*rows)]


def rel_close(got, want, rel):
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=rel, atol=1e-300)


@SETTINGS
@given(params=st.tuples(positive, positive, positive, positive), data=histories(), modified=st.booleans())
def test_bg_nbd_family_log_likelihood_and_predictions(params, data, modified):
    x, tx, T = data
    key = "mbg_nbd" if modified else "bg_nbd"
    ll, _ = _core.counts_log_likelihood(key, list(params), x, tx, T)
    want = sum(ref.bgnbd_loglik(params, *row, modified=modified) for row in zip(x, tx, T))
    assert ll == pytest.approx(want, rel=1e-10, abs=1e-10)
    m = (ModifiedBetaGeo if modified else BetaGeo).from_params(**dict(zip(BetaGeo.param_names, params)))
    cols = {"frequency": x, "recency": tx, "T": T}
    rel_close(m.p_alive(cols), [ref.bgnbd_p_alive(params, *row, modified=modified) for row in zip(x, tx, T)], 1e-10)
    if abs(params[2] - 1) > 1e-3:  # the closed form divides by a − 1
        got = m.conditional_expected_purchases(13.0, cols)
        want = [ref.bgnbd_conditional_expected(params, 13.0, *row, modified=modified) for row in zip(x, tx, T)]
        rel_close(got, want, 1e-8)
        rel_close(
            m.expected_purchases([0.5, 52.0]), [ref.bgnbd_expected(params, t, modified) for t in (0.5, 52.0)], 1e-9
        )
    got = m.probability_of_purchases([0, 1, 3, 12], 26.0)
    want = [ref.bgnbd_pmf(params, n, 26.0, modified) for n in (0, 1, 3, 12)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=st.tuples(positive, positive, positive, positive), data=histories(n_max=3))
def test_pareto_nbd_against_the_note(params, data):
    """The likelihood and P(alive) through fidelite's transformed series, against the
    note's formula with mpmath's 2F1; predictions against quadrature."""
    x, tx, T = data
    ll, _ = _core.counts_log_likelihood("pareto_nbd", list(params), x, tx, T)
    want = sum(ref.pareto_loglik(params, *row) for row in zip(x, tx, T))
    assert ll == pytest.approx(want, rel=1e-11, abs=1e-11)
    m = ParetoNBD.from_params(**dict(zip(ParetoNBD.param_names, params)))
    cols = {"frequency": x, "recency": tx, "T": T}
    rel_close(m.p_alive(cols), [ref.pareto_p_alive(params, *row) for row in zip(x, tx, T)], 1e-9)
    rel_close(
        m.conditional_expected_purchases(20.0, cols),
        [ref.pareto_conditional_expected(params, 20.0, *row) for row in zip(x, tx, T)],
        1e-8,
    )
    if abs(params[2] - 1) > 1e-3:
        rel_close(m.expected_purchases([3.0, 60.0]), [ref.pareto_expected(params, t) for t in (3.0, 60.0)], 1e-10)
    np.testing.assert_allclose(
        m.probability_of_purchases([0, 2, 7], 30.0),
        [ref.pareto_pmf(params, n, 30.0) for n in (0, 2, 7)],
        rtol=1e-9,
        atol=1e-15,
    )


@pytest.mark.parametrize(
    "params",
    [
        (0.55, 10.6, 0.61, 11.7),
        (0.55, 500.0, 0.61, 0.01),
        (2.0, 0.01, 3.0, 900.0),
        (0.3, 7.0, 0.2, 7.0),
        (40.0, 3.0, 0.05, 2.0),
    ],
    ids=["cdnow", "alpha>>beta", "beta>>alpha", "equal", "large-r"],
)
def test_pareto_hard_corners(params):
    """z of the series close to 1 (alpha or beta 1e4 times the other), equal rates, and
    heavy buyers: still the integral's value."""
    x = np.array([0.0, 1.0, 25.0, 150.0, 3.0])
    tx = np.array([0.0, 0.001, 20.0, 38.9, 0.5])
    T = np.array([39.0, 39.0, 39.0, 39.0, 0.5])
    ll, _ = _core.counts_log_likelihood("pareto_nbd", list(params), x, tx, T)
    want = sum(ref.pareto_loglik(params, *row) for row in zip(x, tx, T))
    assert ll == pytest.approx(want, rel=1e-11)
    # the reference itself, by integrating over the death time
    assert want == pytest.approx(sum(ref.pareto_loglik_by_quadrature(params, *row) for row in zip(x, tx, T)), rel=1e-10)


def test_gradients_are_the_derivative_of_the_log_likelihood():
    """The analytic gradients the optimiser uses, against mpmath's numerical derivative of
    the reference log-likelihood."""
    x, tx, T = np.array([0.0, 2.0, 7.0]), np.array([0.0, 12.5, 30.0]), np.array([39.0, 35.0, 31.0])
    for key, f, params in [
        ("bg_nbd", lambda p: sum(ref.bgnbd_loglik(p, *r) for r in zip(x, tx, T)), [0.7, 5.0, 0.6, 2.2]),
        ("mbg_nbd", lambda p: sum(ref.bgnbd_loglik(p, *r, modified=True) for r in zip(x, tx, T)), [0.7, 5.0, 0.6, 2.2]),
        ("pareto_nbd", lambda p: sum(ref.pareto_loglik(p, *r) for r in zip(x, tx, T)), [0.7, 5.0, 0.6, 9.0]),
    ]:
        _, grad = _core.counts_log_likelihood(key, params, x, tx, T)
        for k in range(4):

            def g(v, k=k, params=params, f=f):
                p = list(params)
                p[k] = float(v)
                return f(p)

            want = float(mp.diff(g, params[k], h=1e-6))
            assert grad[k] == pytest.approx(want, rel=1e-6), (key, k)


@SETTINGS
@given(params=st.tuples(positive, positive, positive, positive), n=st.integers(0, 12), data=st.data())
def test_bg_bb_against_the_double_sum(params, n, data):
    rows = []
    for _ in range(data.draw(st.integers(1, 4))):
        tx = data.draw(st.integers(0, n))
        x = 0 if tx == 0 else data.draw(st.integers(1, tx))
        rows.append((float(x), float(tx), float(n)))
    x, tx, nn = (np.array(c) for c in zip(*rows))
    ll, _ = _core.bgbb_log_likelihood(list(params), x, tx, nn)
    assert ll == pytest.approx(sum(ref.bgbb_loglik(params, *r) for r in rows), rel=1e-10, abs=1e-10)
    m = BetaGeoBetaBinom.from_params(**dict(zip(BetaGeoBetaBinom.param_names, params)))
    cols = {"frequency": x, "recency": tx, "n_periods": nn}
    rel_close(m.p_alive(3, cols), [ref.bgbb_p_alive(params, 3, *r) for r in rows], 1e-10)
    if abs(params[2] - 1) > 1e-3:
        rel_close(
            m.conditional_expected_purchases(5, cols),
            [ref.bgbb_conditional_expected(params, 5, *r) for r in rows],
            1e-9,
        )
    np.testing.assert_allclose(
        m.probability_of_purchases([0, 1, n], n),
        [ref.bgbb_pmf(params, k, n) if k <= n else 0 for k in (0, 1, n)],
        rtol=1e-10,
        atol=1e-15,
    )


@SETTINGS
@given(
    params=st.tuples(positive, positive, positive),
    x=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    data=st.data(),
)
def test_gamma_gamma_log_likelihood(params, x, data):
    m = [data.draw(st.floats(0.5, 500.0)) for _ in x]
    ll, _ = _core.gamma_gamma_log_likelihood(list(params), np.array(x, float), np.array(m))
    assert ll == pytest.approx(sum(ref.gamma_gamma_loglik(params, a, b) for a, b in zip(x, m)), rel=1e-10, abs=1e-10)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    alpha=positive, beta=positive, c=st.floats(0.3, 3.0), drops=st.lists(st.floats(0.0, 0.6), min_size=1, max_size=8)
)
def test_survival_models(alpha, beta, c, drops):
    series = [1000.0]
    for d in drops:
        series.append(np.floor(series[-1] * (1 - d)))
    offsets = np.array([0, len(series)])
    for params in ([alpha, beta], [alpha, beta, c]):
        ll, _ = _core.survival_log_likelihood(params, np.array(series), offsets)
        assert ll == pytest.approx(ref.survival_loglik(params, series), rel=1e-9, abs=1e-9)
        cls = ShiftedBetaGeo if len(params) == 2 else BetaDiscreteWeibull
        m = cls.from_params(**dict(zip(cls.param_names, params)))
        t = [0, 1, 2.5, 7, 40]
        rel_close(m.survival(t), [float(ref.survival(params, v)) for v in t], 1e-10)
        rel_close(
            m.retention_rate([1, 5]),
            [float(ref.survival(params, v) / ref.survival(params, v - 1)) for v in (1, 5)],
            1e-10,
        )
        rel_close(m.derl(0.1, [0, 7]), [ref.derl_series(params, 0.1, k) for k in (0, 7)], 1e-9)


def test_sbg_derl_is_the_closed_form():
    m = ShiftedBetaGeo.from_params(alpha=0.668, beta=3.806)
    for d in (0.05, 0.1, 0.3):
        rel_close(m.derl(d, [0, 3, 7]), [ref.sbg_derl_closed_form([0.668, 3.806], d, k) for k in (0, 3, 7)], 1e-12)


def test_expected_lifetimes():
    assert ShiftedBetaGeo.from_params(alpha=2.5, beta=3.0).expected_lifetime() == pytest.approx(
        (2.5 + 3 - 1) / 1.5, rel=1e-14
    )
    assert ShiftedBetaGeo.from_params(alpha=0.7, beta=1.2).expected_lifetime() == float("inf")
    m = ShiftedBetaGeo.from_params(alpha=0.7, beta=1.2)
    assert m.expected_lifetime(horizon=5) == pytest.approx(
        float(sum(ref.survival([0.7, 1.2], t) for t in range(5))), rel=1e-13
    )
    # BdW: S(t) falls like t^-2.4; the reference sums 20,000 terms and integrates the tail
    # (Euler-Maclaurin; mpmath's nsum extrapolates this tail wrongly, at 1e-5)
    p = [3.0, 2.0, 0.8]
    n = 20_000
    with mp.workdps(20):
        want = float(
            mp.fsum(ref.survival(p, t) for t in range(n))
            + mp.quad(lambda t: ref.survival(p, t), [n, mp.inf])
            - ref.survival(p, n) / 2
        )
    assert BetaDiscreteWeibull.from_params(alpha=3.0, beta=2.0, c=0.8).expected_lifetime() == pytest.approx(
        want, rel=1e-8
    )
    assert BetaDiscreteWeibull.from_params(alpha=1.0, beta=2.0, c=0.9).expected_lifetime() == float("inf")
