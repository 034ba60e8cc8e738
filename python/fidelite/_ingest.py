"""Normalise any supported input into plain numpy columns, once, in one place.

Sources: pandas / polars / pyarrow tables (and record-batch readers), anything with
``__arrow_c_stream__`` (a DuckDB result), dicts of arrays, and ``.csv`` / ``.parquet``
paths. Each column comes out as a numpy array of a fixed dtype plus a mask of the rows
that could not be read (nulls, unparseable values), so that the caller can account for
every row. Optional libraries are only imported when the input is of their type.
"""

from __future__ import annotations

import difflib
import numbers
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._deps import import_optional, loaded
from .exceptions import (
    ColumnNotFoundError,
    DTypeError,
    LengthMismatchError,
    ParameterError,
)

US_PER_DAY = 86_400_000_000
# Instants the kernels accept: years 1 .. 9999.
MIN_US = -62_135_596_800_000_000
MAX_US = 253_402_300_799_000_000
_UNIT_US = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": -1_000}  # negative: divide


@dataclass
class Table:
    """Raw columns by name, all of one length."""

    columns: dict[str, Any]
    n_rows: int
    source: str

    def get(self, name: str, role: str) -> Any:
        try:
            return self.columns[name]
        except KeyError:
            names = list(self.columns)
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ColumnNotFoundError(
                f"column {name!r} (the {role}) is not in the {self.source}; it has "
                f"{', '.join(map(repr, names)) or 'no columns'}.{hint} "
                f"Pass {role}=<column name>."
            ) from None


def _length(col: Any) -> int:
    try:
        return len(col)
    except TypeError:
        raise DTypeError(f"a column must be array-like, got {type(col).__name__}") from None


def read_table(data: Any, *, what: str = "event table") -> Table:
    """Wrap ``data`` as a :class:`Table` without converting any column yet."""
    if isinstance(data, (str, os.PathLike)):
        return _read_path(os.fspath(data), what)
    pd, pl, pa = loaded("pandas"), loaded("polars"), loaded("pyarrow")
    if pd is not None and isinstance(data, pd.DataFrame):
        cols = {str(c): data[c] for c in data.columns}
        return Table(cols, len(data), f"{what} (pandas DataFrame)")
    if pl is not None and isinstance(data, pl.LazyFrame):
        data = data.collect()
    if pl is not None and isinstance(data, pl.DataFrame):
        return Table({c: data.get_column(c) for c in data.columns}, data.height, f"{what} (polars DataFrame)")
    if pa is not None:
        if isinstance(data, pa.RecordBatchReader):
            data = data.read_all()
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if isinstance(data, pa.Table):
            return Table(dict(zip(data.column_names, data.columns)), data.num_rows, f"{what} (Arrow table)")
    if isinstance(data, dict):
        cols = {str(k): v for k, v in data.items()}
        lengths = {k: _length(v) for k, v in cols.items()}
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{k}: {n}" for k, n in lengths.items())
            raise LengthMismatchError(
                f"the columns of the {what} have different lengths ({detail}); every column needs one value per row"
            )
        return Table(cols, next(iter(lengths.values()), 0), f"{what} (dict of arrays)")
    if hasattr(data, "__arrow_c_stream__"):
        pa = import_optional("pyarrow", "read Arrow streams")
        return read_table(pa.table(data), what=what)
    raise DTypeError(
        f"cannot read a {type(data).__name__} as the {what}: pass a pandas, polars or pyarrow table, "
        "an object with __arrow_c_stream__ (e.g. a DuckDB result), a dict of arrays, or a path to a .csv or .parquet file"
    )


def _read_path(path: str, what: str) -> Table:
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path!r}")
    lower = path.lower()
    if lower.endswith((".csv", ".csv.gz", ".tsv")):
        csv = import_optional("pyarrow.csv", "read CSV files")
        parse = csv.ParseOptions(delimiter="\t" if lower.endswith(".tsv") else ",")
        # an empty cell is a null (not the id "" or an unparseable timestamp "")
        table = csv.read_csv(path, parse_options=parse, convert_options=csv.ConvertOptions(strings_can_be_null=True))
    elif lower.endswith((".parquet", ".pq")):
        table = import_optional("pyarrow.parquet", "read Parquet files").read_table(path)
    else:
        raise ParameterError(f"cannot read {path!r}: use a .csv, .tsv, .csv.gz or .parquet file")
    t = read_table(table, what=what)
    t.source = f"{what} ({os.path.basename(path)})"
    return t


