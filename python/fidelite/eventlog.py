"""EventLog: a validated, normalised event table grouped by customer.

Built once from any supported input, it accounts for every row (used or rejected, with
the reason), factorises customer ids into dense codes (ascending id order) and holds the
events grouped by customer and sorted by time (a CSR layout), which is what the Rust
kernels read. Every metric accepts an EventLog or anything EventLog accepts.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterator, Mapping, Sequence

import numpy as np

from . import _core, _ingest
from .exceptions import EmptyInputError, ParameterError, RejectedRowsError

#: The canonical column names of an event log, by role.
CANONICAL = {
    "customer": "customer_id",
    "time": "timestamp",
    "amount": "amount",
    "event": "event",
    "product": "product",
    "duration": "duration",
    "channel": "channel",
}
_LABEL_ROLES = ("event", "product", "channel")
#: What orders a customer's events at the same instant, in turn, so that the grouped layout
#: (and every result) does not depend on the input row order. Amount comes first: the
#: per-customer summary, read from rows, orders ties by amount alone and must agree.
TIE_ORDER = ("amount", "event", "product", "channel", "duration")

#: Derived structures an EventLog keeps (see EventLog._cached).
_CACHE_SIZE = 8

# Rejection reasons, in the order rows are checked: a row is counted under the first.
NULL_ID = "null customer id"
NULL_TIME = "null timestamp"
BAD_TIME = "unparseable timestamp (expected ISO 8601)"
TIME_RANGE = "timestamp outside years 1..9999"
BAD_AMOUNT = "infinite amount"
NULL_EVENT = "null event type"
BAD_DURATION = "negative or infinite duration"


@dataclass
class RowReport:
    """What became of every input row: ``read == used + sum(rejected.values())``.

    ``notes`` counts rows that were used but deserve a mention (refunds, missing amounts).
    """

    read: int
    used: int
    rejected: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)

    @property
    def n_rejected(self) -> int:
        return sum(self.rejected.values())

    def __str__(self) -> str:
        lines = [f"{self.read:,} rows read, {self.used:,} used, {self.n_rejected:,} rejected"]
        lines += [f"  rejected: {n:,} {why}" for why, n in self.rejected.items()]
        lines += [f"  note: {n:,} {what}" for what, n in self.notes.items()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>rejected: {why}</td><td>{n:,}</td></tr>" for why, n in self.rejected.items())
        rows += "".join(f"<tr><td>note: {what}</td><td>{n:,}</td></tr>" for what, n in self.notes.items())
        return (
            "<table class='fidelite-report'><tr><td>rows read</td><td>"
            f"{self.read:,}</td></tr><tr><td>used</td><td>{self.used:,}</td></tr>{rows}</table>"
        )


class GroupedColumns(Mapping[str, np.ndarray]):
    """The optional columns of a grouped log, each put in grouped order on first use: a
    query that reads only the times never pays for reordering the amounts or the labels.
    The input-order columns and the permutation are released once every column is done."""

    def __init__(self, rows: dict[str, np.ndarray], perm: np.ndarray, done: dict[str, np.ndarray]) -> None:
        self._names = tuple(rows)
        pending = {k: v for k, v in rows.items() if k not in done}
        self._rows: dict[str, np.ndarray] | None = pending or None
        self._perm: np.ndarray | None = perm if pending else None
        self._done = dict(done)
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> np.ndarray:
        with self._lock:
            if name not in self._done:
                if name not in self._names:
                    raise KeyError(name)
                assert self._rows is not None and self._perm is not None
                self._done[name] = _core.take(self._rows.pop(name), self._perm)
                if not self._rows:
                    self._rows = self._perm = None
            return self._done[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class EventLog:
    """A transaction or activity log, validated and grouped by customer.

    Parameters
    ----------
    data:
        pandas / polars / pyarrow table, record-batch reader, anything with
        ``__arrow_c_stream__`` (a DuckDB result), a dict of arrays, or a path to a
        ``.csv`` / ``.parquet`` file.
    customer, time:
        Column names of the customer id (int or string) and of the event instant
        (datetime of any unit, naive = UTC, or tz-aware; dates are local midnight in
        ``tz``; ISO 8601 strings are parsed).
    amount, event, product, duration, channel:
        Optional columns. ``None`` uses the canonical name (``"amount"``, ...) when the
        table has it; ``False`` ignores the column.
    tz:
        IANA zone in which metrics cut calendar periods (default for every query).
    strict:
        Raise :class:`~fidelite.exceptions.RejectedRowsError` instead of dropping a row.

    Rows are rejected, with a counted reason, for a null customer id, a null,
    unparseable or out-of-range timestamp, an infinite amount, a null event type (when
    an event column is used) or a negative duration. Missing amounts count as 0 and
    negative amounts are refunds (both noted in :attr:`report`). A customer's events at
    the same instant are ordered by amount, event, product, channel and duration, so no
    result depends on the order of the input rows.

    >>> import numpy as np, fidelite
    >>> log = fidelite.EventLog({"customer_id": [7, 3, 7],
    ...     "timestamp": np.array(["2024-01-05", "2024-02-01", None], "datetime64[us]")})
    >>> log.report.used, log.report.rejected
    (2, {'null timestamp': 1})
    >>> log.n_customers
    2
    """

    def __init__(
        self,
        data: Any,
        *,
        customer: str = "customer_id",
        time: str = "timestamp",
        amount: str | bool | None = None,
        event: str | bool | None = None,
        product: str | bool | None = None,
        duration: str | bool | None = None,
        channel: str | bool | None = None,
        tz: str = "UTC",
        strict: bool = False,
    ) -> None:
        _core.period_bounds(0, 0, tz=tz, period="day", week_start=0)  # validates tz early
        self.tz = tz
        table = _ingest.read_table(data)
        n = table.n_rows
        if n == 0:
            raise EmptyInputError(f"the {table.source} has no rows; pass a log with at least one event")
        self.source = table.source
        names = {"customer": customer, "time": time}
        for role, given in (("amount", amount), ("event", event), ("product", product),
                            ("duration", duration), ("channel", channel)):
            if given is None:
                given = CANONICAL[role] if CANONICAL[role] in table.columns else False
            if given is not False:
                names[role] = str(given)
        self.columns = dict(names)  # role -> source column name

        reasons: list[tuple[str, np.ndarray]] = []
        ids, null_id = _ingest.id_nulls(table.get(customer, "customer"))
        reasons.append((NULL_ID, null_id))
        ts, null_t, bad_t, t_bounds = _ingest.instants(table.get(time, "time"), tz)
        ts = np.ascontiguousarray(ts, np.int64)
        reasons += [(NULL_TIME, null_t), (BAD_TIME, bad_t)]
        t_lo, t_hi = t_bounds or _ingest.bounds(ts)  # nulls read as 0 here; exact bounds below
        if t_lo < _ingest.MIN_US or t_hi > _ingest.MAX_US:
            reasons.append((TIME_RANGE, ~(null_t | bad_t) & ((ts < _ingest.MIN_US) | (ts > _ingest.MAX_US))))
        # notes on the used rows: (count over all rows, the mask, built only if rows are rejected)
        notes: dict[str, tuple[int, Callable[[], np.ndarray]]] = {}
        cols: dict[str, np.ndarray] = {}
        self._labels: dict[str, tuple[str, ...]] = {}
        for role, why in (("amount", BAD_AMOUNT), ("duration", BAD_DURATION)):
            if role not in names:
                continue
            # nulls become 0: neither infinite nor negative, so the counts still hold
            v, null_v, n_inf, n_neg = _ingest.float_column(table.get(names[role], role), role)
            if not _ingest.all_false(null_v):
                notes[f"missing {role}s counted as 0"] = (np.count_nonzero(null_v), lambda m=null_v: m)
                v = np.where(null_v, 0.0, v)
            if role == "amount":
                reasons.append((why, np.isinf(v) if n_inf else _ingest.no_rows(n)))
                notes["refunds (negative amounts)"] = (n_neg, lambda v=v: v < 0)
            elif n_inf or n_neg:
                reasons.append((why, ~null_v & ((v < 0) | np.isinf(v))))
            cols[role] = v
        for role in _LABEL_ROLES:
            if role in names:
                codes, labs, null = _ingest.labels(table.get(names[role], role), role)
                if role == "event":
                    reasons.append((NULL_EVENT, null))
                cols[role] = codes
                self._labels[role] = labs

        rejected_any = np.zeros(n, bool)
        rejected: dict[str, int] = {}
        for why, mask in reasons:
            if _ingest.all_false(mask):
                continue
            fresh = mask & ~rejected_any
            count = np.count_nonzero(fresh)
            if count:
                rejected[why] = count
                rejected_any |= fresh
        used = n - sum(rejected.values())
        counted = {k: np.count_nonzero(mask() & ~rejected_any) if rejected and count else count
                   for k, (count, mask) in notes.items()}
        self.report = RowReport(read=n, used=used, rejected=rejected, notes={k: v for k, v in counted.items() if v})
        if strict and rejected:
            first = int(np.flatnonzero(rejected_any)[0])
            raise RejectedRowsError(
                f"{n - used:,} of {n:,} rows were rejected ({'; '.join(f'{v:,} {k}' for k, v in rejected.items())}); "
                f"the first is row {first}. Fix or drop them, or pass strict=False to skip them.",
                self.report,
            )
        if used == 0:
            raise EmptyInputError(f"all {n:,} rows of the {table.source} were rejected: {self.report}")
        keep = None if used == n else ~rejected_any
        if keep is not None:
            ts = ts[keep]
            cols = {k: v[keep] for k, v in cols.items()}
        f = _ingest.factorize_ids(ids, keep)
        self._ids = f.labels
        # contiguous once, here: kernels read every column as a slice, in either layout
        cols = {k: np.ascontiguousarray(v) for k, v in cols.items()}
        # rows stay in input order until a kernel needs them grouped by customer
        self._rows: tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]] | None = (f.codes, ts, cols)
        self._layout: tuple[np.ndarray, np.ndarray, Mapping[str, np.ndarray]] | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        if keep is not None:  # bounds of the used rows only
            t_lo, t_hi = _ingest.bounds(ts)
        self.t_min, self.t_max = t_lo, t_hi

    # ----------------------------------------------------------------- layout
    def _grouped(self, carry: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray, Mapping[str, np.ndarray]]:
        """(indptr, ts, columns) grouped by customer, time-sorted; built once, on first use
        (each optional column on its own first use, see :class:`GroupedColumns`). The float
        columns named in ``carry`` (amount, duration) are reordered by the grouping itself,
        in cache, when it runs now: a query that will read them asks for them here."""
        with self._lock:
            if self._layout is None:
                assert self._rows is not None
                codes, ts, cols = self._rows
                ties = [cols[k] for k in TIE_ORDER if k in cols]
                names = [k for k in dict.fromkeys(carry) if k in cols and cols[k].dtype == np.float64]
                indptr, perm, gts, carried = _core.group_by_customer(
                    codes, ts, len(self._ids), ties=ties, carry=[cols[k] for k in names])
                self._layout = (indptr, gts, GroupedColumns(cols, perm, dict(zip(names, carried))))
                self._rows = None
            return self._layout

    def _grouped_column(self, role: str) -> np.ndarray:
        """The optional column ``role`` in grouped order (``KeyError`` if absent), grouping
        the log now if needed, with the column carried through the grouping."""
        return self._grouped(carry=(role,))[2][role]

    def _cached(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """A query-independent derived structure (e.g. the activity bitmaps of one
        calendar), built once per key and kept for the most recent keys: what makes a log
        that is queried many times (the explorer) cheaper with every query."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = build()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    @property
    def is_grouped(self) -> bool:
        """Whether the grouped layout exists yet (see :meth:`prepare`)."""
        return self._layout is not None

    def prepare(self) -> EventLog:
        """Build the grouped layout now, every optional column included (queries build what
        they need on demand otherwise): for a log that will be queried many times. Returns self."""
        rows = self._rows
        cols = self._grouped(carry=tuple(rows[2]) if rows is not None else ())[2]
        for name in cols:
            cols[name]
        return self

    def kernel_events(
        self, names: str | Sequence[str] | None = None
    ) -> tuple[dict[str, np.ndarray], np.ndarray | None, Mapping[str, np.ndarray]]:
        """The events for a kernel that accepts either layout, the mask of event types
        ``names`` and the optional columns, all in the same order: ``{"codes", "ts"}``
        (input order) while the log is not grouped (no grouping is forced), else
        ``{"indptr", "ts"}``. One consistent snapshot, even if another thread groups the
        log meanwhile."""
        rows = self._rows
        if rows is None:
            indptr, ts, cols = self._grouped()
            return {"indptr": indptr, "ts": ts}, self.event_mask(names), cols
        codes, ts, cols = rows
        return {"codes": codes, "ts": ts}, self._mask_of(cols, names), cols

    @property
    def _indptr(self) -> np.ndarray:
        return self._grouped()[0]

    @property
    def _ts(self) -> np.ndarray:
        return self._grouped()[1]

    @property
    def _cols(self) -> Mapping[str, np.ndarray]:
        rows = self._rows
        return rows[2] if rows is not None and not rows[2] else self._grouped()[2]

    # ----------------------------------------------------------------- accessors
    @classmethod
    def of(cls, data: Any, tz: str | None = None, **columns: Any) -> EventLog:
        """``data`` itself when it already is an EventLog, else ``EventLog(data, **columns)``."""
        if isinstance(data, EventLog):
            if columns:
                raise ParameterError(
                    f"column keywords ({', '.join(columns)}) apply when building a log; "
                    "this is already an EventLog: pass the raw table instead"
                )
            return data
        if tz is not None:
            columns["tz"] = tz
        return cls(data, **columns)

    @property
    def n_events(self) -> int:
        rows = self._rows
        return len(rows[1]) if rows is not None else len(self._grouped()[1])

    @property
    def n_customers(self) -> int:
        return len(self._ids)

    @property
    def customer_ids(self) -> np.ndarray:
        """Distinct customer ids in ascending order; code ``i`` stands for ``customer_ids[i]``."""
        return self._ids

    def has(self, role: str) -> bool:
        """Whether the optional column ``role`` (amount, event, ...) is present."""
        rows = self._rows
        return role in (rows[2] if rows is not None else self._grouped()[2])

    def labels(self, role: str) -> tuple[str, ...]:
        """Sorted distinct values of a label column (event, product, channel)."""
        return self._labels[role]

    def event_mask(self, names: str | Sequence[str] | None) -> np.ndarray | None:
        """Boolean mask (grouped order) of events whose type is in ``names``; None = all."""
        return self._mask_of(self._cols, names) if names is not None else None

    def _mask_of(self, cols: Mapping[str, np.ndarray], names: str | Sequence[str] | None) -> np.ndarray | None:
        if names is None:
            return None
        wanted = [names] if isinstance(names, str) else list(names)
        if "event" not in cols:
            raise ParameterError(
                f"event types {wanted} were requested but the log has no event column; pass event=<column name>"
            )
        known = self._labels["event"]
        missing = [w for w in wanted if w not in known]
        if missing:
            raise ParameterError(f"unknown event type(s) {missing}; the log has {list(known)}")
        # a lookup table over the label codes (-1 = null, the last entry): one gather
        table = np.zeros(len(known) + 1, bool)
        table[[known.index(w) for w in wanted]] = True
        return table[cols["event"]]

    def customer_of_event(self) -> np.ndarray:
        """Customer code of every event (grouped order)."""
        return np.repeat(np.arange(self.n_customers, dtype=np.int64), np.diff(self._indptr))

    def __len__(self) -> int:
        return self.n_events

    def __repr__(self) -> str:
        extra = ", ".join(self._cols) or "no optional columns"
        return (
            f"<EventLog {self.n_events:,} events, {self.n_customers:,} customers, tz={self.tz!r}, "
            f"{extra}; {self.report.n_rejected:,} rows rejected>"
        )

    # ----------------------------------------------------------------- export
    def _export(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            "customer_id": self._ids[self.customer_of_event()],
            "timestamp": self._ts.view("datetime64[us]"),
        }
        for role in ("amount", "event", "product", "duration", "channel"):
            if role not in self._cols:
                continue
            v = self._cols[role]
            if role in self._labels:
                labs = np.array(self._labels[role] + (None,), dtype=object)
                v = labs[np.where(v < 0, len(labs) - 1, v)]
            out[CANONICAL[role]] = v
        return out

    def to_pandas(self) -> Any:
        """The used rows under canonical column names, sorted by customer then time
        (same-instant events as described on the class; timestamps as tz-aware UTC)."""
        from ._deps import import_optional

        pd = import_optional("pandas", "export to pandas")
        df = pd.DataFrame(self._export())
        df["timestamp"] = df["timestamp"].dt.tz_localize("UTC")
        return df

    def to_polars(self) -> Any:
        """The used rows under canonical column names (see :meth:`to_pandas`)."""
        from ._deps import import_optional

        pl = import_optional("polars", "export to polars")
        cols = self._export()
        df = pl.DataFrame({k: (v.tolist() if v.dtype == object else v) for k, v in cols.items()})
        return df.with_columns(pl.col("timestamp").dt.replace_time_zone("UTC"))
