"""Customer id columns of any kind and any frame -> codes, a null mask and an id index.

Ids may be integers (any width and range), text or binary (UUIDs as 16 bytes), plain or
dictionary-encoded (pandas / polars categoricals), held by numpy, pandas, polars,
pyarrow (chunked or not) or anything with the Arrow PyCapsule interface (a DuckDB
result column). Arrow columns go to the Rust kernels without copying their buffers;
text never becomes Python objects on the way.

>>> import numpy as np
>>> ids = factorize(np.array(["b", "a", "b", None], dtype=object))
>>> ids.index.take(ids.codes[:3]).tolist(), ids.null.tolist()
(['b', 'a', 'b'], [False, False, False, True])
>>> lookup(ids.index, ["a", "zz"]).tolist() == [int(ids.codes[1]), -1]
True

Codes are a function of the set of distinct ids (never of row order, chunking or thread
count) but are not in ascending id order, except for integer ids dense in their range
(``index.ascending``): ``index.sorted_order()`` lists the codes by ascending id.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _core
from .._deps import loaded
from ..exceptions import DTypeError, MissingDependencyError, ParameterError

#: The code of a row whose id is null.
NULL_CODE = np.iinfo(np.uint32).max

IdIndex = _core.IdIndex


@dataclass(frozen=True)
class Ids:
    """A factorised id column: ``codes`` (uint32, ``NULL_CODE`` where the row has no
    readable id), ``null`` (bool mask of the null ids; read-only and free when there are
    none), ``n_null``, the ``index`` (``len(index)`` distinct ids, ``index.take(codes)``
    their labels), and ``inexact`` / ``n_inexact``: float ids that are not exactly an
    integer id (fractions, infinities, beyond ``2**53`` where floats skip integers),
    left out rather than rounded onto another customer's id."""

    codes: np.ndarray
    null: np.ndarray
    n_null: int
    index: IdIndex
    inexact: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    n_inexact: int = 0


#: Float ids beyond this magnitude may stand for several integers: not read.
MAX_EXACT_FLOAT = 2.0**53


def factorize(column: Any) -> Ids:
    """Factorise one id column of any supported kind (see the module doc).

    >>> ids = factorize(np.array([1.0, np.nan, 2.5, 1.0]))
    >>> ids.index.labels().tolist(), ids.n_null, ids.n_inexact, ids.inexact.tolist()
    ([1], 1, 1, [False, False, True, False])
    """
    col = _prepare(column)
    inexact = None
    if isinstance(col, tuple):
        values, valid, *rest = col
        inexact = rest[0] if rest else None
        codes, n_null, index = _core.factorize_int_ids(values, valid)
    else:
        codes, n_null, index = _factorize_arrow(col)
    none = np.broadcast_to(np.False_, codes.shape)
    if inexact is None:
        return Ids(codes, codes == NULL_CODE if n_null else none, int(n_null), index, none, 0)
    n_inexact = int(np.count_nonzero(inexact))
    null = (codes == NULL_CODE) & ~inexact if n_null > n_inexact else none
    return Ids(codes, null, int(n_null) - n_inexact, index, inexact, n_inexact)


def _factorize_arrow(col: Any) -> Any:
    """``_core.factorize_ids``, with pyarrow's refusal to export a column (a pandas column
    of ids of mixed Python types, e.g. a categorical of ints and bools) as a DTypeError."""
    try:
        return _core.factorize_ids(col)
    except Exception as e:
        pa = loaded("pyarrow")
        if pa is None or not isinstance(e, pa.ArrowException):
            raise
        raise DTypeError(
            f"cannot read the customer ids as one type ({e}); cast the column to str or int first, "
            "e.g. df['customer_id'].astype(str)"
        ) from e


def keep_rows(ids: Ids, keep: np.ndarray) -> Ids:
    """The rows of ``ids`` where ``keep`` is True (no null id among them), with the ids
    that no kept row holds dropped from the index and the codes renumbered. The order of
    the ids left is kept, so the result is what factorising the kept rows would give.

    >>> ids = factorize(np.array([30, 10, 20, 10]))
    >>> kept = keep_rows(ids, np.array([True, True, False, True]))
    >>> kept.index.labels().tolist(), kept.codes.tolist()
    ([10, 30], [1, 0, 0])
    """
    codes = ids.codes[keep]
    if (ids.n_null or ids.n_inexact) and np.any(codes == NULL_CODE):
        raise ParameterError("keep_rows: the rows kept must all hold an id (drop the null ids: keep & ~ids.null)")
    used = np.zeros(len(ids.index), bool)
    used[codes] = True
    no_nulls = np.broadcast_to(np.False_, codes.shape)
    if used.all():
        return Ids(codes, no_nulls, 0, ids.index, no_nulls, 0)
    remap = (np.cumsum(used, dtype=np.int64) - 1).astype(np.uint32)
    index = ids.index.subset(np.flatnonzero(used).astype(np.uint32))
    return Ids(remap[codes], no_nulls, 0, index, no_nulls, 0)


