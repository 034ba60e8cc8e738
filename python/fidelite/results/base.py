"""The base of every result: numpy arrays plus labels, exported to pandas / polars,
rendered as text and HTML.

Two generic shapes serve most metrics: :class:`TableResult` (named columns of equal
length) and :class:`ValueResult` (one headline number, with its parts). Every result
class derives from :class:`Result`, whose :meth:`Result.to_dict` (ordered columns of
equal length) is what every export builds on: pandas, polars, Arrow (every result is an
Arrow table through ``__arrow_c_stream__``, built without pyarrow) and the caller's own
frame type (:meth:`Result.to_native`).
"""

from __future__ import annotations

import html
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import Any, Self

import numpy as np

from .. import frames
from .._deps import import_optional
from ..query.params import choice
from .formatting import cell, has_instants, html_table, text_table, unit_of, value, zone_name


class Result(ABC):
    """Base class: subclasses provide :meth:`to_dict` (ordered columns of equal length).

    Every result is a table for any Arrow consumer: ``pl.DataFrame(result)``,
    ``pa.table(result)``, ``duckdb.sql("select * from result")`` read it through
    ``__arrow_c_stream__``; :meth:`to_native` gives it as a frame of the library the data
    came from. Matrix results have several :attr:`forms` (long and wide), the first the
    default.
    """

    title: str = ""
    #: The tabular forms of the result (:meth:`table`), the default first.
    forms: tuple[str, ...] = ("table",)
    #: The dataframe library of the input the result was computed from ("pandas",
    #: "polars", "pyarrow", "duckdb", ... or "numpy"): what :meth:`to_native` returns.
    #: None when unknown (a result built by hand): :meth:`to_native` then gives pyarrow.
    native_backend: str | None = None

    @abstractmethod
    def to_dict(self) -> dict[str, np.ndarray]:
        """The result's columns (numpy arrays of equal length), in order."""

    def table(self, form: str | None = None) -> dict[str, np.ndarray]:
        """The columns of one of the :attr:`forms` (None: the default, :meth:`to_dict`);
        results with more than one form build the others."""
        if form is None or form == self.forms[0]:
            return self.to_dict()
        choice("form", form, self.forms)
        raise NotImplementedError(f"{type(self).__name__} lists the form {form!r} but does not build it")

    def carry(self, native_backend: str | None) -> Self:
        """Sets :attr:`native_backend` on this result and on the results it holds (its
        parts, segments, histograms...). Returns self."""
        self.native_backend = native_backend
        for attribute in vars(self).values():
            held = attribute.values() if isinstance(attribute, dict) else (attribute,)
            for part in held:
                if isinstance(part, Result):
                    part.carry(native_backend)
        return self

    def to_pandas(self) -> Any:
        """The result as a pandas DataFrame."""
        pd = import_optional("pandas", "export results to pandas")
        return pd.DataFrame(self.to_dict())

    def to_polars(self) -> Any:
        """The result as a polars DataFrame (through the Arrow interface: NaN values,
        which fidelite uses for what it could not compute, are nulls)."""
        pl = import_optional("polars", "export results to polars")
        return pl.DataFrame(frames.arrow_table(self.to_dict()))

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule interface: the default form as an Arrow stream, built
        without pyarrow (numeric columns shared, not copied; NaN and NaT are nulls)."""
        return frames.arrow_table(self.to_dict()).__arrow_c_stream__(requested_schema)

    def to_arrow(self, form: str | None = None) -> Any:
        """One of the :attr:`forms` (None: the default) as a pyarrow Table."""
        pa = import_optional("pyarrow", "export results to pyarrow")
        return pa.table(frames.arrow_table(self.table(form)))

    def to_native(self, form: str | None = None, *, backend: str | None = None) -> Any:
        """One of the :attr:`forms` as a frame of the library the data came in as
        (:attr:`native_backend`): a pandas, polars or pyarrow table, a DuckDB relation...;
        the columns as a dict of numpy arrays for a dict input. ``backend`` asks for
        another library (any that narwhals supports).

        >>> import fidelite, polars as pl
        >>> shop = fidelite.datasets.demo_shop(300, seed=1, frame="polars")
        >>> m = fidelite.retention(shop.events, period="quarter")
        >>> type(m.to_native()).__name__, m.to_native().height == m.counts.size
        ('DataFrame', True)
        >>> list(m.to_native("wide", backend="pandas").columns[:3])
        ['cohort', 'size', '0']
        """
        columns = self.table(form)
        target = backend or self.native_backend or frames.ARROW
        if target == frames.NUMPY:
            return columns
        dates = tuple(k for k, v in columns.items() if v.dtype == "datetime64[D]")
        return frames.to_native(frames.arrow_table(columns), target, dates=dates)

    #: Units of columns whose name does not say it (see :func:`~fidelite.results.formatting.unit_of`).
    units: dict[str, str] = {}
    #: The zone instants are shown in (local time to the minute).
    tz: str | None = None

    def to_html(self) -> str:
        """The result as an HTML table (what Jupyter shows): head and tail when long,
        instants in local time."""
        return html_table(self.to_dict(), title=self.title, units=self.units, tz=self.tz)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        """Head and tail with ``…`` when long, middle columns dropped to fit the
        terminal, the shape below, as pandas and polars print."""
        columns = self.to_dict()
        title = self.title
        if self.tz and has_instants(columns):
            title += f"{' ' if title else ''}(times in {zone_name(self.tz)})"
        table = text_table(columns, units=self.units, tz=self.tz)
        return f"{title}\n{table}" if title else table


class TableResult(Result):
    """Named columns of equal length, with optional headline ``value``.

    >>> t = TableResult({"channel": np.array(["email", "sms"]), "rate": np.array([20.0, 5.0])}, title="reactivity")
    >>> t["rate"].tolist(), len(t)
    ([20.0, 5.0], 2)
    """

    def __init__(
        self,
        columns: Mapping[str, Any],
        *,
        title: str = "",
        value: float | None = None,
        reason: str | None = None,
        meta: Mapping[str, Any] | None = None,
        units: Mapping[str, str] | None = None,
    ) -> None:
        self.columns = {k: np.asarray(v) for k, v in columns.items()}
        lengths = {len(v) for v in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of unequal length: { {k: len(v) for k, v in self.columns.items()} }")
        self.title = title
        self.value = value
        self.reason = reason
        self.meta = dict(meta or {})
        self.units = dict(units or {})
        self.tz = self.meta.get("tz")

    def unit(self, column: str) -> str:
        """The unit of ``column`` (``%`` for percentages 0-100, else a word or "")."""
        return unit_of(column, self.units)

    def to_dict(self) -> dict[str, np.ndarray]:
        return self.columns

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __float__(self) -> float:
        if self.value is None:
            raise TypeError(f"{self.title or 'this table'} has no single headline value")
        return float(self.value)


class ValueResult(Result):
    """One headline number (``.value``, ``float(result)``) and the parts it came from.

    When the base of a rate is empty the value is NaN and ``reason`` says why.

    ``units`` gives the unit of parts whose name does not say it (``{"yearly_churn_rate":
    "%"}``; names ending in ``_rate``, ``_pct`` or ``share`` are percentages anyway).

    >>> r = ValueResult(20.0, title="net reactivity rate", unit="%", parts={"converted": 2000, "contacted": 10000})
    >>> float(r), r.parts["converted"]
    (20.0, 2000)
    >>> r
    net reactivity rate: 20.0% [converted=2,000, contacted=10,000]
    """

    def __init__(
        self,
        value: float,
        *,
        title: str,
        unit: str = "",
        parts: Mapping[str, Any] | None = None,
        reason: str | None = None,
        units: Mapping[str, str] | None = None,
    ) -> None:
        self.value = float(value)
        self.title = title
        self.unit = unit
        self.parts = dict(parts or {})
        self.reason = reason
        self.units = dict(units or {})

    def part(self, name: str) -> str:
        """Part ``name`` formatted with its unit (``48.3%``)."""
        v = self.parts[name]
        unit = unit_of(name, self.units)
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
            return value(v, unit) if unit not in ("", "fraction") else cell(v, unit=unit)
        return cell(v)

    def __float__(self) -> float:
        return self.value

    def to_dict(self) -> dict[str, np.ndarray]:
        cols = {"metric": np.array([self.title], dtype=object), "value": np.array([self.value])}
        for k, v in self.parts.items():
            cols[k] = np.array([v])
        return cols

    def __repr__(self) -> str:
        shown = "NaN" if math.isnan(self.value) else value(self.value, self.unit)
        parts = ", ".join(f"{k}={self.part(k)}" for k in self.parts)
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.title}: {shown}{why}" + (f" [{parts}]" if parts else "")

    def to_html(self) -> str:
        return f"<div class='fidelite-value'><b>{html.escape(repr(self))}</b></div>"


def safe_ratio(num: Any, den: Any, scale: float = 1.0) -> tuple[float, str | None]:
    """``num / den * scale``, or NaN with a reason when the base is empty."""
    if den == 0:
        return math.nan, "empty base: nothing to divide by"
    return float(num) / float(den) * scale, None
