"""One column at a time: numpy values of a fixed dtype plus the masks of the rows that could
not be read (nulls, unparseable values), so that the caller can account for every row.

Floats, labels and true/false flags here; instants in :mod:`fidelite.io.instants`,
customer ids in :mod:`fidelite.io.ids`. pandas / polars / pyarrow are only imported when a column is
of their type.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from .. import _core
from .._deps import import_optional, loaded
from ..exceptions import DTypeError

US_PER_DAY = 86_400_000_000
# Instants the kernels accept: years 1 .. 9999.
MIN_US = -62_135_596_800_000_000
MAX_US = 253_402_300_799_000_000


def to_arrow(col: Any, null_as: str | None = None, *, text: bool = False) -> Any | None:
    """An Arrow array for pandas / polars / Arrow columns; None for plain arrays.

    A column holding only nulls has Arrow type ``null`` (e.g. an all-None object
    column); ``null_as`` (an Arrow type alias such as ``"int64"``) gives it a type.
    With ``text=True``, numpy text and object arrays (ids, labels) also go through Arrow
    when pyarrow is installed: its C++ loops replace per-element Python checks.
    """
    pa = loaded("pyarrow")
    if text and isinstance(col, (np.ndarray, list)) and np.asarray(col).dtype.kind in "OUS":
        try:
            pa = importlib.import_module("pyarrow")
        except ImportError:
            return None
        try:
            col = pa.array(np.asarray(col), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
            return None  # mixed Python objects: checked element by element
    if pa is not None and isinstance(col, (pa.Array, pa.ChunkedArray)):
        arr = col
    else:
        pd, pl = loaded("pandas"), loaded("polars")
        if pd is not None and isinstance(col, (pd.Series, pd.Index)):
            pa = import_optional("pyarrow", "read pandas columns")
            if isinstance(col.dtype, np.dtype) and not col.dtype.isnative:  # pyarrow refuses byte-swapped data
                col = col.astype(col.dtype.newbyteorder("="))
            try:
                arr = pa.array(col, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return None  # mixed Python objects: read element by element like a numpy object array
        elif pl is not None and isinstance(col, pl.Series):
            arr = col.to_arrow()
        else:
            return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if null_as is not None and pa.types.is_null(arr.type):
        arr = arr.cast(pa.type_for_alias(null_as))
    return arr


def numpy_view(col: Any, kinds: str) -> Any:
    """The numpy array behind a pandas column of a plain numpy dtype of one of ``kinds``
    (``"M"``, ``"iuf"``), without a copy; else ``col`` itself. Such columns then take the
    numpy path instead of a conversion to Arrow (a copy of the whole column).

    >>> import pandas as pd
    >>> s = pd.Series([1.5, None])
    >>> numpy_view(s, "f").tolist(), type(numpy_view(s.astype("Float64"), "f")).__name__
    ([1.5, nan], 'Series')
    """
    pd = loaded("pandas")
    if (
        pd is not None
        and isinstance(col, (pd.Series, pd.Index))
        and isinstance(col.dtype, np.dtype)
        and col.dtype.kind in kinds
    ):
        return col.to_numpy(copy=False)
    return col


def arrow_numpy(arr: Any, fill: Any) -> tuple[np.ndarray, np.ndarray]:
    """(values with nulls filled, null mask) of a primitive Arrow array."""
    null = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else no_rows(len(arr))
    if arr.null_count:
        arr = import_optional("pyarrow.compute").fill_null(arr, fill)
    return arr.to_numpy(zero_copy_only=False), null


def no_rows(n: int) -> np.ndarray:
    """A read-only all-False mask of ``n`` rows that takes no memory."""
    return np.broadcast_to(np.False_, (n,))


#: numpy's NaT as int64.
NAT = np.iinfo(np.int64).min


def nat_mask(raw: np.ndarray) -> np.ndarray:
    """Where an int64 view of datetimes is NaT; :func:`no_rows` (no memory, one parallel
    counting pass) when it is nowhere."""
    if raw.flags.c_contiguous and not _core.scan_i64(raw, NAT)[0]:
        return no_rows(len(raw))
    return raw == NAT


def bounds(ts: np.ndarray) -> tuple[int, int]:
    """Smallest and largest of a non-empty contiguous int64 column, NaT aside."""
    _, lo, hi = _core.scan_i64(ts, NAT)
    return (0, 0) if lo is None or hi is None else (lo, hi)


def all_false(mask: np.ndarray) -> bool:
    """Whether no row is set; instant for the masks of :func:`no_rows`."""
    if mask.strides == (0,):
        return not (len(mask) and mask[0])
    return not mask.any()


def as_numpy(col: Any) -> np.ndarray:
    """A one-dimensional numpy column in the machine's byte order (big-endian arrays such
    as ``>M8[us]`` or ``>f8`` from a file are converted once: their raw int64 views
    would be misread).

    >>> as_numpy(np.array([1, 2], ">i8")).dtype.byteorder
    '='
    """
    arr = np.asarray(col)
    if arr.ndim != 1:
        raise DTypeError(f"a column must be one-dimensional, got shape {arr.shape}")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def floats(col: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values, mask of the rows without a number: null, or text that is not a
    number) of a numeric column."""
    values, null, bad, *_ = float_column(col, name)
    return values, null if all_false(bad) else null | bad


