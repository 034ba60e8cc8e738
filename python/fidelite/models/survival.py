"""Contractual retention: sBG (Fader & Hardie 2007, "How to Project Customer Retention")
and BdW (Fader, Hardie, Liu, Davin & Steenburgh 2018, "How to Project Customer Retention
Revisited: The Role of Duration Dependence").

A model is fitted to survivor counts: how many customers of a cohort are still there at
the start of each period, starting with the cohort size (period 0). One series, or several
cohorts (a 2-d array with NaN for periods not yet observed, or a list of series): pooled
into one set of parameters by :meth:`fit`, or one model per cohort by :meth:`fit_each`.

>>> from fidelite.models import ShiftedBetaGeo
>>> m = ShiftedBetaGeo().fit([1000, 869, 743, 653, 593, 551, 517, 491])
>>> {k: round(v, 3) for k, v in m.params.items()}
{'alpha': 0.668, 'beta': 3.806}
>>> m.survival([8, 12]).round(3).tolist()
[0.46, 0.378]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from statistics import NormalDist
from typing import Any, Self

import numpy as np

from .base import InputError, Model, ParameterError, TableResult, core, fit_options

__all__ = ["BetaDiscreteWeibull", "ShiftedBetaGeo", "survivor_series"]


def survivor_series(survivors: Any) -> tuple[np.ndarray, np.ndarray]:
    """Survivor counts of one or more cohorts as (values, offsets): cohort i is
    ``values[offsets[i]:offsets[i + 1]]``. A 2-d array is one cohort per row, each row
    ending at its first NaN (periods not observed yet); a NaN followed by a number is an
    error."""
    matrix = isinstance(survivors, np.ndarray) and survivors.ndim == 2
    series = isinstance(survivors, (list, tuple)) and survivors and all(np.ndim(s) == 1 for s in survivors)
    rows = list(survivors) if matrix or series else [survivors]
    series = []
    for i, row in enumerate(rows):
        try:
            v = np.asarray(row, dtype=np.float64).ravel()
        except (TypeError, ValueError) as e:
            raise InputError(f"survivor counts must be numbers: {e}") from e
        nan = np.flatnonzero(np.isnan(v))
        if nan.size:
            if not np.all(np.isnan(v[nan[0] :])):
                raise InputError(
                    f"cohort {i}: a missing count (period {nan[0]}) before observed ones; "
                    "only the periods after the last observed one may be missing"
                )
            v = v[: nan[0]]
        if v.size == 0:
            raise InputError(f"cohort {i} has no survivor count: each series starts with the cohort size")
        series.append(v)
    if not series:
        raise InputError("no cohort to fit")
    offsets = np.zeros(len(series) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([s.size for s in series])
    return np.ascontiguousarray(np.concatenate(series)), offsets


class SurvivalModel(Model):
    """Fitting and predictions shared by sBG and BdW."""

    kind = ""

    def fit(
        self,
        survivors: Any,
        *,
        initial_params: Mapping[str, float] | Sequence[float] | None = None,
        max_iter: int = 500,
        tol: float = 1e-9,
    ) -> Self:
        """Maximum likelihood on one survivor series or several cohorts pooled (one set of
        parameters; Fader & Hardie's note on multi-cohort data). Counts may be
        fractional (e.g. survivors out of 1,000), but standard errors assume counts."""
        values, offsets = survivor_series(survivors)
        self.record_fit(
            core.fit_survival(self.kind, values, offsets, **fit_options(self, initial_params, max_iter, tol))
        )
        self.survivors = values
        self.offsets = offsets
        return self

    @classmethod
    def fit_each(cls, survivors: Any, **options: Any) -> list[Self]:
        """One model per cohort (row of a 2-d array, or item of a list of series)."""
        values, offsets = survivor_series(survivors)
        return [
            cls(penalizer_coef=options.pop("penalizer_coef", 0.0)).fit(values[a:b], **options)
            for a, b in pairwise(offsets)
        ]

    def survival(self, t: Any) -> np.ndarray:
        """S(t): the share of a cohort still there after ``t`` periods (S(0) = 1)."""
        return core.survival_curve(self.param_vector(), _periods(t))

    def retention_rate(self, t: Any) -> np.ndarray:
        """r(t) = S(t) / S(t − 1): the share of those present in period t − 1 who renew at
        period t (t >= 1)."""
        return core.survival_retention(self.param_vector(), _periods(t))

    def expected_lifetime(self, horizon: int | None = None) -> float:
        """Expected number of periods a customer stays, Σ_{t>=0} S(t) (the first counts),
        or over the next ``horizon`` periods, Σ_{t<horizon} S(t). Infinite when
        alpha · c <= 1 (sBG: alpha <= 1), the heavy tail of very loyal customers."""
        return core.survival_lifetime(self.param_vector(), None if horizon is None else float(horizon))

    def derl(self, discount_rate: float, renewals: Any = 0) -> np.ndarray:
        """Discounted expected residual lifetime (Fader & Hardie 2010) of a customer who has
        renewed ``renewals`` times: expected discounted number of further payments of one
        period's value, the coming renewal's undiscounted, at ``discount_rate`` per period."""
        r = np.atleast_1d(np.asarray(renewals, dtype=np.float64)).ravel()
        return core.survival_derl(self.param_vector(), float(discount_rate), np.ascontiguousarray(r))

    def survival_table(self, t: Any, ci: float = 0.95) -> TableResult:
        """S(t) and r(t) with ``ci`` intervals by the delta method: a normal interval for
        logit S(t) (and logit r(t)) from the covariance of the log-parameters, mapped back,
        so bounds stay in (0, 1). Needs a fitted model."""
        if not 0 < ci < 1:
            raise ParameterError(f"ci must be between 0 and 1, not {ci}")
        tt = _periods(t)
        z = NormalDist().inv_cdf(0.5 + ci / 2)
        s, s_lo, s_hi = self._interval(core.survival_curve, tt, z)
        r = np.full(tt.size, np.nan)
        r_lo, r_hi = r.copy(), r.copy()
        later = tt >= 1
        if later.any():
            r[later], r_lo[later], r_hi[later] = self._interval(
                core.survival_retention, np.ascontiguousarray(tt[later]), z
            )
        return TableResult(
            {
                "period": tt,
                "survival": s,
                "survival_lower": s_lo,
                "survival_upper": s_hi,
                "retention_rate": r,
                "retention_lower": r_lo,
                "retention_upper": r_hi,
            },
            title=f"{type(self).__name__}: survival and retention with {ci:.0%} intervals",
        )

    def survival_given(self, t: Any, since: int, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """S(t) / S(since): the share of those present after ``since`` periods who are still
        there after ``t`` (t >= since), as (estimate, lower, upper) with ``ci`` intervals by
        the delta method on the logit scale (as :meth:`survival_table`). It projects a
        cohort from its last observed period: expected survivors at t = survivors at
        ``since`` x this."""
        if not 0 < ci < 1:
            raise ParameterError(f"ci must be between 0 and 1, not {ci}")
        tt = _periods(t)
        if np.any(tt < since):
            raise ParameterError(f"t must be >= since ({since}), got {tt.min():g}")
        base = _periods([since])

        def ratio(params: list[float], t: np.ndarray) -> np.ndarray:
            return core.survival_curve(params, t) / core.survival_curve(params, base)[0]

        return self._interval(ratio, tt, NormalDist().inv_cdf(0.5 + ci / 2))

    def _interval(self, f: Any, t: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        theta = np.asarray(self.param_vector())
        cov_log = self.covariance / np.outer(theta, theta)
        est = f(theta.tolist(), t)
        lo, hi = est.copy(), est.copy()
        # S(0) = 1 exactly (and any value at 0 or 1) has no uncertainty to map
        inner = (est > 0) & (est < 1)
        if not inner.any():
            return est, lo, hi
        ti = np.ascontiguousarray(t[inner])

        def logit(p: np.ndarray) -> np.ndarray:
            return np.log(p) - np.log1p(-p)

        h = 1e-5
        grad = np.empty((theta.size, ti.size))
        for k in range(theta.size):
            up, dn = np.log(theta), np.log(theta)
            up[k] += h
            dn[k] -= h
            grad[k] = (logit(f(np.exp(up).tolist(), ti)) - logit(f(np.exp(dn).tolist(), ti))) / (2 * h)
        se = np.sqrt(np.einsum("it,ij,jt->t", grad, cov_log, grad))
        centre = logit(est[inner])
        lo[inner] = 1 / (1 + np.exp(-(centre - z * se)))
        hi[inner] = 1 / (1 + np.exp(-(centre + z * se)))
        return est, lo, hi


def _periods(t: Any) -> np.ndarray:
    return np.ascontiguousarray(np.atleast_1d(np.asarray(t, dtype=np.float64)).ravel())


class ShiftedBetaGeo(SurvivalModel):
    """sBG: each customer churns at the end of each period with probability θ ~ Beta(alpha,
    beta), so S(t) = B(alpha, beta + t) / B(alpha, beta) and the retention rate rises with
    tenure as the customers likeliest to churn leave first. Parameters ``alpha, beta``."""

    kind = "sbg"
    param_names = ("alpha", "beta")


class BetaDiscreteWeibull(SurvivalModel):
    """BdW: sBG with duration dependence, S(t) = B(alpha, beta + t^c) / B(alpha, beta):
    c < 1, individual churn probabilities fall with tenure; c > 1, they rise; c = 1 is sBG.
    Parameters ``alpha, beta, c``."""

    kind = "bdw"
    param_names = ("alpha", "beta", "c")