def lookup(index: IdIndex, column: Any) -> np.ndarray:
    """The code in ``index`` of each id of ``column`` (int64; -1 where the id is absent
    or null). Ids must be of the index's kind: integers for integer ids, text for text
    (a ``DTypeError`` otherwise)."""
    col = _prepare(column)
    if isinstance(col, tuple):
        values, valid, *rest = col
        codes = index.lookup(values)
        if valid is not None:
            codes[~valid] = -1
        if rest and rest[0] is not None:  # inexact floats match no id
            codes[rest[0]] = -1
        return codes
    return index.lookup(col)


# --------------------------------------------------------------------------- inputs


def _is_arrow(col: Any) -> bool:
    return hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__")


def _prepare(column: Any) -> Any:
    """An Arrow column for the kernels, or ``(int64/uint64 values, valid or None)``."""
    pd = loaded("pandas")
    if pd is not None and isinstance(column, pd.Index):
        column = pd.Series(column, copy=False)
    if pd is not None and isinstance(column, pd.Series):
        return _pandas(column)
    if _is_arrow(column):
        return _arrow(column)
    if isinstance(column, (list, tuple)):
        # as Python objects: numpy text would drop trailing NULs ("a\0" is not "a")
        values = np.empty(len(column), dtype=object)
        values[:] = column
        return _objects(values)
    return _numpy(np.asarray(column) if not isinstance(column, np.ndarray) else column)


def _arrow(col: Any) -> Any:
    """Arrow columns pass as they are, but floating ids (integers with gaps read as
    floats) become integers."""
    pa = loaded("pyarrow")
    if pa is not None and isinstance(col, (pa.Array, pa.ChunkedArray)) and pa.types.is_floating(col.type):
        return _floats(col.to_numpy(zero_copy_only=False))
    pl = loaded("polars")
    if pl is not None and isinstance(col, pl.Series):
        if col.dtype.is_float():
            return _floats(col.to_numpy())
        if isinstance(col.dtype, (pl.Categorical, pl.Enum)) and pa is not None:
            return _polars_categories(col, pa)
    return col


def _polars_categories(col: Any, pa: Any) -> Any:
    """A polars Categorical / Enum as an Arrow dictionary built from its own codes and
    categories (no copy of the codes): polars' own Arrow export of a categorical column
    rebuilds it row by row (measured 2.4 s for 11.7 M rows; this: 0.25 s)."""
    import polars as pl

    cats = col.dtype.categories
    values = cats.to_series() if isinstance(cats, pl.Categories) else cats
    # one dictionary shared by every chunk: the factorisation hashes it once
    dictionary = values.to_arrow()
    keys = col.to_physical().to_arrow()
    return pa.chunked_array(
        [pa.DictionaryArray.from_arrays(k, dictionary) for k in (keys.chunks if hasattr(keys, "chunks") else [keys])]
    )


def _pandas(s: Any) -> Any:
    """A pandas column: numpy-backed ones as numpy (object columns through pyarrow's
    converter, without a Python loop of ours); Arrow-backed, categorical and nullable
    ones as Arrow (pandas 3 exports them through the PyCapsule interface)."""
    dtype = s.dtype
    if isinstance(dtype, np.dtype):
        return _objects(s.to_numpy()) if dtype.kind == "O" else _numpy(s.to_numpy())
    if dtype.kind == "f":
        return _floats(s.to_numpy(dtype=np.float64, na_value=np.nan))
    if hasattr(s, "__arrow_c_stream__"):
        return _arrow(s)
    pa = _pyarrow("read this pandas id column")
    return _arrow(pa.array(s, from_pandas=True))


