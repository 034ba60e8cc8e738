"""Repeat purchasing in continuous time: BG/NBD, MBG/NBD and Pareto/NBD.

Each model reads one row per customer: ``frequency`` (repeat purchases, a whole number),
``recency`` (time of the last repeat purchase since the first purchase, 0 without one)
and ``T`` (time since the first purchase), all in one time unit (the CDNOW tables are in
weeks), optionally ``weights`` (customers per row, for compressed tables).

>>> from fidelite.models import BetaGeo
>>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
>>> data = {"frequency": [0, 2, 5], "recency": [0.0, 30.4, 35.0], "T": [38.9, 38.9, 38.9]}
>>> m.p_alive(data).round(3).tolist()
[1.0, 0.726, 0.832]
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

__all__ = ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD"]


class CountModel(Model):
    """Shared fitting and predictions of the three models (see the subclasses)."""

    kind = ""

    def fit(
        self,
        data: Any = None,
        *,
        frequency: Any = "frequency",
        recency: Any = "recency",
        T: Any = "T",
        weights: Any = None,
        initial_params: Mapping[str, float] | Sequence[float] | None = None,
        max_iter: int = 500,
        tol: float = 1e-9,
    ) -> CountModel:
        """Maximum likelihood on a table of customers (pandas / polars / pyarrow, a dict of
        arrays, or the columns passed as arrays). Column arguments name columns of ``data``
        or hold the values. Returns the model, fitted; check :attr:`converged`.

        The optimiser works on the logarithms of the parameters, from several starting
        points (or ``initial_params``), to a gradient below ``tol``; a ``penalizer_coef``
        (constructor) adds λ Σ θ² to the mean negative log-likelihood, as lifetimes does.
        """
        cols = self._read(data, frequency, recency, T)
        require_rows(cols["frequency"].size, "customers")
        w = optional_weights(data, weights, cols["frequency"].size)
        result = core.fit_counts(
            self.kind,
            cols["frequency"],
            cols["recency"],
            cols["T"],
            weights=w,
            **fit_options(self, initial_params, max_iter, tol),
        )
        self.record_fit(result)
        self.data = cols
        self.weights = w
        return self

    @staticmethod
    def _read(data: Any, frequency: Any, recency: Any, T: Any) -> dict[str, np.ndarray]:
        cols = {
            "frequency": column(data, frequency, "frequency"),
            "recency": column(data, recency, "recency"),
            "T": column(data, T, "T"),
        }
        sizes = {k: v.size for k, v in cols.items()}
        if len(set(sizes.values())) > 1:
            raise InputError(f"columns of different lengths: {sizes}")
        return cols

    def _customers(self, data: Any, frequency: Any, recency: Any, T: Any) -> dict[str, np.ndarray]:
        if data is None and all(isinstance(c, str) for c in (frequency, recency, T)):
            fitted = getattr(self, "data", None)
            if fitted is None:
                raise ParameterError("pass the customers (data=...): this model was not fitted on any")
            return fitted
        return self._read(data, frequency, recency, T)

    def p_alive(
        self, data: Any = None, *, frequency: Any = "frequency", recency: Any = "recency", T: Any = "T"
    ) -> np.ndarray:
        """P(alive at T | x, t_x, T) for each customer (default: the customers fitted)."""
        c = self._customers(data, frequency, recency, T)
        return core.counts_p_alive(self.kind, self.param_vector(), c["frequency"], c["recency"], c["T"])

    def conditional_expected_purchases(
        self, t: float, data: Any = None, *, frequency: Any = "frequency", recency: Any = "recency", T: Any = "T"
    ) -> np.ndarray:
        """Expected repeat purchases of each customer in the next ``t`` time units, given
        their history (default: the customers fitted)."""
        c = self._customers(data, frequency, recency, T)
        return core.counts_conditional_expected(
            self.kind, self.param_vector(), float(t), c["frequency"], c["recency"], c["T"]
        )

    def expected_purchases(self, t: Any) -> np.ndarray:
        """E[X(t)]: expected repeat purchases in the first ``t`` time units of a customer
        drawn from the population (one value per t; the model line of tracking plots)."""
        tt = np.atleast_1d(np.asarray(t, dtype=np.float64)).ravel()
        return core.counts_expected(self.kind, self.param_vector(), np.ascontiguousarray(tt))

    def probability_of_purchases(self, n: Any, t: Any) -> np.ndarray:
        """P(X(t) = n): probability that a customer drawn from the population makes ``n``
        repeat purchases in her first ``t`` time units (``n`` and ``t`` broadcast)."""
        nn, tt = np.broadcast_arrays(np.asarray(n, dtype=np.float64), np.asarray(t, dtype=np.float64))
        out = core.counts_pmf(
            self.kind, self.param_vector(), np.ascontiguousarray(nn.ravel()), np.ascontiguousarray(tt.ravel())
        )
        return out.reshape(nn.shape)

    def predict(self, t: float, data: Any = None, **columns: Any) -> TableResult:
        """Per customer: the history, P(alive) and the expected purchases in the next ``t``."""
        c = self._customers(
            data, columns.get("frequency", "frequency"), columns.get("recency", "recency"), columns.get("T", "T")
        )
        p = self.param_vector()
        return TableResult(
            {
                **c,
                "p_alive": core.counts_p_alive(self.kind, p, c["frequency"], c["recency"], c["T"]),
                "expected_purchases": core.counts_conditional_expected(
                    self.kind, p, float(t), c["frequency"], c["recency"], c["T"]
                ),
            },
            title=f"{type(self).__name__}: expected purchases in the next {t:g} time units",
        )


class BetaGeo(CountModel):
    """BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way").

    While alive, a customer buys at rate λ ~ Gamma(r, alpha); after each repeat purchase
    she drops out with probability p ~ Beta(a, b). Parameters ``r, alpha, a, b``.

    >>> import numpy as np
    >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> float(np.round(m.expected_purchases(39.0)[0], 3))
    1.197
    """

    kind = "bg_nbd"
    param_names = ("r", "alpha", "a", "b")


class ModifiedBetaGeo(CountModel):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD where a customer may also drop
    out right after her first purchase, so that customers without repeat purchases are
    not all alive. Parameters ``r, alpha, a, b``."""

    kind = "mbg_nbd"
    param_names = ("r", "alpha", "a", "b")


class ParetoNBD(CountModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987; likelihood after Fader & Hardie
    2005, "A Note on Deriving the Pareto/NBD Model and Related Expressions").

    While alive, a customer buys at rate λ ~ Gamma(r, alpha); her lifetime is exponential
    with rate μ ~ Gamma(s, beta). Parameters ``r, alpha, s, beta``.
    """

    kind = "pareto_nbd"
    param_names = ("r", "alpha", "s", "beta")
