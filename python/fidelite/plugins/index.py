"""What a plugin registers (:class:`Index`), what the host lists (:class:`IndexInfo`) and
what computing an index returns (:class:`IndexResult`).

An :class:`Index` is checked when it is built, so a mistake in a plugin is reported where
it was made, with the index name and how to fix it.

>>> import fidelite
>>> idx = fidelite.Index(name="orders_per_customer", compute=lambda events: 1.0,
...     description="Events per customer.", unit="orders", range=(0, None))
>>> idx.level, idx.inputs
('overall', ('events',))
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from .._deps import loaded
from ..exceptions import ParameterError
from ..results import Result
from ..results.formatting import html_table, text_table, value

#: The tables an index may declare as inputs (docs/metrics.md, "Inputs").
TABLES = ("events", "customers", "surveys", "contacts", "subscriptions")
#: The level of an index: one number, or a table with one row per period / segment / customer.
LEVELS = ("overall", "period", "segment", "customer")
#: The key column a table result must have, by level.
KEY_COLUMN = {"period": "period", "segment": "segment", "customer": "customer_id"}
#: The column of a table result that holds the index values.
VALUE_COLUMN = "value"

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


class IndexDefinitionError(ParameterError):
    """An :class:`Index` was defined with a wrong field; ``.index`` is the name it was given."""

    def __init__(self, index: str, message: str) -> None:
        super().__init__(f"index {index!r}: {message}")
        self.index = index


def _listed(values: Iterable[str]) -> str:
    return ", ".join(map(repr, values))


@dataclass(frozen=True, kw_only=True)
class Index:
    """A loyalty index, as a plugin registers it.

    Parameters
    ----------
    name : unique lowercase identifier (``[a-z][a-z0-9_]*``), e.g. ``"weighted_nps"``.
    compute : function called with the declared ``inputs`` as keyword arguments (``events``
        as an :class:`~fidelite.EventLog`, the other tables as the caller gave them) plus
        any parameters. It returns a real number (or a :class:`~fidelite.ValueResult`) for
        an ``"overall"`` index, else a table (pandas / polars / pyarrow table, dict of
        arrays or :class:`~fidelite.TableResult`) with the key column of its level
        (``period``, ``segment`` or ``customer_id``) and the index in a ``value`` column.
    description : one or two sentences saying what the index measures.
    inputs : the tables it needs, a subset of ``events``, ``customers``, ``surveys``,
        ``contacts``, ``subscriptions``; each must be a parameter of ``compute``.
    level : ``"overall"``, ``"period"``, ``"segment"`` or ``"customer"``.
    unit : e.g. ``"%"``, ``"points"``, ``"score"`` (``""`` for a plain number).
    range : ``(low, high)`` the values always lie in (``None`` for an open end), checked
        on every result; ``None`` when unbounded.
    higher_is_better : whether a higher value is the better outcome.

    >>> Index(name="Bad Name", compute=lambda events: 0.0, description="x")
    Traceback (most recent call last):
    ...
    fidelite.plugins.index.IndexDefinitionError: index 'Bad Name': name must be a lowercase identifier ([a-z][a-z0-9_]*), e.g. 'bad_name'
    """

    name: str
    compute: Callable[..., Any]
    description: str
    inputs: tuple[str, ...] = ("events",)
    level: str = "overall"
    unit: str = ""
    range: tuple[float | None, float | None] | None = None
    higher_is_better: bool = True
    parameters: Mapping[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not _NAME.match(name):
            hint = re.sub(r"[^a-z0-9_]+", "_", str(name).lower()).strip("_") or "my_index"
            raise IndexDefinitionError(
                str(name), f"name must be a lowercase identifier ([a-z][a-z0-9_]*), e.g. {hint!r}"
            )
        if not isinstance(self.description, str) or not self.description.strip():
            raise IndexDefinitionError(name, "description is empty; say in a sentence what the index measures")
        inputs = _inputs(name, self.inputs)
        object.__setattr__(self, "inputs", inputs)
        if self.level not in LEVELS:
            raise IndexDefinitionError(name, f"level must be one of {_listed(LEVELS)}; got {self.level!r}")
        if not isinstance(self.unit, str):
            raise IndexDefinitionError(name, f"unit must be a string such as '%' or 'score'; got {self.unit!r}")
        if not isinstance(self.higher_is_better, bool):
            raise IndexDefinitionError(name, f"higher_is_better must be True or False; got {self.higher_is_better!r}")
        object.__setattr__(self, "range", _check_range(name, self.range))
        object.__setattr__(self, "parameters", _parameters(name, self.compute, inputs))

    def accepts(self, parameter: str) -> bool:
        """Whether ``compute`` takes the keyword ``parameter``."""
        return parameter in self.parameters or _takes_any_keyword(self.compute)


def _inputs(name: str, given: Any) -> tuple[str, ...]:
    inputs = (given,) if isinstance(given, str) else tuple(given)
    unknown = [t for t in inputs if t not in TABLES]
    if unknown or not inputs:
        raise IndexDefinitionError(
            name, f"inputs must be one or more of {_listed(TABLES)}; got {_listed(unknown) or 'none'}"
        )
    if len(set(inputs)) != len(inputs):
        raise IndexDefinitionError(name, f"inputs {inputs} name a table twice")
    return inputs


def check_inputs(name: str, function: Any, inputs: Any) -> tuple[tuple[str, ...], dict[str, Any], bool]:
    """``(inputs, parameters, takes_any_keyword)`` of a plugin function called with the
    tables ``inputs`` as keywords, checked as an :class:`Index`'s ``compute`` is (raises
    :class:`IndexDefinitionError`); ``parameters`` are its other keywords with their
    defaults."""
    tables = _inputs(name, inputs)
    return tables, _parameters(name, function, tables), _takes_any_keyword(function)


def _check_range(name: str, given: Any) -> tuple[float | None, float | None] | None:
    if given is None:
        return None
    try:
        lo, hi = given
    except (TypeError, ValueError):
        raise IndexDefinitionError(name, f"range must be a (low, high) pair or None; got {given!r}") from None
    bounds = []
    for b in (lo, hi):
        if b is not None and (not isinstance(b, numbers.Real) or isinstance(b, bool) or math.isnan(b)):
            raise IndexDefinitionError(name, f"range bounds must be numbers or None; got {given!r}")
        bounds.append(None if b is None else float(b))
    if bounds[0] is not None and bounds[1] is not None and bounds[0] >= bounds[1]:
        raise IndexDefinitionError(name, f"range low must be below high; got {given!r}")
    return bounds[0], bounds[1]


def _takes_any_keyword(func: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _parameters(name: str, compute: Any, inputs: tuple[str, ...]) -> dict[str, Any]:
    """The keyword parameters of ``compute`` other than its inputs, with their defaults."""
    if not callable(compute):
        raise IndexDefinitionError(name, f"compute must be a function; got {type(compute).__name__}")
    try:
        sig = inspect.signature(compute)
    except (TypeError, ValueError):  # some builtins have no signature: accept anything
        return {}
    params = sig.parameters
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    missing = [t for t in inputs if t not in params and not var_kw]
    if missing:
        raise IndexDefinitionError(
            name, f"compute must take its inputs as keyword arguments; add {_listed(missing)} to its parameters"
        )
    positional = [
        p.name
        for p in params.values()
        if p.kind is inspect.Parameter.POSITIONAL_ONLY and p.default is inspect.Parameter.empty
    ]
    if positional:
        raise IndexDefinitionError(
            name, f"compute is called with keywords only; {_listed(positional)} cannot be passed by keyword"
        )
    required = [
        p.name
        for p in params.values()
        if p.name not in inputs
        and p.default is inspect.Parameter.empty
        and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    if required:
        raise IndexDefinitionError(
            name, f"parameters {_listed(required)} of compute need a default (only the inputs are always passed)"
        )
    return {
        p.name: p.default
        for p in params.values()
        if p.name not in inputs and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }


# --------------------------------------------------------------------------- listing


@dataclass(frozen=True)
class IndexInfo:
    """A registered index as :func:`fidelite.indices` lists it: its definition plus the
    plugin that registered it and the package (distribution) and version it came from."""

    name: str
    description: str
    inputs: tuple[str, ...]
    level: str
    unit: str
    range: tuple[float | None, float | None] | None
    higher_is_better: bool
    plugin: str
    package: str
    version: str
    parameters: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, index: Index, plugin: str, package: str, version: str) -> IndexInfo:
        return cls(
            index.name,
            index.description,
            index.inputs,
            index.level,
            index.unit,
            index.range,
            index.higher_is_better,
            plugin,
            package,
            version,
            dict(index.parameters),
        )

    @property
    def range_text(self) -> str:
        """The range as text, e.g. ``"-100 .. 100"`` (empty when unbounded)."""
        if self.range is None:
            return ""
        lo, hi = (("" if b is None else f"{b:g}") for b in self.range)
        return f"{lo} .. {hi}".strip()


class IndexList(Result):
    """The registered indices (a sequence of :class:`IndexInfo`), shown as a table.

    It reads like a list (``len``, indexing, iteration, ``in``, ``==`` a list) but is not a
    list nor a registered ``Sequence``, so that Arrow consumers (``pa.table``,
    ``pl.DataFrame``, DuckDB), which try those first, read it as its table through
    ``__arrow_c_stream__``, like every result. ``problems`` holds the plugins that
    failed to load or register (see :func:`fidelite.plugins.errors`); they are listed
    under the table.
    """

    title = "loyalty indices"

    def __init__(self, items: Iterable[IndexInfo] = (), problems: Iterable[Any] = ()) -> None:
        self.items = list(items)
        self.problems = list(problems)

    @overload
    def __getitem__(self, i: int) -> IndexInfo: ...
    @overload
    def __getitem__(self, i: slice) -> list[IndexInfo]: ...
    def __getitem__(self, i: int | slice) -> IndexInfo | list[IndexInfo]:
        return self.items[i]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[IndexInfo]:
        return iter(self.items)

    def __contains__(self, info: object) -> bool:
        return info in self.items

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IndexList):
            return self.items == other.items
        return isinstance(other, list) and self.items == other

    __hash__ = None  # type: ignore[assignment]

    def names(self) -> list[str]:
        return [i.name for i in self]

    def get(self, name: str) -> IndexInfo | None:
        """The index called ``name``, or None."""
        return next((i for i in self if i.name == name), None)

    def to_dict(self) -> dict[str, np.ndarray]:
        def col(values: list[Any]) -> np.ndarray:
            out = np.empty(len(values), dtype=object)
            out[:] = values
            return out

        return {
            "name": col([i.name for i in self]),
            "level": col([i.level for i in self]),
            "unit": col([i.unit for i in self]),
            "range": col([i.range_text for i in self]),
            "higher_is_better": np.array([i.higher_is_better for i in self], dtype=bool),
            "inputs": col([", ".join(i.inputs) for i in self]),
            "plugin": col([i.plugin for i in self]),
            "package": col([f"{i.package} {i.version}".strip() for i in self]),
            "description": col([i.description for i in self]),
        }

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.to_dict().items() if k != "description"}
        text = f"{len(self)} {self.title}\n{text_table(shown, max_rows=len(self) or 1, fit=False)}"
        return text + "".join(f"\nbroken plugin: {p}" for p in self.problems)

    def to_html(self) -> str:
        import html

        table = html_table(self.to_dict(), title=f"{len(self)} {self.title}", max_rows=max(len(self), 1))
        return table + "".join(
            f"<p class='fidelite-plugin-error'>broken plugin: {html.escape(str(p))}</p>" for p in self.problems
        )


# --------------------------------------------------------------------------- results


class IndexResult(Result):
    """The value of one index, with the definition it was computed from.

    ``value`` is the number of an ``"overall"`` index (NaN with a ``reason`` when its base
    is empty), else None; ``columns`` holds the table of the other levels (key column +
    ``value``). ``raw`` is what ``compute`` returned (e.g. a ValueResult with its parts).

    >>> import fidelite
    >>> r = fidelite.compute_index("nps", surveys={"customer_id": [1, 2, 3],
    ...     "timestamp": ["2024-01-01"] * 3, "question": ["recommend"] * 3, "score": [10, 9, 3]})
    >>> round(float(r), 2), r.info.unit
    (33.33, 'points')
    """

    def __init__(
        self,
        info: IndexInfo,
        *,
        value: float | None = None,
        columns: Mapping[str, np.ndarray] | None = None,
        reason: str | None = None,
        raw: Any = None,
    ) -> None:
        self.info = info
        self.title = info.name
        self.value = value
        self.columns = dict(columns) if columns is not None else None
        self.reason = reason
        self.raw = raw

    def __float__(self) -> float:
        if self.value is None:
            raise TypeError(
                f"index {self.info.name!r} is a {self.info.level}-level table, not one number; "
                f"use result[{VALUE_COLUMN!r}] or result.to_pandas()"
            )
        return self.value

    def __getitem__(self, column: str) -> np.ndarray:
        if self.columns is None:
            raise TypeError(f"index {self.info.name!r} is one number ({self.value}); use float(result)")
        return self.columns[column]

    def __len__(self) -> int:
        return 1 if self.columns is None else len(self.columns[VALUE_COLUMN])

    def to_dict(self) -> dict[str, np.ndarray]:
        if self.columns is not None:
            return self.columns
        return {
            "index": np.array([self.info.name], dtype=object),
            "value": np.array([self.value], dtype=float),
            "unit": np.array([self.info.unit], dtype=object),
        }

    def __repr__(self) -> str:
        if self.columns is None:
            assert self.value is not None
            shown = "NaN" if math.isnan(self.value) else value(self.value, self.info.unit)
            why = f" ({self.reason})" if self.reason else ""
            return f"{self.info.name}: {shown}{why}"
        return f"{self.info.name} ({self.info.level} level)\n{text_table(self.columns)}"

    def to_html(self) -> str:
        if self.columns is None:
            import html

            return f"<div class='fidelite-value'><b>{html.escape(repr(self))}</b></div>"
        return html_table(self.columns, title=f"{self.info.name} ({self.info.level} level)")


def as_number(out: Any) -> tuple[float, str | None] | None:
    """``(value, reason)`` of a real number or of a result with a ``.value``; None otherwise."""
    reason = None
    if isinstance(out, Result) and isinstance(getattr(out, "value", None), numbers.Real):
        reason = getattr(out, "reason", None)
        out = getattr(out, "value")  # noqa: B009 (not every Result has a value)
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, numbers.Real):
        return None
    return float(out), reason


def as_columns(out: Any) -> dict[str, np.ndarray] | None:
    """The columns of a pandas / polars / pyarrow table, dict of arrays or Result; None otherwise."""
    if isinstance(out, Result):
        out = out.to_dict()
    if isinstance(out, Mapping):
        return {str(k): np.asarray(v) for k, v in out.items()}
    pd, pl, pa = loaded("pandas"), loaded("polars"), loaded("pyarrow")
    if pd is not None and isinstance(out, pd.DataFrame):
        return {str(c): out[c].to_numpy() for c in out.columns}
    if pl is not None and isinstance(out, pl.DataFrame):
        return {c: out.get_column(c).to_numpy() for c in out.columns}
    if pa is not None and isinstance(out, pa.Table):
        return {c: out.column(c).to_numpy() for c in out.column_names}
    return None
