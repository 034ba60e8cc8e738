"""BG/BB: repeat purchasing at discrete transaction opportunities (Fader, Hardie & Shang
2010, "Customer-Base Analysis in a Discrete-Time Noncontractual Setting").

Each row is a customer (or, with ``weights``, every customer sharing) a history of
``n_periods`` opportunities: ``frequency`` purchases, the last at opportunity ``recency``
(0 without a purchase). The donations data of the paper is the classic example.

>>> from fidelite.models import BetaGeoBetaBinom
>>> m = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
>>> m.expected_purchases([6, 11]).round(3).tolist()
[2.22, 3.388]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .base import (
    InputError,
    Model,
    ParameterError,
    TableResult,
    column,
    core,
    fit_options,
    optional_weights,
    require_rows,
)

__all__ = ["BetaGeoBetaBinom"]


class BetaGeoBetaBinom(Model):
    """BG/BB: at each opportunity an alive customer buys with probability p ~ Beta(alpha,
    beta), then drops out for good with probability θ ~ Beta(gamma, delta). Parameters
    ``alpha, beta, gamma, delta``."""

    param_names = ("alpha", "beta", "gamma", "delta")

    def fit(
        self,
        data: Any = None,
        *,
        frequency: Any = "frequency",
        recency: Any = "recency",
        n_periods: Any = "n_periods",
        weights: Any = None,
        initial_params: Mapping[str, float] | Sequence[float] | None = None,
        max_iter: int = 500,
        tol: float = 1e-9,
    ) -> BetaGeoBetaBinom:
        """Maximum likelihood (see :meth:`fidelite.models.BetaGeo.fit` for the options).
        For lifetimes' donations table: ``fit(df, n_periods="periods", weights="weights")``."""
        cols = self._read(data, frequency, recency, n_periods)
        require_rows(cols["frequency"].size, "customers")
        w = optional_weights(data, weights, cols["frequency"].size)
        result = core.fit_bgbb(
            cols["frequency"],
            cols["recency"],
            cols["n_periods"],
            weights=w,
            **fit_options(self, initial_params, max_iter, tol),
        )
        self.record_fit(result)
        self.data = cols
        self.weights = w
        return self

    @staticmethod
    def _read(data: Any, frequency: Any, recency: Any, n_periods: Any) -> dict[str, np.ndarray]:
        cols = {
            "frequency": column(data, frequency, "frequency"),
            "recency": column(data, recency, "recency"),
            "n_periods": column(data, n_periods, "n_periods"),
        }
        sizes = {k: v.size for k, v in cols.items()}
        if len(set(sizes.values())) > 1:
            raise InputError(f"columns of different lengths: {sizes}")
        return cols

    def _customers(self, data: Any, frequency: Any, recency: Any, n_periods: Any) -> dict[str, np.ndarray]:
        if data is None and all(isinstance(c, str) for c in (frequency, recency, n_periods)):
            fitted = getattr(self, "data", None)
            if fitted is None:
                raise ParameterError("pass the customers (data=...): this model was not fitted on any")
            return fitted
        return self._read(data, frequency, recency, n_periods)

    def p_alive(
        self,
        m: int = 0,
        data: Any = None,
        *,
        frequency: Any = "frequency",
        recency: Any = "recency",
        n_periods: Any = "n_periods",
    ) -> np.ndarray:
        """P(alive at opportunity n + m | history) for each customer (m = 0: now)."""
        c = self._customers(data, frequency, recency, n_periods)
        return core.bgbb_p_alive(self.param_vector(), float(m), c["frequency"], c["recency"], c["n_periods"])

    def conditional_expected_purchases(
        self,
        m: int,
        data: Any = None,
        *,
        frequency: Any = "frequency",
        recency: Any = "recency",
        n_periods: Any = "n_periods",
    ) -> np.ndarray:
        """Expected purchases of each customer over the next ``m`` opportunities."""
        c = self._customers(data, frequency, recency, n_periods)
        return core.bgbb_conditional_expected(
            self.param_vector(), float(m), c["frequency"], c["recency"], c["n_periods"]
        )

    def expected_purchases(self, n: Any) -> np.ndarray:
        """E[X(n)]: expected purchases over the first ``n`` opportunities of a customer drawn
        from the population, for each n."""
        nn = np.ascontiguousarray(np.atleast_1d(np.asarray(n, dtype=np.float64)).ravel())
        return core.bgbb_expected(self.param_vector(), nn)

    def probability_of_purchases(self, x: Any, n: Any) -> np.ndarray:
        """P(X(n) = x) for a customer drawn from the population (``x`` and ``n`` broadcast)."""
        xx, nn = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(n, dtype=np.float64))
        out = core.bgbb_pmf(self.param_vector(), np.ascontiguousarray(xx.ravel()), np.ascontiguousarray(nn.ravel()))
        return out.reshape(xx.shape)

    def predict(self, m: int, data: Any = None, **columns: Any) -> TableResult:
        """Per customer: the history, P(alive now) and the expected purchases in the next ``m``."""
        c = self._customers(
            data,
            columns.get("frequency", "frequency"),
            columns.get("recency", "recency"),
            columns.get("n_periods", "n_periods"),
        )
        p = self.param_vector()
        return TableResult(
            {
                **c,
                "p_alive": core.bgbb_p_alive(p, 0.0, c["frequency"], c["recency"], c["n_periods"]),
                "expected_purchases": core.bgbb_conditional_expected(
                    p, float(m), c["frequency"], c["recency"], c["n_periods"]
                ),
            },
            title=f"BG/BB: expected purchases in the next {m} opportunities",
        )
