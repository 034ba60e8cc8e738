"""Instants: any time column as int64 microseconds since the epoch (UTC), with the masks
of null and unparseable rows.

Naive datetimes are UTC; tz-aware ones are converted; dates are local midnight in the
log's zone; strings are parsed as ISO 8601 (unparseable ones are flagged, never guessed).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import _core
from .._deps import import_optional, loaded
from ..exceptions import DTypeError
from .columns import NAT, US_PER_DAY, all_false, arrow_numpy, as_numpy, nat_mask, no_rows, numpy_view, to_arrow

#: Date-only text (year first; the separators, if any, alike): local midnight.
DATE_ONLY = r"\d{4}([-/]?)\d{1,2}\1\d{1,2}"
_UNIT_US = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": -1_000}  # negative: divide


def times_us(col: Any, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Instants in µs since the epoch (UTC): (values, null mask, unparseable mask).

    Naive datetimes are UTC; tz-aware ones are converted; dates are local midnight in
    ``tz``; strings are parsed as ISO 8601 (unparseable ones are flagged, not guessed).
    """
    return instants(col, tz)[:3]


def instants(col: Any, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int] | None]:
    """:func:`times_us` plus the bounds of the values when its checks found them on the
    way (a contiguous datetime64[us] column without NaT, the common case), else None."""
    col = numpy_view(col, "M")  # a pandas datetime64 column: its numpy values, not a copy
    values = as_numpy(col) if isinstance(col, np.ndarray) else None
    if values is not None and values.dtype == np.dtype("M8[us]") and values.flags.c_contiguous:
        raw = values.view(np.int64)
        n_nat, lo, hi = _core.scan_i64(raw, NAT)
        if not n_nat and lo is not None and hi is not None:
            return raw, no_rows(len(raw)), no_rows(len(raw)), (lo, hi)
    return (*_times_us(col, tz), None)


def _times_us(col: Any, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pd = loaded("pandas")
    if pd is not None and isinstance(col, (pd.Series, pd.Index)) and col.dtype == object:
        col = col.to_numpy()  # Python objects one by one: Arrow would cut datetimes mixed with dates to dates
    arr = to_arrow(col, null_as="timestamp[us]")
    if arr is not None:
        pa = loaded("pyarrow")
        t = arr.type
        if pa.types.is_timestamp(t):
            values, null = arrow_numpy(arr.cast(pa.int64()), 0)
            return _scale(values, t.unit), null, no_rows(len(values))
        if pa.types.is_date(t):
            days, null = arrow_numpy(arr.cast(pa.date32()).cast(pa.int32()), 0)
            return _local_midnights(days.astype(np.int64), tz), null, no_rows(len(days))
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            null = arr.is_null().to_numpy(zero_copy_only=False)
            return _parse_strings(arr.to_pandas(), null, tz)
        raise DTypeError(_time_type_message(str(t)))
    values = as_numpy(col)
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
    if days.size == 0:
        return days.astype(np.int64)
    uniq, inv = np.unique(days, return_inverse=True)
    # one start per distinct day (never per day of the span: a placeholder in year
    # 100,000,000 must not size anything); days past the ends of i64 µs saturate and are
    # rejected as out of range with the other instants
    edge = np.iinfo(np.int64).max // US_PER_DAY - 2
    lo, hi = (min(max(int(d), -edge), edge) for d in (uniq[0], uniq[-1]))
    days_of = _core.Calendar("day", tz, 0, ((lo - 1) * US_PER_DAY, (hi + 2) * US_PER_DAY))
    return days_of.day_starts(uniq)[inv]


def _parse_strings(series: Any, null: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pd = import_optional("pandas", "parse text timestamps")
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        raise DTypeError(_time_type_message(f"{inferred} objects"))
    if inferred not in ("string", "datetime", "date", "empty"):
        # mixed objects: a number is not an instant (never guessed as an epoch): unparseable
        number = series.map(lambda v: isinstance(v, numbers.Number) and not isinstance(v, bool)).to_numpy(dtype=bool)
        series = series.mask(number & ~null, None)
    series = series.map(lambda v: v.strip() if isinstance(v, str) else v)  # blanks around a date
    parsed = pd.to_datetime(series, utc=True, errors="coerce", format="ISO8601")
    raw = parsed.to_numpy(dtype="datetime64[us]").view(np.int64).copy()
    bad = (raw == np.iinfo(np.int64).min) & ~null
    raw[null | bad] = 0
    # a date without a time of day ("2024-01-05", "20240105", "2024-1-5", "2024/01/05",
    # datetime.date) is local midnight in tz, as in a date column; day-first or
    # month-first forms ("01/02/2024") are ambiguous: unparseable above, never guessed
    date_only = series.astype(str).str.fullmatch(DATE_ONLY).to_numpy(dtype=bool) & ~(null | bad)
    if date_only.any():
        raw[date_only] = _local_midnights(raw[date_only] // US_PER_DAY, tz)
    return raw, null, bad
