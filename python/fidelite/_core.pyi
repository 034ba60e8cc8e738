"""Type stubs of the compiled extension ``fidelite._core`` (checked by mypy.stubtest).

Every function releases the GIL while its kernel runs; array inputs must be C-contiguous
and of the dtype shown, and must not be mutated by another thread during the call.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str
build_profile: str

def factorize_i64(ids: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]: ...
def factorize_bytes(
    offsets: npt.NDArray[np.int64], data: npt.NDArray[np.uint8]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]: ...
def group_by_customer(
    codes: npt.NDArray[np.uint32],
    ts: npt.NDArray[np.int64],
    n_customers: int,
    *,
    ties: list[npt.NDArray[np.float64] | npt.NDArray[np.int32]] = ...,
    carry: list[npt.NDArray[np.float64]] = ...,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32], npt.NDArray[np.int64], list[npt.NDArray[np.float64]]]: ...
def take(
    values: npt.NDArray[np.float64] | npt.NDArray[np.int32] | npt.NDArray[np.int64], perm: npt.NDArray[np.uint32]
) -> npt.NDArray[Any]: ...
def scan_i64(values: npt.NDArray[np.int64], sentinel: int) -> tuple[int, int | None, int | None]: ...
def scan_f64(values: npt.NDArray[np.float64]) -> tuple[int, int, int]: ...
def periods_of(ts: npt.NDArray[np.int64], *, tz: str, period: str, week_start: int) -> npt.NDArray[np.int64]: ...
def period_bounds(
    first: int, count: int, *, tz: str, period: str, week_start: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def cohort_matrix(
    indptr: npt.NDArray[np.int64],
    ts: npt.NDArray[np.int64],
    *,
    t_range: tuple[int, int],
    tz: str,
    period: str,
    week_start: int,
    as_of: int,
    window_us: int = 0,
    mode: str = "first",
    criterion: str = "on",
    offset0: str = "cohort",
    measure: str = "customers",
    brackets: list[int] | None = None,
    start_mask: npt.NDArray[np.bool_] | None = None,
    return_mask: npt.NDArray[np.bool_] | None = None,
    amount: npt.NDArray[np.float64] | None = None,
    signup: npt.NDArray[np.int64] | None = None,
    segment: npt.NDArray[np.uint32] | None = None,
    n_segments: int = 1,
) -> dict[str, Any]: ...
def lifecycle(
    indptr: npt.NDArray[np.int64],
    ts: npt.NDArray[np.int64],
    *,
    t_range: tuple[int, int],
    tz: str,
    period: str,
    week_start: int,
    as_of: int,
    mask: npt.NDArray[np.bool_] | None = None,
) -> dict[str, Any]: ...
def customer_summary(
    ts: npt.NDArray[np.int64],
    *,
    n_customers: int,
    t_range: tuple[int, int],
    tz: str,
    period: str,
    week_start: int,
    as_of: int,
    codes: npt.NDArray[np.uint32] | None = None,
    indptr: npt.NDArray[np.int64] | None = None,
    purchase_mask: npt.NDArray[np.bool_] | None = None,
    amount: npt.NDArray[np.float64] | None = None,
    product: npt.NDArray[np.int32] | None = None,
    n_products: int = 0,
) -> dict[str, npt.NDArray[Any]]: ...
def period_kpis(
    indptr: npt.NDArray[np.int64],
    ts: npt.NDArray[np.int64],
    *,
    t_range: tuple[int, int],
    tz: str,
    period: str,
    week_start: int,
    as_of: int,
    window_us: int = 0,
    active_mask: npt.NDArray[np.bool_] | None = None,
    purchase_mask: npt.NDArray[np.bool_] | None = None,
    amount: npt.NDArray[np.float64] | None = None,
) -> dict[str, Any]: ...
def rolling_active(
    ts: npt.NDArray[np.int64],
    *,
    n_customers: int,
    t_range: tuple[int, int],
    tz: str,
    as_of: int,
    window_days: int,
    codes: npt.NDArray[np.uint32] | None = None,
    indptr: npt.NDArray[np.int64] | None = None,
    mask: npt.NDArray[np.bool_] | None = None,
) -> tuple[int, npt.NDArray[np.int64]]: ...
def active_bitmaps(
    ts: npt.NDArray[np.int64],
    *,
    n_customers: int,
    t_range: tuple[int, int],
    tz: str,
    period: str,
    week_start: int,
    as_of: int,
    codes: npt.NDArray[np.uint32] | None = None,
    indptr: npt.NDArray[np.int64] | None = None,
    mask: npt.NDArray[np.bool_] | None = None,
) -> tuple[int, npt.NDArray[np.uint64]]: ...
def cohort_matrix_bitmaps(
    start_bits: npt.NDArray[np.uint64],
    return_bits: npt.NDArray[np.uint64],
    *,
    p_lo: int,
    n_periods: int,
    t_range: tuple[int, int],
    tz: str,
    period: str,
    week_start: int,
    as_of: int,
    mode: str = "first",
    criterion: str = "on",
    brackets: list[int] | None = None,
    segment: npt.NDArray[np.uint32] | None = None,
    n_segments: int = 1,
) -> dict[str, Any]: ...
def lifecycle_bitmaps(bits: npt.NDArray[np.uint64], *, p_lo: int, n_periods: int) -> dict[str, Any]: ...

# models (fidelite.models): every column float64; fits return a dict with params,
# covariance, log_likelihood, converged, message, iterations, evaluations,
# gradient_norm, starts, starts_at_optimum
_F64 = npt.NDArray[np.float64]

def fit_counts(
    model: str,
    frequency: _F64,
    recency: _F64,
    T: _F64,
    *,
    weights: _F64 | None = None,
    penalizer: float = 0.0,
    starts: list[list[float]] | None = None,
    max_iter: int = 500,
    tol: float = 1e-9,
) -> dict[str, Any]: ...
def counts_log_likelihood(
    model: str, params: list[float], frequency: _F64, recency: _F64, T: _F64, *, weights: _F64 | None = None
) -> tuple[float, _F64]: ...
def counts_p_alive(model: str, params: list[float], frequency: _F64, recency: _F64, T: _F64) -> _F64: ...
def counts_conditional_expected(
    model: str, params: list[float], t: float, frequency: _F64, recency: _F64, T: _F64
) -> _F64: ...
def counts_expected(model: str, params: list[float], t: _F64) -> _F64: ...
def counts_pmf(model: str, params: list[float], n: _F64, t: _F64) -> _F64: ...
def fit_bgbb(
    frequency: _F64,
    recency: _F64,
    n_periods: _F64,
    *,
    weights: _F64 | None = None,
    penalizer: float = 0.0,
    starts: list[list[float]] | None = None,
    max_iter: int = 500,
    tol: float = 1e-9,
) -> dict[str, Any]: ...
def bgbb_log_likelihood(
    params: list[float], frequency: _F64, recency: _F64, n_periods: _F64, *, weights: _F64 | None = None
) -> tuple[float, _F64]: ...
def bgbb_p_alive(params: list[float], m: float, frequency: _F64, recency: _F64, n_periods: _F64) -> _F64: ...
def bgbb_conditional_expected(
    params: list[float], m: float, frequency: _F64, recency: _F64, n_periods: _F64
) -> _F64: ...
def bgbb_expected(params: list[float], n: _F64) -> _F64: ...
def bgbb_pmf(params: list[float], x: _F64, n: _F64) -> _F64: ...
def fit_gamma_gamma(
    frequency: _F64,
    monetary_value: _F64,
    *,
    weights: _F64 | None = None,
    penalizer: float = 0.0,
    starts: list[list[float]] | None = None,
    max_iter: int = 500,
    tol: float = 1e-9,
) -> dict[str, Any]: ...
def gamma_gamma_log_likelihood(
    params: list[float], frequency: _F64, monetary_value: _F64, *, weights: _F64 | None = None
) -> tuple[float, _F64]: ...
def gamma_gamma_spend(params: list[float], frequency: _F64, monetary_value: _F64) -> _F64: ...
def fit_survival(
    model: str,
    survivors: _F64,
    offsets: npt.NDArray[np.int64],
    *,
    penalizer: float = 0.0,
    starts: list[list[float]] | None = None,
    max_iter: int = 500,
    tol: float = 1e-9,
) -> dict[str, Any]: ...
def survival_log_likelihood(
    params: list[float], survivors: _F64, offsets: npt.NDArray[np.int64]
) -> tuple[float, _F64]: ...
def survival_curve(params: list[float], t: _F64) -> _F64: ...
def survival_retention(params: list[float], t: _F64) -> _F64: ...
def survival_lifetime(params: list[float], horizon: float | None = None) -> float: ...
def survival_derl(params: list[float], discount_rate: float, renewals: _F64) -> _F64: ...