# --------------------------------------------------------------------------- columns


def _to_arrow(col: Any, null_as: str | None = None, *, text: bool = False) -> Any | None:
    """An Arrow array for pandas / polars / Arrow columns; None for plain arrays.

    A column holding only nulls has Arrow type ``null`` (e.g. an all-None object
    column); ``null_as`` (an Arrow type alias such as ``"int64"``) gives it a type.
    With ``text=True``, numpy text and object arrays (ids, labels) also go through Arrow
    when pyarrow is installed: its C++ loops replace per-element Python checks.
    """
    pa = loaded("pyarrow")
    if text and isinstance(col, (np.ndarray, list)) and np.asarray(col).dtype.kind in "OUS":
        try:
            import pyarrow as pa
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


def _arrow_numpy(arr: Any, fill: Any) -> tuple[np.ndarray, np.ndarray]:
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
    from . import _core

    if raw.flags.c_contiguous and not _core.scan_i64(raw, NAT)[0]:
        return no_rows(len(raw))
    return raw == NAT


def bounds(ts: np.ndarray) -> tuple[int, int]:
    """Smallest and largest of a non-empty contiguous int64 column, NaT aside."""
    from . import _core

    _, lo, hi = _core.scan_i64(ts, NAT)
    return (0, 0) if lo is None or hi is None else (lo, hi)


def all_false(mask: np.ndarray) -> bool:
    """Whether no row is set; instant for the masks of :func:`no_rows`."""
    if mask.strides == (0,):
        return not (len(mask) and mask[0])
    return not mask.any()


def _as_numpy(col: Any) -> np.ndarray:
    arr = np.asarray(col)
    if arr.ndim != 1:
        raise DTypeError(f"a column must be one-dimensional, got shape {arr.shape}")
    return arr


@dataclass
class Ids:
    """Customer ids of the kept rows as dense codes (ascending id order) and labels."""

    codes: np.ndarray  # uint32
    labels: np.ndarray  # int64 or object (str)


def id_nulls(col: Any) -> tuple[Any, np.ndarray]:
    """Prepare an id column: returns (prepared column, null mask)."""
    arr = _to_arrow(col, null_as="int64", text=True)
    if arr is not None:
        pa = loaded("pyarrow")
        t = arr.type
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            values, null = _arrow_numpy(arr, 0)
            return _int_ids(values, null), null
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            null = arr.is_null().to_numpy(zero_copy_only=False)
            return arr, null
        raise DTypeError(
            f"customer ids must be integers or strings, got Arrow type {t}; cast the column to int64 or str"
        )
    values = _as_numpy(col)
    kind = values.dtype.kind
    if kind in "iuf":
        null = np.isnan(values) if kind == "f" else no_rows(len(values))
        return _int_ids(values, null), null
    if kind in "US":
        return values, no_rows(len(values))
    if kind == "O":
        null = np.array([v is None or (isinstance(v, float) and v != v) for v in values], bool)
        kinds = {type(v) for v, n in zip(values, null) if not n}
        if kinds <= {str}:
            return values, null
        if kinds <= {int, np.int64}:
            return _int_ids(np.where(null, 0, values).astype(np.int64), null), null
        raise DTypeError(
            f"customer ids mix {sorted(k.__name__ for k in kinds)}; make them all int or all str (e.g. .astype(str))"
        )
    raise DTypeError(f"customer ids must be integers or strings, got dtype {values.dtype}; cast the column to int64 or str")


