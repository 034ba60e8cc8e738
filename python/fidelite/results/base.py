"""The base of every result: numpy arrays plus labels, exported to pandas / polars,
rendered as text and HTML.

Two generic shapes serve most metrics: :class:`TableResult` (named columns of equal
length) and :class:`ValueResult` (one headline number, with its parts). Every result
class derives from :class:`Result`, whose :meth:`Result.to_dict` (ordered columns of
equal length) is what every export builds on.
"""

from __future__ import annotations

import html
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .._deps import import_optional
from .formatting import cell, html_table, text_table


class Result(ABC):
    """Base class: subclasses provide :meth:`to_dict` (ordered columns of equal length)."""

    title: str = ""

    @abstractmethod
    def to_dict(self) -> dict[str, np.ndarray]:
        """The result's columns (numpy arrays of equal length), in order."""

    def to_pandas(self) -> Any:
        """The result as a pandas DataFrame."""
        pd = import_optional("pandas", "export results to pandas")
        return pd.DataFrame(self.to_dict())

    def to_polars(self) -> Any:
        """The result as a polars DataFrame."""
        pl = import_optional("polars", "export results to polars")
        return pl.DataFrame({k: (v.tolist() if v.dtype == object else v) for k, v in self.to_dict().items()})

    def to_html(self) -> str:
        """The result as an HTML table (what Jupyter shows)."""
        return html_table(self.to_dict(), title=self.title)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"{self.title}\n{text_table(self.to_dict())}" if self.title else text_table(self.to_dict())


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
    ) -> None:
        self.columns = {k: np.asarray(v) for k, v in columns.items()}
        lengths = {len(v) for v in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of unequal length: { {k: len(v) for k, v in self.columns.items()} }")
        self.title = title
        self.value = value
        self.reason = reason
        self.meta = dict(meta or {})

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

    >>> r = ValueResult(20.0, title="net reactivity rate", unit="%", parts={"converted": 2000, "contacted": 10000})
    >>> float(r), r.parts["converted"]
    (20.0, 2000)
    """

    def __init__(
        self,
        value: float,
        *,
        title: str,
        unit: str = "",
        parts: Mapping[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        self.value = float(value)
        self.title = title
        self.unit = unit
        self.parts = dict(parts or {})
        self.reason = reason

    def __float__(self) -> float:
        return self.value

    def to_dict(self) -> dict[str, np.ndarray]:
        cols = {"metric": np.array([self.title], dtype=object), "value": np.array([self.value])}
        for k, v in self.parts.items():
            cols[k] = np.array([v])
        return cols

    def __repr__(self) -> str:
        shown = "NaN" if math.isnan(self.value) else f"{self.value:,.4g}{self.unit and ' ' + self.unit}"
        parts = ", ".join(f"{k}={cell(v)}" for k, v in self.parts.items())
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.title}: {shown}{why}" + (f" [{parts}]" if parts else "")

    def to_html(self) -> str:
        return f"<div class='fidelite-value'><b>{html.escape(repr(self))}</b></div>"


def safe_ratio(num: Any, den: Any, scale: float = 1.0) -> tuple[float, str | None]:
    """``num / den * scale``, or NaN with a reason when the base is empty."""
    if den == 0:
        return math.nan, "empty base: nothing to divide by"
    return float(num) / float(den) * scale, None
