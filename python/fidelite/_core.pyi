"""Type stubs of the compiled extension ``fidelite._core`` (checked by mypy.stubtest).

Every function releases the GIL while its kernel runs; array inputs must be C-contiguous
and of the dtype shown, and must not be mutated by another thread during the call.

Calendar kernels take two shared arguments, each read by attribute: ``events`` (anything
with ``ts``, ``codes`` or ``indptr``, and ``n_customers``: ``EventLog.events()`` or
``EventLog.grouped()``) and ``query`` (anything with ``calendar``, ``as_of``, ``t_range``
and ``origin``: a ``fidelite.query.Query``).
"""

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

__version__: str
build_profile: str

class EventsLike(Protocol):
    @property
    def ts(self) -> npt.NDArray[np.int64]: ...
    @property
    def codes(self) -> npt.NDArray[np.uint32] | None: ...
    @property
    def indptr(self) -> npt.NDArray[np.int64] | None: ...
    @property
    def n_customers(self) -> int: ...

class QueryLike(Protocol):
    @property
    def calendar(self) -> Calendar: ...
    @property
    def as_of(self) -> int: ...
    @property
    def t_range(self) -> tuple[int, int]: ...
    @property
    def origin(self) -> int | None: ...

@disjoint_base
class Calendar:
    def __new__(cls, period: str, tz: str, week_start: int = 0, t_range: tuple[int, int] = ...) -> Calendar: ...
    @property
    def period(self) -> str: ...
    @property
    def tz(self) -> str: ...
    @property
    def week_start(self) -> int: ...
    @property
    def t_range(self) -> tuple[int, int]: ...
    def periods_of(self, ts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]: ...
    def period_of(self, t: int) -> int: ...
    def periods_of_days(self, days: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]: ...
    def local_day(self, t: int) -> int: ...
    def day_start(self, day: int) -> int: ...
    def axis(self, first: int, count: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
    def period_labels(self, first: int, count: int) -> list[str]: ...
    def complete(self, first: int, count: int, as_of: int) -> npt.NDArray[np.bool_]: ...
    def __reduce__(self) -> tuple[type[Calendar], tuple[str, str, int, tuple[int, int]]]: ...

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
def active_bitmaps(
    events: EventsLike, query: QueryLike, *, mask: npt.NDArray[np.bool_] | None = None
) -> tuple[int, npt.NDArray[np.uint64]]: ...
def cohort_matrix(events: EventsLike, query: QueryLike, spec: dict[str, Any]) -> dict[str, Any]: ...
def cohort_members(
    events: EventsLike, query: QueryLike, spec: dict[str, Any], *, segment_code: int, cohort: int, bucket: int
) -> dict[str, npt.NDArray[Any]]: ...
def cohort_matrix_bitmaps(
    start_bits: npt.NDArray[np.uint64],
    return_bits: npt.NDArray[np.uint64],
    query: QueryLike,
    *,
    p_lo: int,
    n_periods: int,
    mode: str = "first",
    criterion: str = "on",
    brackets: list[int] | None = None,
    segment: npt.NDArray[np.uint32] | None = None,
    n_segments: int = 1,
) -> dict[str, Any]: ...
def lifecycle(events: EventsLike, query: QueryLike, *, mask: npt.NDArray[np.bool_] | None = None) -> dict[str, Any]: ...
def lifecycle_bitmaps(
    bits: npt.NDArray[np.uint64], query: QueryLike, *, p_lo: int, n_periods: int
) -> dict[str, Any]: ...
def customer_summary(
    events: EventsLike,
    query: QueryLike,
    *,
    purchase_mask: npt.NDArray[np.bool_] | None = None,
    amount: npt.NDArray[np.float64] | None = None,
    product: npt.NDArray[np.int32] | None = None,
    n_products: int = 0,
) -> dict[str, npt.NDArray[Any]]: ...
def period_kpis(
    events: EventsLike,
    query: QueryLike,
    *,
    window_us: int = 0,
    active_mask: npt.NDArray[np.bool_] | None = None,
    purchase_mask: npt.NDArray[np.bool_] | None = None,
    amount: npt.NDArray[np.float64] | None = None,
) -> dict[str, Any]: ...
def rolling_active(
    events: EventsLike, query: QueryLike, *, window_days: int, mask: npt.NDArray[np.bool_] | None = None
) -> tuple[int, npt.NDArray[np.int64]]: ...
def active_per_period(
    events: EventsLike,
    query: QueryLike,
    *,
    reach_us: int,
    first_period: int,
    n_periods: int,
    mask: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.int64]: ...
def stickiness(
    events: EventsLike, query: QueryLike, *, short: str = "day", mask: npt.NDArray[np.bool_] | None = None
) -> dict[str, Any]: ...

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