def float_column(col: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """(contiguous float64 values, null mask, unparseable mask, count of infinite values,
    count of negative values), the counts from the one pass that looks for NaN.

    Numbers may be numbers or text (``" 12.5 "``, ``"1e3"``, ``"-4"``), the same from a
    numpy object array, pandas, polars or Arrow; a blank cell is null; a cell that is not
    a number (``"12,5"``, ``"n/a"``, an object) is *unparseable*, its row's alone.

    >>> v, null, bad, *_ = float_column(np.array(["1.5", " ", "x", 2], dtype=object), "amount")
    >>> v[[0, 3]].tolist(), null.tolist(), bad.tolist()
    ([1.5, 2.0], [False, True, False, False], [False, False, True, False])
    """
    bad = no_rows(_length(col))
    col = numpy_view(col, "iuf")
    arr = to_arrow(col, null_as="float64")
    if arr is not None:
        pa = loaded("pyarrow")
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
            values, null = arrow_numpy(arr.cast(pa.float64()), 0.0)
        elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type):
            values, null, bad = _numbers(arr.to_numpy(zero_copy_only=False))
        else:
            raise DTypeError(_number_type_message(name, f"Arrow type {arr.type}"))
    else:
        v = as_numpy(col)
        if v.dtype.kind in "iuf":
            values, null = v.astype(np.float64, copy=False), no_rows(len(v))
        elif v.dtype.kind in "OUST":
            values, null, bad = _numbers(v.astype(object))
        else:
            raise DTypeError(_number_type_message(name, f"dtype {v.dtype}"))
    values = np.ascontiguousarray(values)
    n_nan, n_infinite, n_negative = _core.scan_f64(values)  # one parallel pass
    nan = np.isnan(values) if n_nan else no_rows(len(values))
    if n_nan and not all_false(bad):
        nan = nan & ~bad
    return values, nan if all_false(null) else null | nan, bad, n_infinite, n_negative


def _length(col: Any) -> int:
    try:
        return len(col)
    except TypeError:
        return len(np.asarray(col))


def _number_type_message(name: str, got: str) -> str:
    return (
        f"the {name} column must hold numbers, got {got}; cast it to float "
        f"(e.g. pandas: df[col].astype(float), polars: pl.col(col).cast(pl.Float64))"
    )