def _numpy(values: np.ndarray) -> Any:
    if values.ndim != 1:
        raise DTypeError(f"an id column must be one-dimensional, got shape {values.shape}")
    kind = values.dtype.kind
    if kind == "i":
        return np.ascontiguousarray(values, np.int64), None
    if kind == "u":
        return np.ascontiguousarray(values, np.uint64 if values.dtype == np.uint64 else np.int64), None
    if kind == "f":
        return _floats(values)
    if kind in "US":
        return _text(values.astype(object) if kind == "U" else values, binary=kind == "S")
    if kind in "OT":
        return _objects(values.astype(object) if kind == "T" else values)
    raise DTypeError(_type_message(str(values.dtype)))


def _floats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Integer ids read as floats (gaps made them NaN): (int64 ids, valid, inexact), the
    rows whose float is not exactly one integer id marked in ``inexact`` (and not valid)."""
    values = np.asarray(values, np.float64)
    with np.errstate(invalid="ignore"):
        exact = (np.abs(values) <= MAX_EXACT_FLOAT) & (values == np.floor(values))
    nan = np.isnan(values)
    inexact = ~exact & ~nan
    valid = exact
    ints = np.where(valid, values, 0).astype(np.int64)
    return ints, (None if valid.all() else valid), (inexact if inexact.any() else None)


def _objects(values: np.ndarray) -> Any:
    """Python objects: str (or bytes) ids, None / NaN as nulls, or ints."""
    pa = loaded("pyarrow")
    if pa is None:
        try:
            pa = importlib.import_module("pyarrow")  # Arrow's C++ loop beats one by one
        except ImportError:
            pa = None
    if pa is not None:
        try:
            arr = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arr = None  # mixed kinds: the check below says which
        if arr is not None and (
            pa.types.is_string(arr.type)
            or pa.types.is_binary(arr.type)
            or pa.types.is_integer(arr.type)
            or pa.types.is_null(arr.type)
            or pa.types.is_large_string(arr.type)
        ):
            return arr
    null = np.fromiter((v is None or (isinstance(v, float) and np.isnan(v)) for v in values), bool, len(values))
    kinds = {type(v) for v, n in zip(values, null) if not n}
    if kinds <= {str}:
        return _text(values, binary=False, null=null)
    if kinds <= {bytes}:
        return _text(values, binary=True, null=null)
    if all(issubclass(k, (int, float, np.integer, np.floating)) and not issubclass(k, (bool, np.bool_)) for k in kinds):
        if all(issubclass(k, (int, np.integer)) for k in kinds):
            return _python_ints(np.where(null, 0, values)), (None if not null.any() else ~null)
        return _floats(np.where(null, np.nan, values).astype(np.float64))
    names = sorted(k.__name__ for k in kinds)
    raise DTypeError(f"customer ids mix {names}; make them all int or all str (e.g. .astype(str))")


def _python_ints(values: np.ndarray) -> np.ndarray:
    """Python ints as int64, or as uint64 when some exceed int64 and none is negative; ids
    past both (or mixing 2**63 and up with negative ones) are a DTypeError."""
    for dtype in (np.int64, np.uint64):
        try:
            return values.astype(dtype)
        except OverflowError:
            continue
    raise DTypeError(
        "customer ids include integers outside the 64-bit range (or both negative ids and ids of 2**63 "
        "and more); read them as text, e.g. [str(i) for i in ids]"
    )


def _text(values: np.ndarray, *, binary: bool, null: np.ndarray | None = None) -> Any:
    """Text held by Python objects or numpy ``S`` arrays, as an Arrow column built from
    its UTF-8 bytes (pyarrow's converter when installed, else ours)."""
    if null is None:
        null = np.fromiter((v is None for v in values), bool, len(values)) if values.dtype == object else None
    pa = loaded("pyarrow")
    if pa is not None and not binary:
        return pa.array(values, type=pa.large_string(), mask=null)
    raw = [
        b"" if (null is not None and null[i]) else (v if isinstance(v, bytes) else str(v).encode())
        for i, v in enumerate(values)
    ]
    offsets = np.zeros(len(raw) + 1, np.int64)
    np.cumsum([len(b) for b in raw], out=offsets[1:])
    data = np.frombuffer(b"".join(raw), np.uint8)
    return _core.arrow_text(offsets, data, None if null is None else ~null, binary)


def _pyarrow(purpose: str) -> Any:
    try:
        import pyarrow
    except ImportError as e:
        raise MissingDependencyError(f"pyarrow is needed to {purpose}: pip install 'fidelite[arrow]'") from e
    return pyarrow


def _type_message(t: str) -> str:
    return f"customer ids must be integers or strings, got dtype {t}; cast the column to int64 or str"
