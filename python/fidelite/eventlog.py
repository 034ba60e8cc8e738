"""EventLog: a validated, normalised event table, grouped by customer on demand.

Built once from any supported input, it accounts for every row (used or rejected, with
the reason), factorises customer ids into dense codes and keeps the events in input
order until a query needs them grouped by customer and sorted by time (a CSR layout).
Every metric accepts an EventLog or anything EventLog accepts.

What the rest of the package reads of a log is a small public surface:

- :meth:`EventLog.grouped` the grouped layout (:class:`Layout`), with the optional
  columns a query names carried through the grouping when it happens then;
- :meth:`EventLog.events` one consistent snapshot of the events in whichever layout
  exists (:class:`Events`), for kernels that read either;
- :meth:`EventLog.codes_of` the customer codes of ids from another table (the only place
  where ids are matched to the log), :meth:`EventLog.id_order` / :meth:`EventLog.by_id`
  for results that list customers by id;
- :meth:`EventLog.calendar` the calendar of a query, built once; :meth:`EventLog.cached`
  any other derived structure, in the log's one :class:`~fidelite.cache.Cache`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core, frames, io
from .cache import Cache
from .calendar import Calendar
from .exceptions import DTypeError, EmptyInputError, ParameterError, TimeZoneError
from .io import RowReport
from .io import ids as io_ids

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
#: The keywords that name the columns of an event log (and ``strict``): what every metric
#: accepts besides its own parameters.
COLUMN_KEYWORDS = ("customer", "time", "amount", "event", "product", "duration", "channel", "strict")
LABEL_ROLES = ("event", "product", "channel")
FLOAT_ROLES = ("amount", "duration")
#: What orders a customer's events at the same instant, in turn, so that the grouped layout
#: (and every result) does not depend on the input row order. Amount comes first: the
#: per-customer summary, read from rows, orders ties by amount alone and must agree.
TIE_ORDER = ("amount", "event", "product", "channel", "duration")

#: Derived structures an EventLog keeps (see :meth:`EventLog.cached`), and calendars.
CACHE_SIZE = 8
CALENDARS = 32
#: How far past its events a log's calendars place instants fast (queries with an ``as_of``
#: or an activity window beyond the data stay fast).
CALENDAR_MARGIN_US = 400 * io.US_PER_DAY

# Rejection reasons, in the order rows are checked: a row is counted under the first.
NULL_ID = io.NULL_ID
INEXACT_ID = io.INEXACT_ID
NULL_TIME = "null timestamp"
BAD_TIME = "unparseable timestamp (expected ISO 8601)"
TIME_RANGE = "timestamp outside years 1..9999"
I64_MIN = int(np.iinfo(np.int64).min)
BAD_AMOUNT = "infinite amount"
NULL_EVENT = "null event type"
BAD_DURATION = "negative or infinite duration"
UNPARSEABLE = {"amount": "unparseable amount (not a number)", "duration": "unparseable duration (not a number)"}


def check_column_keywords(**given: Any) -> None:
    """Column keywords name columns by their (string) name; True / False / None are the
    optional columns' switches. Anything else is a :class:`ParameterError`."""
    for role, name in given.items():
        if name is not None and not isinstance(name, (str, bool)):
            raise ParameterError(
                f"{role}={name!r}: column keywords take a column name as a string; "
                f"pass {role}={str(name)!r}, and rename non-string columns first "
                "(df.columns = df.columns.astype(str))"
            )


def readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a``: every array a log hands out is one, so that no caller
    (a plugin, a notebook) can change what later results read; the caller's own array,
    which the log may share, stays writeable."""
    v = a.view()
    v.flags.writeable = False
    return v


class GroupedColumns(Mapping[str, np.ndarray]):
    """The optional columns of a grouped log, each put in grouped order on first use: a
    query that reads only the times never pays for reordering the amounts or the labels.
    The input-order columns and the permutation are released once every column is done."""

    def __init__(self, rows: dict[str, np.ndarray], perm: np.ndarray, done: dict[str, np.ndarray]) -> None:
        self._names = tuple(rows)
        pending = {k: v for k, v in rows.items() if k not in done}
        self._rows: dict[str, np.ndarray] | None = pending or None
        self._perm: np.ndarray | None = perm if pending else None
        self._done = {k: readonly(v) for k, v in done.items()}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> np.ndarray:
        with self._lock:
            if name not in self._done:
                if name not in self._names:
                    raise KeyError(name)
                assert self._rows is not None and self._perm is not None
                self._done[name] = readonly(_core.take(self._rows.pop(name), self._perm))
                if not self._rows:
                    self._rows = self._perm = None
            return self._done[name]

    @property
    def ready(self) -> tuple[str, ...]:
        """The columns already in grouped order."""
        with self._lock:
            return tuple(self._done)

    @property
    def released(self) -> bool:
        """Whether every column is in grouped order (the input-order columns and the
        permutation are then released)."""
        return self._perm is None

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass(frozen=True)
class Layout:
    """The grouped layout: the events of customer code ``c`` are
    ``indptr[c]:indptr[c + 1]``, sorted by time (``ts``, int64 µs since the epoch, UTC);
    events at the same instant are ordered by :data:`TIE_ORDER`, never by input position.
    ``columns`` holds the optional columns in the same order: ``amount``, ``duration``
    (float64), ``event``, ``product``, ``channel`` (int32 codes into
    :meth:`EventLog.labels`, -1 = null)."""

    indptr: np.ndarray
    ts: np.ndarray
    columns: Mapping[str, np.ndarray]
    #: The kernels read a layout like :class:`Events`: no row codes.
    codes: None = None

    @property
    def n_customers(self) -> int:
        return len(self.indptr) - 1

    def sizes(self) -> np.ndarray:
        """Events per customer code."""
        return np.diff(self.indptr)

    def customer_of_event(self) -> np.ndarray:
        """Customer code of every event."""
        return np.repeat(np.arange(self.n_customers, dtype=np.int64), self.sizes())

    def per_customer(self, values: np.ndarray) -> np.ndarray:
        """Sum of a per-event array per customer code (booleans counted); every customer
        of a log has events."""
        if values.dtype == bool:
            values = values.astype(np.int64)
        if not len(self.ts):
            return np.zeros(self.n_customers, values.dtype)
        return np.add.reduceat(values, self.indptr[:-1])

    def first_per_customer(self, mask: np.ndarray, default: int = np.iinfo(np.int64).max) -> np.ndarray:
        """Earliest instant of the events of ``mask`` of each customer; ``default`` when none."""
        if not len(self.ts):
            return np.full(self.n_customers, default, np.int64)
        return np.minimum.reduceat(np.where(mask, self.ts, default), self.indptr[:-1])


@dataclass(frozen=True)
class Events:
    """One consistent snapshot of a log's events for a kernel that reads either layout:
    rows in input order (``codes`` set, ``indptr`` None) or the grouped layout
    (``indptr`` set, ``codes`` None), with the masks of the requested event types and the
    requested optional columns, all in the same order."""

    ts: np.ndarray
    codes: np.ndarray | None
    indptr: np.ndarray | None
    masks: tuple[np.ndarray | None, ...]
    columns: Mapping[str, np.ndarray]
    n_customers: int

    @property
    def grouped(self) -> bool:
        return self.indptr is not None

    @property
    def mask(self) -> np.ndarray | None:
        """The first mask (None: every event)."""
        return self.masks[0] if self.masks else None


class EventLog:
    """A transaction or activity log, validated and grouped by customer.

    Rows are rejected, with a counted reason, for a null customer id, a null,
    unparseable or out-of-range timestamp, an infinite amount, a null event type (when
    an event column is used) or a negative duration. Missing amounts count as 0 and
    negative amounts are refunds (both noted in :attr:`report`). A customer's events at
    the same instant are ordered by amount, event, product, channel and duration, so no
    result depends on the order of the input rows. A log pickles (e.g. to send it to
    another process) with its events, never with its derived structures.

    Parameters
    ----------
    data:
        pandas / polars / pyarrow table, record-batch reader, anything with
        ``__arrow_c_stream__`` (a DuckDB result), a dict of arrays, a path to a
        ``.csv`` / ``.parquet`` file, or a database (with ``query``): a
        ``postgresql://user@host/db`` URI, a DuckDB or SQLite file (the ``sql`` extra).
    customer, time:
        Column names of the customer id (int or string) and of the event instant
        (datetime of any unit, naive = UTC, or tz-aware; dates are local midnight in
        ``tz``; ISO 8601 strings are parsed).
    amount, event, product, duration, channel:
        Optional columns. ``None`` uses the canonical name (``"amount"``, ...) when the
        table has it; ``False`` ignores the column.
    tz:
        IANA zone of the dates in the data, and the default zone in which metrics cut
        calendar periods (a metric's ``tz=`` overrides it for that query).
    query:
        The SQL selecting the events of a database ``data`` (e.g. ``"select * from
        orders"``), read as Arrow batches and accounted for like any input.
    strict:
        Raise :class:`~fidelite.exceptions.RejectedRowsError` instead of dropping a row.

    >>> import numpy as np, fidelite
    >>> log = fidelite.EventLog({"customer_id": [7, 3, 7],
    ...     "timestamp": np.array(["2024-01-05", "2024-02-01", None], "datetime64[us]")})
    >>> log.report.used, log.report.rejected
    (2, {'null timestamp': 1})
    >>> log.n_customers
    2
    """

    #: The dataframe library the data came from ("pandas", "polars", "pyarrow", "duckdb",
    #: ..., "numpy" for a dict of arrays): what :meth:`to_native` and the metrics'
    #: results' ``to_native()`` return.
    native_backend: str | None = None
    #: The span a :meth:`subset`'s calendars cover: its parent's (None: its own events').
    _calendar_span: tuple[int, int] | None = None

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
        query: str | None = None,
        strict: bool = False,
    ) -> None:
        check_column_keywords(
            customer=customer,
            time=time,
            amount=amount,
            event=event,
            product=product,
            duration=duration,
            channel=channel,
        )
        if not isinstance(tz, str):
            raise TimeZoneError(f"tz must be an IANA zone name such as 'Europe/Paris' or 'UTC', got {tz!r}")
        _core.Calendar("day", tz)  # validates tz early
        self.tz = tz
        table = io.read_table(data, ids=customer, query=query)
        self.native_backend = frames.backend_of(data)
        n = table.n_rows
        if n == 0:
            raise EmptyInputError(f"the {table.source} has no rows; pass a log with at least one event")
        self.source = table.source
        names = {"customer": customer, "time": time}
        for role, given in (
            ("amount", amount),
            ("event", event),
            ("product", product),
            ("duration", duration),
            ("channel", channel),
        ):
            if given is None:
                given = CANONICAL[role] if CANONICAL[role] in table.columns else False
            if given is not False:
                names[role] = str(given)
        self.columns = dict(names)  # role -> source column name

        acc = io.Accounting(n, table.source, lines=table.lines)
        ids = io_ids.factorize(table.get(customer, "customer"))
        acc.reject(NULL_ID, ids.null)
        acc.reject(INEXACT_ID, ids.inexact)
        ts, null_t, bad_t, t_bounds = io.instants(table.get(time, "time"), tz)
        ts = np.ascontiguousarray(ts, np.int64)
        acc.reject(NULL_TIME, null_t)
        acc.reject(BAD_TIME, bad_t)
        t_lo, t_hi = t_bounds or io.bounds(ts)  # nulls read as 0 here; exact bounds below
        # the bounds leave NaT's bits (i64::MIN) aside, but nulls read as 0 here: such a value
        # is an instant at the end of i64 (a saturated date in year -300,000,000, an Arrow
        # timestamp), out of range like the others
        if t_bounds is None and _core.scan_i64(ts, I64_MIN)[0]:
            t_lo = I64_MIN
        if t_lo < io.MIN_US or t_hi > io.MAX_US:
            acc.reject(TIME_RANGE, ~(null_t | bad_t) & ((ts < io.MIN_US) | (ts > io.MAX_US)))
        cols: dict[str, np.ndarray] = {}
        self._labels: dict[str, tuple[str, ...]] = {}
        for role, why in (("amount", BAD_AMOUNT), ("duration", BAD_DURATION)):
            if role not in names:
                continue
            # nulls become 0: neither infinite nor negative, so the counts still hold
            v, null_v, bad_v, n_inf, n_neg = io.float_column(table.get(names[role], role), role)
            acc.reject(UNPARSEABLE[role], bad_v)
            if not io.all_false(null_v):
                acc.note(f"missing {role}s counted as 0", null_v)
                v = np.where(null_v, 0.0, v)
            if role == "amount":
                if n_inf:
                    acc.reject(why, np.isinf(v))
                acc.note("refunds (negative amounts)", functools.partial(np.less, v, 0.0), count=n_neg)
            elif n_inf or n_neg:
                acc.reject(why, ~null_v & ((v < 0) | np.isinf(v)))
            cols[role] = v
        for role in LABEL_ROLES:
            if role in names:
                codes, labs, null = io.labels(table.get(names[role], role), role)
                if role == "event":
                    acc.reject(NULL_EVENT, null)
                cols[role] = codes
                self._labels[role] = labs
        self.report: RowReport = acc.finish(strict=strict)
        keep = acc.keep
        if keep is not None:
            ts = ts[keep]
            cols = {k: v[keep] for k, v in cols.items()}
            ids = io_ids.keep_rows(ids, keep)
        #: The distinct ids; code ``i`` stands for id ``i`` of the index (not in id order).
        self._index: io_ids.IdIndex = ids.index
        self._ids: np.ndarray | None = None  # customer_ids, built on first use
        self._order: np.ndarray | None = None  # id_order, built on first use
        # contiguous once, here: kernels read every column as a slice, in either layout
        cols = {k: readonly(np.ascontiguousarray(v)) for k, v in cols.items()}
        # rows stay in input order until a kernel needs them grouped by customer
        self._rows: tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]] | None = (
            readonly(ids.codes),
            readonly(ts),
            cols,
        )
        self._layout: Layout | None = None
        self._lock = threading.Lock()
        #: Derived structures (activity bitmaps), see :meth:`cached`.
        self.cache = Cache(CACHE_SIZE)
        self._calendars = Cache(CALENDARS)
        if keep is not None:  # bounds of the used rows only
            t_lo, t_hi = io.bounds(ts)
        self.t_min, self.t_max = t_lo, t_hi

    # ----------------------------------------------------------------- layouts
    def grouped(self, columns: Sequence[str] = ()) -> Layout:
        """The grouped layout, built on first use. The float ``columns`` named here
        (amount, duration) are carried through the grouping if it happens now, in cache
        (about twice cheaper than reordering them afterwards); every other optional column
        is put in grouped order on its own first use.

        >>> import fidelite
        >>> log = fidelite.EventLog({"customer_id": [2, 1, 2], "timestamp": ["2024-01-03", "2024-01-02", "2024-01-01"],
        ...                          "amount": [3.0, 2.0, 1.0]})
        >>> g = log.grouped(columns=("amount",))
        >>> g.indptr.tolist(), g.columns["amount"].tolist()
        ([0, 1, 3], [2.0, 1.0, 3.0])
        """
        with self._lock:
            if self._layout is None:
                assert self._rows is not None
                codes, ts, cols = self._rows
                ties = [cols[k] for k in TIE_ORDER if k in cols]
                names = [k for k in dict.fromkeys(columns) if k in cols and cols[k].dtype == np.float64]
                indptr, perm, gts, carried = _core.group_by_customer(
                    codes, ts, self.n_customers, ties=ties, carry=[cols[k] for k in names]
                )
                self._layout = Layout(
                    readonly(indptr), readonly(gts), GroupedColumns(cols, perm, dict(zip(names, carried)))
                )
                self._rows = None
            return self._layout

    def events(self, *event_types: str | Sequence[str] | None, columns: Sequence[str] = ()) -> Events:
        """The events for a kernel that reads either layout, without forcing the grouping:
        rows in input order while the log is not grouped, else the grouped layout; with
        one mask per argument of ``event_types`` (None: no mask, every event), and the
        optional ``columns`` asked for (those the log has), all in one order. One
        consistent snapshot, even if another thread groups the log meanwhile.

        >>> import fidelite
        >>> log = fidelite.EventLog({"customer_id": [1, 1], "timestamp": ["2024-01-02", "2024-01-01"],
        ...                          "event": ["visit", "purchase"]})
        >>> ev = log.events("purchase", None)
        >>> ev.grouped, ev.masks[0].tolist(), ev.masks[1]
        (False, [False, True], None)
        """
        rows = self._rows
        if rows is None:
            layout = self.grouped()
            cols: Mapping[str, np.ndarray] = layout.columns
            return Events(
                layout.ts,
                None,
                layout.indptr,
                tuple(self._mask_of(cols, t) for t in event_types),
                {k: cols[k] for k in columns if k in cols},
                self.n_customers,
            )
        codes, ts, row_cols = rows
        return Events(
            ts,
            codes,
            None,
            tuple(self._mask_of(row_cols, t) for t in event_types),
            {k: row_cols[k] for k in columns if k in row_cols},
            self.n_customers,
        )

    @property
    def is_grouped(self) -> bool:
        """Whether the grouped layout exists yet (see :meth:`prepare`)."""
        return self._layout is not None

    def prepare(self) -> EventLog:
        """Build the grouped layout now, every optional column included (queries build what
        they need on demand otherwise): for a log that will be queried many times. Returns self."""
        rows = self._rows
        layout = self.grouped(columns=tuple(rows[2]) if rows is not None else ())
        for name in layout.columns:
            layout.columns[name]
        return self

    def cached(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """A derived structure that does not depend on one query (e.g. the activity bitmaps
        of a calendar), built once per key and kept for the most recent keys: what makes a
        log that is queried many times (the explorer) cheaper with every query."""
        return self.cache.get(key, build)

    def calendar(
        self,
        period: str,
        week_start: str | int = "monday",
        tz: str | None = None,
        t_range: tuple[int, int] | None = None,
    ) -> Calendar:
        """The calendar of ``period`` cut in ``tz`` (default: the log's zone), weeks starting
        on ``week_start``, its lookups fast over ``t_range`` (default: the log's events and a
        margin of :data:`CALENDAR_MARGIN_US` on each side; a :meth:`subset` shares its
        parent's calendars and span); built once and kept."""
        zone = tz or self.tz
        span = t_range or self._calendar_span or (self.t_min - CALENDAR_MARGIN_US, self.t_max + CALENDAR_MARGIN_US)
        key = (period, week_start, zone, span)
        return self._calendars.get(key, lambda: Calendar.make(period, zone, week_start, span))

    # ----------------------------------------------------------------- customers
    def codes_of(self, ids: Any, what: str = "customers table") -> np.ndarray:
        """The log's customer code of each id (int64, -1 when the log has no such
        customer or the id is null): the one place where ids of another table (``what``,
        in messages) are matched to the log, looked up in the Rust index. Ids must be of
        the log's kind (integers or strings) and may be any column the log accepts.

        >>> import fidelite
        >>> log = fidelite.EventLog({"customer_id": [30, 10], "timestamp": ["2024-01-01", "2024-01-02"]})
        >>> codes = log.codes_of([10, 20, 30])
        >>> log.customer_ids[codes[[0, 2]]].tolist(), int(codes[1])
        ([10, 30], -1)
        """
        if isinstance(ids, (list, tuple)):
            ids = np.asarray(ids, dtype=object if any(isinstance(v, (str, bytes)) for v in ids) else None)
        if len(ids) == 0:  # an empty (or all-null) id column has no type of its own
            return np.zeros(0, np.int64)
        try:
            return io_ids.lookup(self._index, ids)
        except DTypeError as e:
            log = "integer" if self._index.kind in ("int64", "uint64") else "string"
            have = "string" if log == "integer" else "integer"
            raise ParameterError(
                f"the {what} has {have} ids but the event log has {log} ids; use one id type ({e})"
            ) from None

    def id_order(self) -> np.ndarray:
        """The customer codes in ascending id order (int64): what every result that lists
        customers by id follows (:meth:`by_id`, :meth:`codes_by_id`). Sorted in Rust on
        first use and kept; the identity when codes already follow the ids (dense
        integer ids)."""
        order = self._order
        if order is None:
            if self._index.ascending:
                order = np.arange(self.n_customers, dtype=np.int64)
            else:
                order = self._index.sorted_order().astype(np.int64)
            order.flags.writeable = False
            self._order = order
        return order

    def _codes_follow_ids(self) -> bool:
        """Whether :meth:`id_order` is the identity (no sort needed to know it)."""
        return bool(self._index.ascending) or self.n_customers <= 1

    def codes_by_id(self, mask: np.ndarray | None = None) -> np.ndarray:
        """The codes of the customers of ``mask`` (per code; None: every customer), listed
        in ascending id order."""
        if self._codes_follow_ids():
            return np.arange(self.n_customers, dtype=np.int64) if mask is None else np.flatnonzero(mask)
        order = self.id_order()
        return order if mask is None else order[mask[order]]

    def by_id(self, values: np.ndarray) -> np.ndarray:
        """A per-customer array (in code order) in ascending id order; the array itself
        (no copy) when codes already follow the ids. Numbers and instants are gathered in
        Rust on both cores (numpy's ``values[order]`` is one thread).

        >>> import numpy as np, fidelite
        >>> log = fidelite.EventLog({"customer_id": ["b", "a", "b"], "timestamp": ["2024-01-01"] * 3})
        >>> n_events = np.bincount(log.customer_of_event(), minlength=log.n_customers)
        >>> log.by_id(log.customer_ids).tolist(), log.by_id(n_events).tolist()
        (['a', 'b'], [1, 2])
        """
        if self._codes_follow_ids():
            return values
        dtype = values.dtype
        if dtype.kind not in "iufMm" or dtype.itemsize not in (4, 8):
            return values[self.id_order()]
        perm = self.cached(("id order", "uint32"), lambda: self.id_order().astype(np.uint32))
        # moved bit for bit: any 8-byte (4-byte) number is gathered as an int64 (int32)
        flat = np.ascontiguousarray(values)
        if dtype.itemsize == 8:
            return _core.take(flat.view(np.int64), perm).view(dtype)
        return _core.take(flat.view(np.int32), perm).view(dtype)

    def ids_by_id(self) -> np.ndarray:
        """The distinct customer ids in ascending order (``log.by_id(log.customer_ids)``),
        made in that order: text ids become Python strings once, read in one pass, never
        built in code order and then permuted (a new array, not kept on the log, unless
        codes already follow the ids).

        >>> import fidelite
        >>> fidelite.EventLog({"customer_id": ["b", "a", "b"], "timestamp": ["2024-01-01"] * 3}).ids_by_id().tolist()
        ['a', 'b']
        """
        if self._codes_follow_ids():
            return self.customer_ids
        return self._index.take(self.id_order())

    def no_ids(self) -> np.ndarray:
        """An empty array of the log's id type (``customer_ids[:0]`` without making the ids)."""
        return readonly(self._index.take(np.zeros(0, np.int64)))

    # ----------------------------------------------------------------- accessors
    @classmethod
    def of(cls, data: Any, tz: str | None = None, **columns: Any) -> EventLog:
        """``data`` itself when it already is an EventLog, else ``EventLog(data, tz=tz,
        **columns)``. Column keywords, or a ``tz`` other than the log's, apply when building
        a log: given with an existing one they are an error (a query's zone is a parameter
        of the metric, ``tz=``), never silently dropped."""
        if isinstance(data, EventLog):
            if tz is not None and tz != data.tz:
                raise ParameterError(
                    f"this EventLog was built with tz={data.tz!r}, which reads the dates in its data; to cut the "
                    f"periods of a query in {tz!r}, pass tz={tz!r} to the metric instead of to EventLog.of"
                )
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
        return len(rows[1]) if rows is not None else len(self.grouped().ts)

    @property
    def n_customers(self) -> int:
        return len(self._index)

    @property
    def customer_ids(self) -> np.ndarray:
        """The distinct customer ids by code: code ``i`` stands for ``customer_ids[i]``
        (int64, uint64 beyond the int64 range, or an object array of ``str`` / ``bytes``).

        Codes need not follow the ids: ``customer_ids[log.id_order()]`` lists them in
        ascending order (results that list customers do). Built on first use: text ids
        become Python strings only when asked for (:attr:`id_index` holds them in Rust).

        >>> import fidelite
        >>> log = fidelite.EventLog({"customer_id": ["b", "a", "b"], "timestamp": ["2024-01-01"] * 3})
        >>> sorted(log.customer_ids.tolist()), log.customer_ids[log.id_order()].tolist()
        (['a', 'b'], ['a', 'b'])
        """
        ids = self._ids
        if ids is None:
            ids = self._ids = readonly(self._index.labels())
        return ids

    @property
    def id_index(self) -> io_ids.IdIndex:
        """The distinct customer ids as a Rust :class:`~fidelite._core.IdIndex` (code ``i``
        is id ``i``): lookups, labels of some codes, Arrow export, without Python objects."""
        return self._index

    def has(self, role: str) -> bool:
        """Whether the optional column ``role`` (amount, event, ...) is present."""
        rows = self._rows
        return role in (rows[2] if rows is not None else self.grouped().columns)

    def labels(self, role: str) -> tuple[str, ...]:
        """Sorted distinct values of a label column (event, product, channel)."""
        return self._labels[role]

    def event_mask(self, names: str | Sequence[str] | None) -> np.ndarray | None:
        """Boolean mask (grouped order) of events whose type is in ``names``; None = all."""
        return self._mask_of(self.grouped().columns, names) if names is not None else None

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
        return self.grouped().customer_of_event()

    def __len__(self) -> int:
        return self.n_events

    def __repr__(self) -> str:
        rows = self._rows
        extra = ", ".join(rows[2] if rows is not None else self.grouped().columns) or "no optional columns"
        return (
            f"<EventLog {self.n_events:,} events, {self.n_customers:,} customers, tz={self.tz!r}, "
            f"{extra}; {self.report.n_rejected:,} rows rejected>"
        )

    # ----------------------------------------------------------------- pickling
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        state["_ids"] = None  # rebuilt from the index on demand
        layout = state.pop("_layout")
        if layout is not None:  # every column in grouped order, as plain arrays
            state["_layout"] = (layout.indptr, layout.ts, {k: layout.columns[k] for k in layout.columns})
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        layout = state.pop("_layout", None)
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._layout = None
        if self._rows is not None:
            codes, ts, cols = self._rows
            self._rows = (readonly(codes), readonly(ts), {k: readonly(v) for k, v in cols.items()})
        if layout is not None:
            indptr, ts, cols = layout
            self._layout = Layout(readonly(indptr), readonly(ts), GroupedColumns(cols, np.zeros(0, np.uint32), cols))

    def equals(self, other: Any) -> bool:
        """Whether ``other`` is a log of the same customers, events (in grouped order),
        labels, zone and row accounting."""
        if not isinstance(other, EventLog):
            return False
        if (self.tz, self.columns, self.report, self._labels) != (other.tz, other.columns, other.report, other._labels):
            return False
        if not (self._index == other._index and self.t_min == other.t_min and self.t_max == other.t_max):
            return False
        a, b = self.grouped(), other.grouped()
        if not (
            np.array_equal(a.indptr, b.indptr) and np.array_equal(a.ts, b.ts) and list(a.columns) == list(b.columns)
        ):
            return False
        return all(np.array_equal(a.columns[k], b.columns[k]) for k in a.columns)

    # ----------------------------------------------------------------- export
    def _export(self) -> dict[str, np.ndarray]:
        layout = self.grouped()
        rows: np.ndarray | slice = slice(None)
        if not self._codes_follow_ids():  # customers in ascending id order
            order = self.id_order()
            sizes = layout.sizes()[order]
            starts = layout.indptr[:-1][order]
            rows = np.arange(int(sizes.sum()), dtype=np.int64) + np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
        out: dict[str, np.ndarray] = {
            "customer_id": self.customer_ids[layout.customer_of_event()[rows]],
            "timestamp": layout.ts[rows].view("datetime64[us]"),
        }
        for role in ("amount", "event", "product", "duration", "channel"):
            if role not in layout.columns:
                continue
            v = layout.columns[role][rows]
            if role in self._labels:
                labs = np.array((*self._labels[role], None), dtype=object)
                v = labs[np.where(v < 0, len(labs) - 1, v)]
            out[CANONICAL[role]] = v
        return out

    def to_pandas(self) -> Any:
        """The used rows under canonical column names, sorted by customer id then time
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

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The used rows (as :meth:`to_pandas` lists them) through the Arrow PyCapsule
        interface, built without pyarrow; ``timestamp`` is in UTC. ``pa.table(log)``,
        ``pl.DataFrame(log)`` and DuckDB read it."""
        table = frames.arrow_table(self._export(), timezones={"timestamp": "UTC"})
        return table.__arrow_c_stream__(requested_schema)

    def to_native(self, *, backend: str | None = None) -> Any:
        """The used rows as a frame of the library the data came in as
        (:attr:`native_backend`; a dict of numpy arrays for a dict input), or of
        ``backend`` (any library narwhals supports).

        >>> import fidelite, polars as pl
        >>> log = fidelite.EventLog(pl.DataFrame({"customer_id": [2, 1], "timestamp": ["2024-01-02", "2024-01-01"]}))
        >>> log.to_native()["customer_id"].to_list()
        [1, 2]
        """
        target = backend or self.native_backend or frames.ARROW
        if target == frames.NUMPY:
            return self._export()
        return frames.to_native(self, target)

    # ----------------------------------------------------------------- subsets
    def subset(self, customers: np.ndarray) -> EventLog:
        """The log of the customers where ``customers`` (a boolean mask over customer
        codes) holds, without re-reading anything: their events are sliced out of the
        factorised columns (grouped layout kept when there is one), codes renumbered in
        the same order, label columns narrowed to the labels these events hold. Equal to
        a log built from those customers' rows (:meth:`equals` aside from the code
        order); its :attr:`report` counts those rows, all used (refunds noted); it shares
        the parent's calendars. What ``segment=`` runs each segment on.

        >>> import fidelite
        >>> log = fidelite.EventLog({"customer_id": [5, 6, 5], "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"],
        ...                          "event": ["visit", "buy", "visit"]})
        >>> sub = log.subset(log.customer_ids == 5)
        >>> sub.n_customers, sub.n_events, sub.labels("event"), sub.report.used
        (1, 2, ('visit',), 2)
        """
        keep = np.asarray(customers)
        if keep.dtype != bool or keep.shape != (self.n_customers,):
            raise ParameterError(
                f"subset takes a boolean mask over the {self.n_customers:,} customer codes, "
                f"got an array of {keep.dtype} and shape {keep.shape}"
            )
        kept = np.flatnonzero(keep)
        if not len(kept):
            raise EmptyInputError("the subset holds no customer; select at least one")
        remap = np.cumsum(keep, dtype=np.int64) - 1
        rows = self._rows
        if rows is not None:  # input order: the rows of the kept customers
            codes, ts, cols = rows
            at = np.flatnonzero(keep[codes])
            new_rows = (
                readonly(remap[codes[at]].astype(codes.dtype)),
                readonly(ts[at]),
                {k: v[at] for k, v in cols.items()},
            )
            ts, cols = new_rows[1], new_rows[2]
        else:
            g = self.grouped()
            sizes = g.sizes()[kept]
            ends = np.cumsum(sizes)
            at = np.arange(int(ends[-1]), dtype=np.int64) + np.repeat(g.indptr[kept] - (ends - sizes), sizes)
            ts = g.ts[at]
            cols = {k: g.columns[k][at] for k in g.columns}
            new_rows = None
        labels = dict(self._labels)
        for role in labels:  # only the labels these events hold, codes renumbered
            present = np.zeros(len(labels[role]) + 1, bool)
            present[cols[role]] = True  # -1 (null) marks the last slot
            used = np.flatnonzero(present[:-1])
            if len(used) < len(labels[role]):
                lut = np.full(len(labels[role]) + 1, -1, cols[role].dtype)
                lut[used] = np.arange(len(used), dtype=cols[role].dtype)
                cols[role] = lut[cols[role]]
                labels[role] = tuple(labels[role][i] for i in used.tolist())
        cols = {k: readonly(np.ascontiguousarray(v)) for k, v in cols.items()}
        sub = object.__new__(type(self))
        sub.__dict__.update(
            tz=self.tz, source=self.source, native_backend=self.native_backend, columns=dict(self.columns)
        )
        n_refunds = int(np.count_nonzero(cols["amount"] < 0)) if "amount" in cols else 0
        sub.report = RowReport(len(ts), len(ts), notes={"refunds (negative amounts)": n_refunds} if n_refunds else {})
        sub._labels = labels
        sub._index = self._index.subset(kept.astype(np.uint32))
        sub._ids = sub._order = None
        if new_rows is not None:
            sub._rows = (new_rows[0], new_rows[1], cols)
            sub._layout = None
        else:
            indptr = np.concatenate([[0], ends]).astype(self.grouped().indptr.dtype)
            sub._rows = None
            sub._layout = Layout(readonly(indptr), readonly(ts), GroupedColumns(cols, np.zeros(0, np.uint32), cols))
        sub._lock = threading.Lock()
        sub.cache = Cache(CACHE_SIZE)
        # the parent's calendars (tables over its span, which covers the subset's): the
        # segments of one call build one calendar, not one each
        sub._calendars = self._calendars
        sub._calendar_span = self._calendar_span or (
            self.t_min - CALENDAR_MARGIN_US,
            self.t_max + CALENDAR_MARGIN_US,
        )
        sub.t_min, sub.t_max = io.bounds(ts)
        return sub