def _numbers(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(float64 values, null mask, unparseable mask) of Python objects: numbers, text
    of numbers, None / NaN / blank text as nulls."""
    pd = import_optional("pandas", "read numbers written as text")
    s = pd.Series(cells, dtype=object).map(lambda x: x.strip() if isinstance(x, str) else x)
    is_bool = s.map(lambda x: isinstance(x, (bool, np.bool_))).to_numpy(dtype=bool)
    null = (s.isna() | (s == "") | s.map(lambda x: isinstance(x, str) and x.lower() == "nan")).to_numpy(dtype=bool)
    parsed = pd.to_numeric(s.mask(null | is_bool, None), errors="coerce")
    values = np.array(parsed.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    bad = (np.isnan(values) & ~null) | is_bool
    values[null | bad] = 0.0
    return values, null, bad


def labels(col: Any, name: str) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """(int32 codes into sorted labels, labels, null mask) of a categorical text column."""
    arr = to_arrow(col, null_as="large_string", text=True)
    if arr is not None:
        pa = loaded("pyarrow")
        pc = import_optional("pyarrow.compute")
        if not (
            pa.types.is_string(arr.type)
            or pa.types.is_large_string(arr.type)
            or pa.types.is_string_view(arr.type)
            or pa.types.is_integer(arr.type)
            or pa.types.is_boolean(arr.type)
        ):
            raise DTypeError(f"the {name} column must hold text labels, got Arrow type {arr.type}")
        null = arr.is_null().to_numpy(zero_copy_only=False)
        enc = pc.dictionary_encode(arr.cast(pa.large_string()))
        raw_labels = np.array(enc.dictionary.to_pylist(), dtype=object)
        idx = enc.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        v = as_numpy(col)
        if v.dtype.kind == "O":
            null = np.array([x is None or (isinstance(x, float) and x != x) for x in v], bool)
            v = np.where(null, "", v).astype(str)
        elif v.dtype.kind in "USiub":
            null = np.zeros(len(v), bool)
            v = v.astype(str)
        else:
            raise DTypeError(f"the {name} column must hold text labels, got dtype {v.dtype}")
        raw_labels, idx = np.unique(v, return_inverse=True)
        raw_labels = raw_labels.astype(object)
    order = np.argsort(raw_labels.astype(str), kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    codes = np.where(null, -1, rank[idx] if len(rank) else 0).astype(np.int32)
    used = np.unique(codes[codes >= 0])
    # drop labels only nulls produced (e.g. the "" filler)
    remap = np.full(len(order) + 1, -1, np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1).astype(np.int32)
    sorted_labels = tuple(str(x) for x in raw_labels[order][used])
    return codes, sorted_labels, null


# --------------------------------------------------------------------------- flags, blanks


_TRUE = ("true", "1", "yes", "y", "t")
_FALSE = ("false", "0", "no", "n", "f")


def flags(col: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(bool values, mask of nulls read as False) of a flag column: booleans, 0/1, or text
    (true/false, yes/no, y/n, t/f, 1/0, any case)."""
    arr = to_arrow(col)
    if arr is not None:
        pa = import_optional("pyarrow")
        null = arr.is_null().to_numpy(zero_copy_only=False)
        if pa.types.is_boolean(arr.type):
            values = arr.fill_null(False).to_numpy(zero_copy_only=False)
            return values.astype(bool) & ~null, null
        col = np.array(arr.to_pylist(), dtype=object)
    v = np.asarray(col)
    if v.dtype.kind == "b":
        return v, np.zeros(len(v), bool)
    if v.dtype.kind in "iuf":
        null = np.isnan(v) if v.dtype.kind == "f" else np.zeros(len(v), bool)
        return (np.nan_to_num(v) != 0) & ~null, null
    if v.dtype.kind in "OUS":
        text = np.array(
            [None if x is None or (isinstance(x, float) and x != x) else str(x).strip().lower() for x in v],
            dtype=object,
        )
        null = np.array([x is None or x == "" for x in text], bool)
        truthy = np.isin(text, _TRUE)
        falsy = np.isin(text, _FALSE) | null
        if not np.all(truthy | falsy):
            bad = text[~(truthy | falsy)][0]
            raise DTypeError(f"the {name} column must be true/false (bool or 0/1); found {bad!r}")
        return truthy, null
    raise DTypeError(f"the {name} column must be true/false (bool or 0/1), got dtype {v.dtype}")


def _missing_object(v: Any) -> bool:
    if v is None or (isinstance(v, float) and v != v):
        return True
    if isinstance(v, str):
        return not v.strip()
    pd = loaded("pandas")
    return pd is not None and (v is pd.NaT or v is getattr(pd, "NA", None))


def missing_mask(col: Any) -> np.ndarray:
    """Cells that are missing: null, NaN / NaT, or a string that is empty or only spaces."""
    arr = to_arrow(col)
    if arr is not None:
        pa = import_optional("pyarrow")
        pc = import_optional("pyarrow.compute")
        missing = pc.is_null(arr, nan_is_null=True)
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type):
            blank = pc.equal(pc.utf8_trim_whitespace(arr), "")
            missing = pc.or_(missing, pc.fill_null(blank, True))
        return missing.to_numpy(zero_copy_only=False).astype(bool)
    v = np.asarray(col)
    if v.dtype.kind == "f":
        return np.isnan(v)
    if v.dtype.kind in "Mm":
        return np.isnat(v)
    if v.dtype.kind in "US":
        return np.char.strip(v.astype(str)) == ""
    if v.dtype.kind == "O":
        return np.array([_missing_object(x) for x in v.tolist()], bool)  # mixed cells, one by one
    return np.zeros(len(v), bool)


def objects(col: Any) -> np.ndarray:
    """A column as a numpy object array of Python values (None for nulls)."""
    arr = to_arrow(col)
    return np.array(arr.to_pylist(), dtype=object) if arr is not None else np.asarray(col, dtype=object)
