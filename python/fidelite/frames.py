"""Tables out: numpy columns as Arrow, and as the caller's own frame type.

- :func:`arrow_table` builds one Arrow table from numpy columns in Rust (arrow-rs, no
  pyarrow): a :class:`fidelite._core.ArrowTable`, which any Arrow consumer reads through
  the PyCapsule interface (``__arrow_c_stream__``). Every column is normalised here, once.
- :func:`backend_of` names the dataframe library an input comes from, as narwhals names
  it ("pandas", "polars", "pyarrow", "duckdb", ...), or "numpy" for a dict of arrays.
- :func:`to_native` gives an Arrow table back as a frame of that library, through
  narwhals.

How columns map to Arrow (docs/embedding.md): integers, floats and booleans keep their
type (NaN becomes null: a value fidelite could not compute, e.g. a rate over an empty
base); ``datetime64`` becomes ``timestamp`` of the same unit (naive, or in the zone given
for the column) and ``datetime64[D]`` a ``date32``; NaT becomes null; text becomes
``string`` (``large_string`` past 2 GiB). Numeric and time columns are shared with numpy,
not copied: do not write to a result's arrays while a consumer holds its Arrow data.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _core
from ._deps import import_optional
from .exceptions import DTypeError, ParameterError

#: numpy time units Arrow has (coarser or finer ones are converted).
TIME_UNITS = ("s", "ms", "us", "ns")
#: What a dict of arrays comes back as: the columns as they are.
NUMPY = "numpy"
#: The backend of inputs that are not a frame of a library narwhals knows (files,
#: databases, other Arrow streams): fidelite read them as Arrow.
ARROW = "pyarrow"


def arrow_table(columns: Mapping[str, Any], *, timezones: Mapping[str, str] | None = None) -> _core.ArrowTable:
    """One Arrow table of ``columns`` (1-d arrays of one length, in order; an Arrow array
    is taken as it is); ``timezones`` gives the zone of datetime columns that hold UTC
    instants (the others stay naive).

    >>> import numpy as np
    >>> t = arrow_table({"day": np.array(["2024-01-01", "NaT"], "datetime64[D]"), "rate": np.array([0.5, np.nan])})
    >>> len(t), t.types
    (2, ['Date32', 'Float64'])
    """
    zones = dict(timezones or {})
    names, arrays, types = [], [], []
    for name, values in columns.items():
        array, kind = _column(str(name), values)
        if kind is not None and kind.startswith("timestamp") and name in zones:
            kind = f"{kind[:-1]}, {zones[name]}]"
        names.append(str(name))
        arrays.append(array)
        types.append(kind)
    return _core.arrow_table(names, arrays, types)


def _column(name: str, values: Any) -> tuple[Any, str | None]:
    """(the array handed to Rust, its Arrow type when numpy's dtype does not say it)."""
    if hasattr(values, "__arrow_c_array__") and not isinstance(values, np.ndarray):
        return values, None
    a = np.asarray(values)
    if a.ndim != 1:
        raise DTypeError(f"column {name!r} has {a.ndim} dimensions; a table column is 1-d")
    kind = a.dtype.kind
    if kind in "Mm":
        unit = np.datetime_data(a.dtype)[0]
        if kind == "M" and unit in ("Y", "M", "W", "D"):
            days = a.astype("datetime64[D]").view(np.int64)
            nat = days == np.iinfo(np.int64).min
            if not nat.all() and (
                days[~nat].min() < np.iinfo(np.int32).min + 1 or days[~nat].max() > np.iinfo(np.int32).max
            ):
                raise DTypeError(f"column {name!r} has dates outside the range of Arrow's date32")
            return np.where(nat, np.iinfo(np.int32).min, days).astype(np.int32), "date32"
        if unit not in TIME_UNITS:  # hours, minutes, days of a duration; finer than ns
            unit = "s" if unit in ("h", "m", "D", "W") else "ns"
            a = a.astype(f"{a.dtype.str[:3]}[{unit}]")
        return np.ascontiguousarray(a.view(np.int64)), f"{'timestamp' if kind == 'M' else 'duration'}[{unit}]"
    if kind in "US":
        return a.astype(str).astype(object), None
    if kind == "f" and a.dtype.itemsize not in (4, 8):
        a = a.astype(np.float32 if a.dtype.itemsize < 4 else np.float64)
    if kind not in "biufO":
        raise DTypeError(
            f"column {name!r} is of dtype {a.dtype}, which has no Arrow equivalent here; "
            "pass numbers, booleans, datetimes or text"
        )
    # native byte order, C-contiguous, aligned: what Rust can share without copying
    return np.require(a, a.dtype.newbyteorder("="), ["C", "A"]), None


def backend_of(data: Any) -> str:
    """The dataframe library ``data`` comes from, as narwhals names it: "pandas",
    "polars", "pyarrow", "duckdb", "dask", ...; "numpy" for a dict of arrays, and
    "pyarrow" for files, databases and other Arrow streams (fidelite reads those as Arrow).

    >>> backend_of({"customer_id": [1]}), backend_of("events.parquet")
    ('numpy', 'pyarrow')
    """
    if isinstance(data, Mapping):
        return NUMPY
    if isinstance(data, (str, os.PathLike)):
        return ARROW
    nw = import_optional("narwhals.stable.v2", "tell the frame type of the input")
    frame = nw.from_native(data, pass_through=True)
    if isinstance(frame, (nw.DataFrame, nw.LazyFrame)):
        return str(frame.implementation.value)
    return ARROW


def to_native(table: Any, backend: str, *, dates: tuple[str, ...] = ()) -> Any:
    """``table`` (anything with ``__arrow_c_stream__``) as a frame of ``backend`` (a
    library narwhals knows). Eager libraries give their DataFrame; lazy-only ones (DuckDB,
    Dask) their lazy frame, built from a pyarrow table. ``dates`` names calendar-date
    columns: a library without a date type (pandas) gets them as datetimes, as
    ``to_pandas()`` does.
    """
    nw = import_optional("narwhals.stable.v2", "return frames of the caller's library")
    impl = nw.Implementation.from_backend(backend)
    if impl is nw.Implementation.UNKNOWN:
        raise ParameterError(
            f"unknown backend {backend!r}: pass a dataframe library narwhals supports, "
            "e.g. 'pandas', 'polars', 'pyarrow' or 'duckdb'"
        )
    import_optional(impl.value, f"return a {impl.value} frame")
    try:
        frame = nw.from_arrow(table, backend=impl)
    except ValueError as eager_error:  # a lazy-only library: its lazy frame, built from pyarrow
        try:
            return nw.from_arrow(table, backend=ARROW).lazy(backend=impl).to_native()
        except ValueError:
            raise eager_error from None
    schema = frame.schema
    no_date_type = [name for name in dates if schema[name] == nw.Object]
    if no_date_type:
        frame = frame.with_columns(nw.col(*no_date_type).cast(nw.Datetime("s")))
    return frame.to_native()
