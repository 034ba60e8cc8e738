"""Type stubs of the compiled extension ``fidelite._core`` (checked by mypy.stubtest).

Every function releases the GIL while its kernel runs; array inputs must be C-contiguous
and of the dtype shown, and must not be mutated by another thread during the call.
"""

from typing import Any, Literal, final

import numpy as np
import numpy.typing as npt

__version__: str
build_profile: str

def factorize_i64(ids: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]: ...
def factorize_bytes(
    offsets: npt.NDArray[np.int64], data: npt.NDArray[np.uint8]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]: ...
def factorize_ids(column: Any) -> tuple[npt.NDArray[np.uint32], int, IdIndex]: ...
def factorize_int_ids(
    ids: npt.NDArray[np.int64] | npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_] | None = None
) -> tuple[npt.NDArray[np.uint32], int, IdIndex]: ...
def arrow_text(
    offsets: npt.NDArray[np.int64],
    data: npt.NDArray[np.uint8],
    valid: npt.NDArray[np.bool_] | None = None,
    binary: bool = False,
) -> ArrowArray: ...

@final
class IdIndex:
    """The distinct ids of a factorised column, one per code (immutable, thread-safe)."""

    def __len__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, tuple[str, bool, list[bytes]]]: ...
    @property
    def kind(self) -> Literal["int64", "uint64", "text", "binary"]: ...
    @property
    def ascending(self) -> bool: ...
    def sorted_order(self) -> npt.NDArray[np.uint32]: ...
    def labels(self) -> npt.NDArray[Any]: ...
    def take(self, codes: Any) -> npt.NDArray[Any]: ...
    def labels_arrow(self) -> ArrowArray: ...
    def subset(self, codes: npt.NDArray[np.uint32]) -> IdIndex: ...
    def lookup(self, column: Any) -> npt.NDArray[np.int64]: ...
    @classmethod
    def _from_state(cls, kind: str, ascending: bool, payload: list[bytes]) -> IdIndex: ...

@final
class ArrowArray:
    """An Arrow array handed out through the Arrow PyCapsule interface."""

    def __arrow_c_array__(self, requested_schema: Any = None) -> tuple[Any, Any]: ...
    def __len__(self) -> int: ...

@final
class ArrowBuffer:
    """Keeps an Arrow buffer alive under the numpy arrays that view it."""

def read_times(column: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_] | None, Literal["instant", "date"], str | None]: ...
def read_ints(column: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_] | None]: ...
def read_floats(column: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_] | None]: ...
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
