"""What every model shares: reading columns, the fitted state and the parameter table.

This is the one module of :mod:`fidelite.models` that imports from the rest of the
package (the compiled kernels, the exceptions and the result table), so that a move of
those modules touches only the imports below.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any, Self

import numpy as np

from .. import _core
from ..exceptions import (
    ColumnNotFoundError,
    EmptyInputError,
    InputError,
    ParameterError,
)
from ..results import TableResult

__all__ = [
    "ColumnNotFoundError",
    "EmptyInputError",
    "InputError",
    "Model",
    "ParameterError",
    "TableResult",
    "column",
    "column_names",
    "core",
    "fit_options",
    "optional_weights",
    "require_rows",
]

core = _core
"""The compiled kernels (``fidelite._core``)."""


def column_names(data: Any) -> list[str]:
    """The column names of a pandas / polars / pyarrow table, a dict or a fidelite table."""
    for attr in ("columns", "column_names"):
        names = getattr(data, attr, None)
        if names is not None:
            return [str(c) for c in names]
    if isinstance(data, Mapping):
        return [str(k) for k in data]
    try:
        return [str(c) for c in data]
    except TypeError:
        return []


def column(data: Any, spec: Any, role: str) -> np.ndarray:
    """The float64 values of one column: ``spec`` names a column of ``data`` or holds the
    values themselves. Missing values are an :class:`InputError` naming the first one."""
    if isinstance(spec, str):
        if data is None:
            raise ParameterError(f"{role}={spec!r} names a column, but no data was given")
        try:
            raw = data[spec]
        except (KeyError, IndexError, TypeError, ValueError) as e:
            have = ", ".join(column_names(data)) or "none"
            raise ColumnNotFoundError(
                f"no column {spec!r} for {role} (columns: {have}); pass {role}='<your column>'"
            ) from e
    else:
        raw = spec
    to_numpy = getattr(raw, "to_numpy", None)
    if to_numpy is not None and not isinstance(raw, np.ndarray):
        try:
            raw = to_numpy(zero_copy_only=False)  # pyarrow
        except TypeError:
            raw = to_numpy()
    try:
        values = np.ascontiguousarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError(f"{role} must hold numbers: {e}") from e
    if values.ndim != 1:
        raise InputError(f"{role} must be one value per row, got an array of shape {values.shape}")
    missing = np.flatnonzero(np.isnan(values))
    if missing.size:
        raise InputError(
            f"{role} has {missing.size} missing value(s) (first at row {missing[0]}): "
            "drop those rows or fill them before fitting"
        )
    return values


def optional_weights(data: Any, weights: Any, n: int) -> np.ndarray | None:
    """Weights as a column name or values (customers per row), or None."""
    if weights is None:
        return None
    w = column(data, weights, "weights")
    if w.size != n:
        raise InputError(f"weights has {w.size} values for {n} rows")
    return w


def require_rows(n: int, what: str) -> None:
    if n == 0:
        raise EmptyInputError(f"no {what} to fit: the data is empty")


class Model:
    """Base class of the fitted models: parameters, fit diagnostics and the summary table.

    A model is fitted with ``.fit(...)`` or built from known parameters with
    :meth:`from_params` (to predict with published estimates, or compare with another
    library at the same parameters).
    """

    param_names: tuple[str, ...] = ()

    def __init__(self, *, penalizer_coef: float = 0.0) -> None:
        if not (penalizer_coef >= 0 and math.isfinite(penalizer_coef)):
            raise ParameterError(f"penalizer_coef must be a finite number >= 0, not {penalizer_coef!r}")
        self.penalizer_coef = float(penalizer_coef)
        self.fit_result: dict[str, Any] | None = None
        self.values: np.ndarray | None = None

    @classmethod
    def from_params(cls, **params: float) -> Self:
        """A model with these parameters (no fit): ``BetaGeo.from_params(r=0.24, alpha=4.41, a=0.79, b=2.43)``."""
        if set(params) != set(cls.param_names):
            raise ParameterError(
                f"{cls.__name__} takes the parameters {', '.join(cls.param_names)}; got {', '.join(params) or 'none'}"
            )
        values = np.array([float(params[k]) for k in cls.param_names])
        if not np.all((values > 0) & np.isfinite(values)):
            raise ParameterError(f"{cls.__name__} parameters must be positive and finite: {params}")
        model = cls()
        model.values = values
        return model

    def record_fit(self, result: dict[str, Any]) -> None:
        """Keeps a kernel fit result (the dict of ``fidelite._core.fit_*``)."""
        self.fit_result = result
        self.values = np.asarray(result["params"], dtype=np.float64)

    def param_vector(self) -> list[float]:
        """The parameters in the model's order, as the kernels take them."""
        if self.values is None:
            raise ParameterError(f"{type(self).__name__} has no parameters yet: call .fit(data) or .from_params(...)")
        return [float(v) for v in self.values]

    @property
    def params(self) -> dict[str, float]:
        """The estimates (or given parameters), by name."""
        return dict(zip(self.param_names, self.param_vector()))

    def _fitted(self, key: str) -> Any:
        if self.fit_result is None:
            raise ParameterError(f"{type(self).__name__} was not fitted: {key} exists only after .fit(data)")
        return self.fit_result[key]

    @property
    def log_likelihood(self) -> float:
        """The maximised log-likelihood Σ w ℓ (without the penalty)."""
        return float(self._fitted("log_likelihood"))

    @property
    def covariance(self) -> np.ndarray:
        """Covariance matrix of the estimates: the inverse observed information of the
        (penalised) log-likelihood at the optimum, by the delta method from the log scale
        the optimiser works on. NaN when the Hessian is not positive definite."""
        return np.asarray(self._fitted("covariance"))

    @property
    def standard_errors(self) -> dict[str, float]:
        """Standard errors of the estimates, by name (square roots of the covariance diagonal)."""
        return dict(zip(self.param_names, np.sqrt(np.diag(self.covariance)).tolist()))

    @property
    def converged(self) -> bool:
        """The optimiser stopped at a stationary point with a positive definite Hessian and
        no parameter on the search bounds (1e-10, 1e10); ``fit_info["message"]`` says why not."""
        return bool(self._fitted("converged"))

    @property
    def fit_info(self) -> dict[str, Any]:
        """Diagnostics: message, iterations, evaluations, gradient_norm, starts, starts_at_optimum."""
        keys = ("message", "iterations", "evaluations", "gradient_norm", "starts", "starts_at_optimum")
        return {k: self._fitted(k) for k in keys}

    def summary(self, ci: float = 0.95) -> TableResult:
        """One row per parameter: estimate, standard error and a ``ci`` interval computed on
        the log scale (exp(ln θ ± z SE/θ), always positive, as the fit works on ln θ)."""
        if not 0 < ci < 1:
            raise ParameterError(f"ci must be between 0 and 1, not {ci}")
        est = np.asarray(self.param_vector())
        se = np.sqrt(np.diag(self.covariance))
        z = NormalDist().inv_cdf(0.5 + ci / 2)
        return TableResult(
            {
                "parameter": np.array(self.param_names, dtype=object),
                "estimate": est,
                "std_error": se,
                "lower": est * np.exp(-z * se / est),
                "upper": est * np.exp(z * se / est),
            },
            title=f"{type(self).__name__}: log-likelihood {self.log_likelihood:,.2f}",
        )

    def __repr__(self) -> str:
        if self.values is None:
            return f"{type(self).__name__}(not fitted)"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        if self.fit_result is None:
            return f"{type(self).__name__}({ps})"
        state = "converged" if self.converged else "NOT converged"
        return f"{type(self).__name__}({ps}; log-likelihood {self.log_likelihood:.2f}, {state})"


def fit_options(
    model: Model, initial_params: Mapping[str, float] | Sequence[float] | None, max_iter: int, tol: float
) -> dict[str, Any]:
    """The keyword arguments of a ``fidelite._core.fit_*`` call."""
    starts = None
    if initial_params is not None:
        if isinstance(initial_params, Mapping):
            missing = set(model.param_names) - set(initial_params)
            if missing:
                raise ParameterError(f"initial_params lacks {', '.join(sorted(missing))}")
            starts = [[float(initial_params[k]) for k in model.param_names]]
        else:
            starts = [[float(v) for v in initial_params]]
    return {"penalizer": model.penalizer_coef, "starts": starts, "max_iter": int(max_iter), "tol": float(tol)}
