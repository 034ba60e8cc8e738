"""The segment of every customer, for ``segment=`` and ``bins=`` on any metric.

A segmentation names one or more attributes (``segment="country"`` or
``segment=["country", "channel"]``); each attribute is read per customer from, in this
order: a column of the customers table (the value of the id's last row), an event label
column of the log (event, product, channel) at the customer's first event, a numeric
column of the log (amount, duration) at the first event when it is binned, or a derived
attribute (:mod:`.attributes`). A customer without a value is in ``"(missing)"``.

``bins={"age": [18, 25, 35, 50]}`` cuts a numeric attribute at those edges into
left-closed intervals, with an explicit bin on each side: ``"<18"``, ``"[18, 25)"``,
``"[25, 35)"``, ``"[35, 50)"``, ``">=50"``; nothing is dropped. ``bins={"age": 4}`` cuts
it at its quartiles (over the customers segmented, missing values left out), into
``[q0, q1)``, ..., ``[q3, q4]`` (the last bin closed; equal quantiles merge bins). An
attribute named only in ``bins`` is a segment attribute too, after those of ``segment``.

Segments are the combinations that hold at least one customer, in the order of each
attribute's values (text order, bins in numeric order, ``"(missing)"`` last). A segment's
key is its value for one attribute, the tuple of its values for several.

>>> import fidelite
>>> log = fidelite.EventLog({"customer_id": [1, 2, 3], "timestamp": ["2024-01-01"] * 3})
>>> customers = {"customer_id": [1, 2, 3, 4], "age": [17, 30, None, 52]}
>>> s = resolve("age", {"age": [18, 50]}, log=log, customers=customers)
>>> s.keys, s.counts.tolist()
(['<18', '[18, 50)', '>=50', '(missing)'], [1, 1, 1, 1])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import io
from ..exceptions import ParameterError
from ..io import KeyedTable
from . import attributes
from .customers import MISSING, attribute

if TYPE_CHECKING:
    from ..eventlog import EventLog

#: Event label columns a segment may read at the customer's first event.
LABEL_COLUMNS = ("event", "product", "channel")
#: Numeric event columns a binned segment may read at the customer's first event.
NUMERIC_COLUMNS = ("amount", "duration")

Bins = Mapping[str, "int | Sequence[float]"]


@dataclass(frozen=True)
class Segmentation:
    """The segment of every customer of a population.

    ``ids``: the customers (the log's in code order, then ``extra_ids``); ``codes``: the
    segment of each (an index into ``keys``); ``keys``: the segments in order;
    ``attributes``: the attribute names; ``missing``: customers without a value, per
    attribute; ``edges``: the bin edges used, per binned attribute.
    """

    attributes: tuple[str, ...]
    keys: list[Any]
    ids: np.ndarray
    codes: np.ndarray
    missing: dict[str, int]
    edges: dict[str, list[float]]

    @property
    def counts(self) -> np.ndarray:
        """Customers per segment (in the order of :attr:`keys`)."""
        return np.bincount(self.codes, minlength=len(self.keys)).astype(np.int64)

    def key_of_missing(self) -> Any:
        """The key of customers without a value for every attribute."""
        return MISSING if len(self.attributes) == 1 else (MISSING,) * len(self.attributes)

    def segment_of(self, ids: Any, log: EventLog | None) -> np.ndarray:
        """The segment index of each id of a raw id column (-1 for a null id or one outside
        the population): matched to the log's customers by the log's index, to the others
        by value."""
        out = np.full(len(ids), -1, np.int64)
        n_log = 0
        if log is not None:
            n_log = log.n_customers
            code = log.codes_of(ids)
            out[code >= 0] = self.codes[code[code >= 0]]
        rest = np.flatnonzero(out < 0)
        if len(rest) and len(self.ids) > n_log:
            where = {v: self.codes[n_log + i] for i, v in enumerate(self.ids[n_log:].tolist())}
            values = io.objects(ids)[rest] if not isinstance(ids, np.ndarray) else ids[rest]
            out[rest] = [where.get(v, -1) if v is not None else -1 for v in values.tolist()]
        return out


@dataclass(frozen=True)
class Spec:
    """A segmentation as asked (attribute ``names`` and their ``bins``), for a metric that
    reads its segments itself (``survival``: its log-rank test needs them)."""

    names: tuple[str, ...]
    bins: Bins | None = None


def names(segment: str | Sequence[str] | None, bins: Bins | None) -> tuple[str, ...]:
    """The attribute names of ``segment`` and ``bins`` (those of ``segment`` first), each
    once; a ParameterError for anything but names."""
    given = [] if segment is None else [segment] if isinstance(segment, str) else list(segment)
    if bins is not None and not isinstance(bins, Mapping):
        raise ParameterError(f"bins maps attribute names to edges or a number of quantile bins, got {bins!r}")
    out: list[str] = []
    for name in [*given, *(bins or {})]:
        if not isinstance(name, str) or not name:
            raise ParameterError(f"segment= takes attribute names (strings), e.g. segment=['country'], got {name!r}")
        if name not in out:
            out.append(name)
    if not out:
        raise ParameterError("segment= needs at least one attribute name, e.g. segment='country'")
    return tuple(out)


def population(log: EventLog | None, customers: Any, customer: str) -> np.ndarray:
    """The ids of the customers table who have no event in ``log`` (all of them without a
    log), ascending: they follow the log's customers in a segmentation."""
    if customers is None:
        return np.zeros(0, dtype=object) if log is None else log.customer_ids[:0]
    table = KeyedTable(customers, what="customers table", customer=customer)
    ids = table.factorize(None).labels
    if log is None:
        return ids
    return ids[log.codes_of(ids) < 0]


def resolve(
    segment: str | Sequence[str] | None,
    bins: Bins | None = None,
    *,
    log: EventLog | None = None,
    customers: Any = None,
    customer: str = "customer_id",
    extra_ids: np.ndarray | None = None,
) -> Segmentation:
    """The :class:`Segmentation` of the log's customers (code order) and ``extra_ids``
    (default: the customers table's ids without an event, :func:`population`)."""
    attrs = names(segment, bins)
    bins = dict(bins or {})
    extra = population(log, customers, customer) if extra_ids is None else extra_ids
    n_log = 0 if log is None else log.n_customers
    ids = extra if log is None else np.concatenate([log.customer_ids, extra]) if len(extra) else log.customer_ids
    table = io.read_table(customers, what="customers table") if customers is not None else None
    ranks, labels, missing, edges = [], [], {}, {}
    for name in attrs:
        values = _values(name, name in bins, log, table, customers, customer, extra, n_log)
        absent = _absent(values)
        missing[name] = int(absent.sum())
        if name in bins:
            rank, labs, edges[name] = _binned(name, values, absent, bins[name])
        else:
            rank, labs = _ranked(values, absent)
        ranks.append(rank)
        labels.append(labs)
    # segments: the combinations present, in lexicographic order of the attribute ranks
    combos, codes = _combinations(ranks, [len(labs) for labs in labels])
    keys = [labels[0][row[0]] if len(attrs) == 1 else tuple(labels[i][r] for i, r in enumerate(row)) for row in combos]
    return Segmentation(attrs, keys, ids, np.asarray(codes).reshape(-1).astype(np.uint32), missing, edges)


def _combinations(ranks: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of the rank columns (rank ``i`` of column ``a`` below
    ``sizes[a]``), in lexicographic order, and the row of each customer: one sort of one
    integer key (the ranks in mixed radix) while it fits in 63 bits."""
    if not len(ranks[0]):
        return np.zeros((0, len(ranks)), np.int64), np.zeros(0, np.int64)
    if math.prod(sizes) >= 2**63:
        combos, codes = np.unique(np.stack(ranks, axis=1), axis=0, return_inverse=True)
        return combos, codes
    key = np.zeros(len(ranks[0]), np.int64)
    for rank, size in zip(ranks, sizes):
        key = key * size + rank
    distinct, codes = np.unique(key, return_inverse=True)
    combos = np.empty((len(distinct), len(ranks)), np.int64)
    for a in range(len(ranks) - 1, -1, -1):
        distinct, combos[:, a] = np.divmod(distinct, sizes[a])
    return combos, codes


def _values(
    name: str,
    binned: bool,
    log: EventLog | None,
    table: io.Table | None,
    customers: Any,
    customer: str,
    extra: np.ndarray,
    n_log: int,
) -> np.ndarray:
    """The value of attribute ``name`` for the log's customers and ``extra`` (object array)."""
    values = np.full(n_log + len(extra), None, dtype=object)
    if table is not None and table.has(name):
        ids, per_id = attribute(customers, customer, name)  # repeated ids: the last row wins
        if log is not None:
            code = log.codes_of(ids)
            values[code[code >= 0]] = per_id[code >= 0]
        if len(extra):
            values[n_log:] = per_id[np.searchsorted(ids, extra)]
        return values
    if log is not None and log.has(name) and name in (*LABEL_COLUMNS, *NUMERIC_COLUMNS):
        if name in NUMERIC_COLUMNS and not binned:
            raise ParameterError(
                f"segment={name!r} is numeric: bin it (bins={{{name!r}: 4}} for quartiles, or "
                f"bins={{{name!r}: [edges]}}), or segment by a label column ({', '.join(LABEL_COLUMNS)})"
            )
        layout = log.grouped(columns=(name,))
        first = layout.columns[name][layout.indptr[:-1]]
        if name in LABEL_COLUMNS:
            labs = np.array((*log.labels(name), None), dtype=object)
            values[:n_log] = labs[np.where(first < 0, len(labs) - 1, first)]
        else:
            values[:n_log] = first.astype(object)
        return values
    if log is not None and attributes.get(name) is not None:
        values[:n_log] = attributes.derive(name, log)
        return values
    where = "the customers table or the event log" if customers is not None else "the event log"
    hint = "" if customers is not None else " (pass customers= for customer attributes)"
    raise ParameterError(f"segment={name!r} is not a column of {where}{hint}, nor a derived attribute")


def _absent(values: np.ndarray) -> np.ndarray:
    """Null, NaN / NaT and blank text (decided once per distinct value when the values
    are hashable: a segment attribute holds few)."""
    seen: dict[Any, bool] = {}

    def absent(v: Any) -> bool:
        try:
            return seen[v]
        except KeyError:
            out = seen[v] = _is_absent(v)
            return out
        except TypeError:  # unhashable
            return _is_absent(v)

    return np.frompyfunc(absent, 1, 1)(values).astype(bool) if len(values) else np.zeros(0, bool)


def _is_absent(v: Any) -> bool:
    if v is None or (isinstance(v, str) and not v.strip()) or type(v).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(v != v)
    except (TypeError, ValueError):
        return False


def _ranked(values: np.ndarray, absent: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Each value's rank among the distinct values (numbers in numeric order, anything
    else in text order), ``"(missing)"`` last."""
    present_at = np.flatnonzero(~absent)
    numeric = len(present_at) > 0 and all(_is_number(values[i]) for i in present_at)
    if numeric:
        sort_key = np.array([float(values[i]) for i in present_at])
    else:
        sort_key = values[present_at].astype(str)
    distinct, first_at, inverse = np.unique(sort_key, return_index=True, return_inverse=True)
    rank = np.full(len(values), len(distinct), np.int64)
    rank[present_at] = inverse.reshape(-1)
    # the label of each rank: the value of its first customer (numbers stay numbers)
    labels: list[Any] = [values[present_at[i]] for i in first_at]
    return rank, [*labels, MISSING]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _numbers(name: str, values: np.ndarray, absent: np.ndarray) -> np.ndarray:
    out = np.full(len(values), math.nan)
    for i in np.flatnonzero(~absent):
        v = values[i]
        if not _is_number(v):
            raise ParameterError(
                f"bins={{{name!r}: ...}} needs a numeric attribute; {name!r} holds {v!r} ({type(v).__name__})"
            )
        out[i] = float(v)
    return out


def _fmt(x: float) -> str:
    return f"{x:g}"


def _binned(name: str, values: np.ndarray, absent: np.ndarray, spec: Any) -> tuple[np.ndarray, list[Any], list[float]]:
    """Each value's bin (rank) and the bin labels, ``"(missing)"`` last; the edges used."""
    x = _numbers(name, values, absent)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, (bool, np.bool_)):
        if spec < 1:
            raise ParameterError(f"bins={{{name!r}: {spec}}}: the number of quantile bins must be at least 1")
        present = x[~absent]
        if not len(present):
            edges: list[float] = []
            labels: list[Any] = []
            rank = np.zeros(len(x), np.int64)
        else:
            edges = sorted(set(np.quantile(present, np.linspace(0, 1, int(spec) + 1)).tolist()))
            if len(edges) == 1:
                labels = [f"[{_fmt(edges[0])}, {_fmt(edges[0])}]"]
                rank = np.zeros(len(x), np.int64)
            else:
                inner = np.array(edges[1:-1])
                rank = np.searchsorted(inner, np.nan_to_num(x), side="right").astype(np.int64)
                labels = [f"[{_fmt(a)}, {_fmt(b)})" for a, b in zip(edges[:-2], edges[1:-1])]
                labels.append(f"[{_fmt(edges[-2])}, {_fmt(edges[-1])}]")
    else:
        try:
            edges = [float(e) for e in spec]
        except (TypeError, ValueError):
            edges = []
        if not edges or any(math.isnan(e) for e in edges) or any(b <= a for a, b in zip(edges, edges[1:])):
            raise ParameterError(
                f"bins={{{name!r}: ...}} takes strictly increasing edges, e.g. [18, 25, 35, 50], "
                f"or a number of quantile bins, e.g. 4; got {spec!r}"
            )
        rank = np.searchsorted(np.array(edges), np.nan_to_num(x), side="right").astype(np.int64)
        labels = [f"<{_fmt(edges[0])}"]
        labels += [f"[{_fmt(a)}, {_fmt(b)})" for a, b in zip(edges, edges[1:])]
        labels.append(f">={_fmt(edges[-1])}")
    rank[absent] = len(labels)
    return rank, [*labels, MISSING], edges


# ----------------------------------------------------------------------------- splitting a call

#: The per-customer tables a metric may take first, besides the event log (``data``).
TABLE_ARGUMENTS = ("customers", "contacts", "surveys", "subscriptions")


@dataclass
class SplitCall:
    """A metric call split by segment: the :class:`Segmentation`, the arguments of each
    segment's call (the data and tables narrowed to its customers), the segments that
    have no call with the reason, and the customers of each segment."""

    segmentation: Segmentation
    calls: dict[Any, tuple[tuple[Any, ...], dict[str, Any]]]
    skipped: dict[Any, str]
    customers: dict[Any, int]
    report: Any = None


def split_call(
    metric: Any, args: tuple[Any, ...], kwargs: dict[str, Any], segment: Any, bins: Bins | None
) -> SplitCall:
    """``metric(*args, **kwargs)`` as one call per segment of ``segment`` / ``bins``:
    each on the events of the segment's customers only (rows of its customers in the
    event log and in every per-customer table the metric takes), with the ``as_of`` (or
    ``observation_end`` for the model summaries) of the whole data (the latest event, or
    contact / creation date, when not given), so that the segments are comparable. The customers table named by ``customers=`` (or
    taken first, as by :func:`fidelite.activation`) holds the attributes."""
    import inspect

    from ..eventlog import COLUMN_KEYWORDS, EventLog
    from .params import Query

    params = inspect.signature(metric).parameters
    first = next(iter(params))
    args, kwargs = tuple(args), dict(kwargs)
    given_first = args[0] if args else kwargs.get(first)
    explicit = {n for n, p in params.items() if p.kind is not p.VAR_KEYWORD}
    customer = kwargs.get("customer", "customer_id")
    if "customer" not in explicit and not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs.pop("customer", None)  # it only names the id column of the tables
    customers = kwargs.get("customers") if "customers" in params else kwargs.pop("customers", None)
    if first == "customers" and customers is None:
        customers = given_first

    # the event log: the data, or events=
    log_source = given_first if first == "data" else kwargs.get("events") if "events" in params else None
    if isinstance(log_source, Query):
        raise ParameterError(
            "segment= takes the data itself, not a query; it does not run on partitioned data (a Dask "
            "DataFrame or a Parquet dataset) yet: load the events in memory (fidelite.EventLog(path))"
        )
    columns = {k: kwargs[k] for k in COLUMN_KEYWORDS if k in kwargs and k not in explicit}
    log: EventLog | None = None
    if log_source is not None:
        if isinstance(log_source, EventLog):
            log = EventLog.of(log_source, **columns)
        else:
            log = EventLog.of(log_source, tz=kwargs.get("tz"), **columns)
    seg = resolve(segment, bins, log=log, customers=customers, customer=customer)
    keys = list(seg.keys)
    counts = seg.counts.tolist()

    # the rows of every per-customer table, by segment (-1: outside the population)
    tables: dict[str, tuple[Any, np.ndarray]] = {}
    table_args = [first] if first in TABLE_ARGUMENTS else []
    if "customers" in params and first != "customers":
        table_args.append("customers")
    for name in table_args:
        table = given_first if name == first else kwargs.get(name)
        if table is None:
            continue
        tables[name] = (table, seg.segment_of(_table_ids(table, name, customer), log))
    outside = [int(np.count_nonzero(rows < 0)) for _, rows in tables.values()]
    if any(outside):
        # customers of a table outside the population: without a value for any attribute
        missing_key = seg.key_of_missing()
        if missing_key not in keys:
            keys.append(missing_key)
            counts.append(0)
        at = keys.index(missing_key)
        extra_ids: set[Any] = set()
        for name, (table, rows) in tables.items():
            ids = io.objects(_table_ids(table, name, customer))
            extra_ids.update(v for v in ids[rows < 0].tolist() if v is not None)
            tables[name] = (table, np.where(rows < 0, at, rows))
        counts[at] += len(extra_ids)

    # the as_of of the whole data, for every segment
    cut = "as_of" if "as_of" in params else "observation_end" if "observation_end" in params else None
    if cut is not None and kwargs.get(cut) is None and log is not None:
        latest = log.t_max
        if first in ("contacts", "customers") and given_first is not None:
            column = kwargs.get("created", "created") if "created" in params else kwargs.get("time", "timestamp")
            latest = max(latest, _latest(given_first, first, customer, column, kwargs.get("tz") or log.tz))
        kwargs[cut] = np.datetime64(latest, "us")

    # the segment of each of the log's customers: each segment's call runs on the log
    # restricted to its customers (EventLog.subset: no re-ingest), whose columns are read
    segment_of_code = seg.codes[: log.n_customers] if log is not None else None

    calls: dict[Any, tuple[tuple[Any, ...], dict[str, Any]]] = {}
    skipped: dict[Any, str] = {}
    for s, key in enumerate(keys):
        call_args, call_kwargs = list(args), dict(kwargs)
        if log is not None and segment_of_code is not None:
            mask = segment_of_code == s
            if not mask.any():
                skipped[key] = "no event of its customers"
                continue
            for name in columns:  # they built the log
                call_kwargs.pop(name, None)
            _put(call_args, call_kwargs, first, first if first == "data" else "events", log.subset(mask))
        for name, (table, rows) in tables.items():
            _put(call_args, call_kwargs, first, name, rows_of(table, rows == s))
        calls[key] = (tuple(call_args), call_kwargs)
    return SplitCall(seg, calls, skipped, dict(zip(keys, counts)), log.report if log is not None else None)


def _put(args: list[Any], kwargs: dict[str, Any], first: str, name: str, value: Any) -> None:
    """Argument ``name`` of a call set to ``value``: positional when it is the first one and
    was given so, else by keyword."""
    if name == first and args:
        args[0] = value
    else:
        kwargs[name] = value


def _table_ids(table: Any, name: str, customer: str) -> Any:
    """The raw id column of a per-customer table."""
    read = io.read_table(table, what=f"{name} table")
    if not read.has(customer):
        raise ParameterError(
            f"segment= narrows the {name} table to each segment's customers, but it has no {customer!r} "
            "column: name its id column with customer=<column>"
        )
    return read.get(customer, "customer")


def _latest(table: Any, name: str, customer: str, column: str, tz: str) -> int:
    """The latest instant of ``column`` in a table (the minimum int64 when none)."""
    keyed = KeyedTable(table, what=f"{name} table", customer=customer)
    if not keyed.has(column):
        return int(np.iinfo(np.int64).min)
    ts, null, bad = keyed.instants(column, column, tz)
    ok = ~(null | bad)
    return int(ts[ok].max()) if ok.any() else int(np.iinfo(np.int64).min)


def rows_of(table: Any, mask: np.ndarray) -> Any:
    """The rows of ``table`` where ``mask`` holds, as a table of the same library (a dict
    of arrays for a dict; pandas, polars, pyarrow and any frame narwhals knows)."""
    if isinstance(table, Mapping):
        return {k: np.asarray(v)[mask] for k, v in table.items()}
    nw = __import__("narwhals.stable.v2", fromlist=["from_native"])
    try:
        frame = nw.from_native(table, eager_only=True)
    except TypeError:
        read = io.read_table(table, what="table")
        return {k: np.asarray(io.objects(v))[mask] for k, v in read.columns.items()}
    return frame[np.flatnonzero(mask).tolist()].to_native()