def _int_ids(values: np.ndarray, null: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        ok = values[~null]
        if ok.size and (not np.all(np.isfinite(ok)) or np.any(ok != np.floor(ok))):
            raise DTypeError(
                "customer ids are floats with fractional or infinite values; ids must be integers or strings"
            )
        return np.where(null, 0, values).astype(np.int64)
    if values.dtype == np.uint64 and values.size and values.max() > np.iinfo(np.int64).max:
        raise DTypeError("customer ids exceed the int64 range; pass them as strings")
    return values.astype(np.int64, copy=False)


def factorize_ids(prepared: Any, keep: np.ndarray | None) -> Ids:
    """Dense codes for the kept rows (``keep`` mask; None = all)."""
    from . import _core

    if isinstance(prepared, np.ndarray) and prepared.dtype == np.int64:
        values = prepared if keep is None else prepared[keep]
        codes, uniques = _core.factorize_i64(np.ascontiguousarray(values))
        return Ids(codes, uniques)
    pa = loaded("pyarrow")
    if pa is not None and isinstance(prepared, pa.Array):
        arr = prepared if keep is None else prepared.filter(pa.array(keep))
        arr = arr.cast(pa.large_string())
        bufs = arr.buffers()
        offsets = np.frombuffer(bufs[1], np.int64)[arr.offset : arr.offset + len(arr) + 1]
        data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
        codes, rows = _core.factorize_bytes(np.ascontiguousarray(offsets), data)
        labels = np.array(arr.take(pa.array(rows)).to_pylist(), dtype=object)
        return Ids(codes, labels)
    values = prepared if keep is None else prepared[keep]
    # str objects sort as they are: numpy "U" strings would drop trailing NULs ("a\0" == "a")
    uniques, inverse = np.unique(values if values.dtype.kind in "OU" else values.astype(str), return_inverse=True)
    return Ids(inverse.astype(np.uint32), uniques.astype(object))


def times_us(col: Any, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Instants in µs since the epoch (UTC): (values, null mask, unparseable mask).

    Naive datetimes are UTC; tz-aware ones are converted; dates are local midnight in
    ``tz``; strings are parsed as ISO 8601 (unparseable ones are flagged, not guessed).
    """
    return instants(col, tz)[:3]


def instants(col: Any, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int] | None]:
    """:func:`times_us` plus the bounds of the values when its checks found them on the
    way (a contiguous datetime64[us] column without NaT, the common case), else None."""
    values = _as_numpy(col) if isinstance(col, np.ndarray) else None
    if values is not None and values.dtype == np.dtype("M8[us]") and values.flags.c_contiguous:
        from . import _core

        raw = values.view(np.int64)
        n_nat, lo, hi = _core.scan_i64(raw, NAT)
        if not n_nat and lo is not None and hi is not None:
            return raw, no_rows(len(raw)), no_rows(len(raw)), (lo, hi)
    return (*_times_us(col, tz), None)


def _times_us(col: Any, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pd = loaded("pandas")
    if pd is not None and isinstance(col, (pd.Series, pd.Index)) and col.dtype == object:
        col = col.to_numpy()  # Python objects one by one: Arrow would cut datetimes mixed with dates to dates
    arr = _to_arrow(col, null_as="timestamp[us]")
    if arr is not None:
        pa = loaded("pyarrow")
        t = arr.type
        if pa.types.is_timestamp(t):
            values, null = _arrow_numpy(arr.cast(pa.int64()), 0)
            return _scale(values, t.unit), null, no_rows(len(values))
        if pa.types.is_date(t):
            days, null = _arrow_numpy(arr.cast(pa.date32()).cast(pa.int32()), 0)
            return _local_midnights(days.astype(np.int64), tz), null, no_rows(len(days))
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            null = arr.is_null().to_numpy(zero_copy_only=False)
            return _parse_strings(arr.to_pandas(), null, tz)
        raise DTypeError(_time_type_message(str(t)))
    values = _as_numpy(col)
    kind = values.dtype.kind
    if kind == "M":
        unit = np.datetime_data(values.dtype)[0]
        if unit == "D":
            days = values.view(np.int64)
            null = nat_mask(days)
            return _local_midnights(np.where(null, 0, days), tz), null, no_rows(len(days))
        if unit not in _UNIT_US:
            values = values.astype("datetime64[us]")
            unit = "us"
        raw = values.view(np.int64)
        null = nat_mask(raw)
        return _scale(raw if all_false(null) else np.where(null, 0, raw), unit), null, no_rows(len(raw))
    if kind in "OUS":
        pd = import_optional("pandas", "parse text or object timestamps")
        series = pd.Series(values, dtype=object)
        null = series.isna().to_numpy(dtype=bool) if kind == "O" else no_rows(len(values))
        return _parse_strings(series, null, tz)
    raise DTypeError(_time_type_message(str(values.dtype)))


def _time_type_message(t: str) -> str:
    return (
        f"timestamps must be datetimes, dates or ISO 8601 strings, got {t}; "
        "convert epoch numbers first, e.g. pd.to_datetime(col, unit='s')"
    )


def _scale(values: np.ndarray, unit: str) -> np.ndarray:
    f = _UNIT_US[unit]
    if f == 1:
        return values.astype(np.int64, copy=False)
    if f < 0:
        return np.floor_divide(values, -f)
    with np.errstate(over="ignore"):
        out = values.astype(np.int64) * f
    # overflowed values land far outside the accepted range and are flagged there
    return np.where(np.abs(values) > np.iinfo(np.int64).max // f, np.iinfo(np.int64).max, out)


def _local_midnights(days: np.ndarray, tz: str) -> np.ndarray:
    from . import _core

    if days.size == 0:
        return days.astype(np.int64)
    uniq, inv = np.unique(days, return_inverse=True)
    lo = int(uniq[0])
    _, starts = _core.period_bounds(lo, int(uniq[-1] - lo), tz=tz, period="day", week_start=0)
    return starts[uniq - lo][inv]


def _parse_strings(series: Any, null: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pd = import_optional("pandas", "parse text timestamps")
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        raise DTypeError(_time_type_message(f"{inferred} objects"))
    if inferred not in ("string", "datetime", "date", "empty"):
        # mixed objects: a number is not an instant (never guessed as an epoch): unparseable
        number = series.map(lambda v: isinstance(v, numbers.Number) and not isinstance(v, bool)).to_numpy(dtype=bool)
        series = series.mask(number & ~null, None)
    parsed = pd.to_datetime(series, utc=True, errors="coerce", format="ISO8601")
    raw = parsed.to_numpy(dtype="datetime64[us]").view(np.int64).copy()
    bad = (raw == np.iinfo(np.int64).min) & ~null
    raw[null | bad] = 0
    # a date without a time of day ("2024-01-05", datetime.date) is local midnight in tz,
    # as in a date column
    date_only = (series.astype(str).str.strip().str.len() == 10).to_numpy(dtype=bool) & ~(null | bad)
    if date_only.any():
        raw[date_only] = _local_midnights(raw[date_only] // US_PER_DAY, tz)
    return raw, null, bad


def floats(col: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values, null mask) of a numeric column."""
    return float_column(col, name)[:2]


def float_column(col: Any, name: str) -> tuple[np.ndarray, np.ndarray, int, int]:
    """:func:`floats` (contiguous values) plus the counts of infinite and of negative
    values, from the one pass that looks for NaN."""
    arr = _to_arrow(col, null_as="float64")
    if arr is not None:
        pa = loaded("pyarrow")
        if not (pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type)):
            raise DTypeError(f"the {name} column must be numeric, got Arrow type {arr.type}")
        values, null = _arrow_numpy(arr.cast(pa.float64()), 0.0)
    else:
        v = _as_numpy(col)
        if v.dtype.kind not in "iuf":
            if v.dtype.kind == "O":
                try:
                    v = np.array([np.nan if x is None else x for x in v], dtype=np.float64)
                except (TypeError, ValueError):
                    raise DTypeError(f"the {name} column must be numeric, got non-numeric objects") from None
            else:
                raise DTypeError(f"the {name} column must be numeric, got dtype {v.dtype}")
        values, null = v.astype(np.float64, copy=False), no_rows(len(v))
    from . import _core

    values = np.ascontiguousarray(values)
    n_nan, n_infinite, n_negative = _core.scan_f64(values)  # one parallel pass
    nan = np.isnan(values) if n_nan else no_rows(len(values))
    return values, nan if all_false(null) else null | nan, n_infinite, n_negative


def labels(col: Any, name: str) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """(int32 codes into sorted labels, labels, null mask) of a categorical text column."""
    arr = _to_arrow(col, null_as="large_string", text=True)
    if arr is not None:
        pa = loaded("pyarrow")
        pc = import_optional("pyarrow.compute")
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type)
                or pa.types.is_integer(arr.type) or pa.types.is_boolean(arr.type)):
            raise DTypeError(f"the {name} column must hold text labels, got Arrow type {arr.type}")
        null = arr.is_null().to_numpy(zero_copy_only=False)
        enc = pc.dictionary_encode(arr.cast(pa.large_string()))
        raw_labels = np.array(enc.dictionary.to_pylist(), dtype=object)
        idx = enc.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        v = _as_numpy(col)
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
