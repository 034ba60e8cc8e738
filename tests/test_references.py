"""The fast roads of the model references (tests/models_reference.py) against their slow
30-digit mpmath versions on fixed cases: DERL summed term by term in double precision
against mpmath's nsum, the Pareto/NBD purchase pmf by Gauss–Legendre in double precision
against mpmath's adaptive quadrature. The property tests use the fast ones (10,000
random inputs under ``make test-long``); these keep them honest."""

from __future__ import annotations

import random

import models_reference as ref
import pytest


def test_derl_series_is_mpmath_nsum():
    rng = random.Random(1)
    cases = [[0.05, 0.05], [20.0, 0.05], [0.05, 0.05, 3.0], [0.05, 20.0, 0.3], [20.0, 0.05, 3.0]]
    cases += [[rng.uniform(0.05, 20), rng.uniform(0.05, 20), rng.uniform(0.3, 3)] for _ in range(2)]
    for i, p in enumerate(cases):
        for renewals in (0, 7) if i % 2 else (0,):
            assert ref.derl_series(p, 0.1, renewals) == pytest.approx(ref.derl_nsum(p, 0.1, renewals), rel=1e-11), p


def test_pareto_pmf_is_mpmath_quad():
    rng = random.Random(5)
    # the property tests' range is 0.05..20 (test_models_reference.positive); the first case
    # is where 20 equal panels missed 2.5e-11 (β small, s large)
    cases = [(19.93, 0.05, 20.0, 0.05), (0.05, 20.0, 0.05, 20.0), (0.55, 10.6, 0.61, 11.7)]
    cases += [tuple(rng.uniform(0.05, 20) for _ in range(4)) for _ in range(2)]
    for p in cases:
        for n in (0, 2, 7):
            for t in (0.5, 30.0):
                want = ref.pareto_pmf_mp(p, n, t)
                assert ref.pareto_pmf(p, n, t) == pytest.approx(want, rel=1e-12, abs=1e-16), (p, n, t)
