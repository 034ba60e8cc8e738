"""The shared parameters of a metric call, parsed once: the log, the zone, ``as_of``, the
calendar and the column keywords (:func:`parse` is the one entry point)."""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn, TypeVar, cast

import numpy as np

from ..calendar import Calendar, check_period, to_instant, week_start_index
from ..eventlog import CALENDAR_MARGIN_US, COLUMN_KEYWORDS, EventLog, Events, Layout
from ..exceptions import ParameterError


@dataclass(frozen=True, eq=False)
class Query:
    """One metric call's view of the data: the log, the zone its periods are cut in
    (``tz``: the metric's, else the log's), ``as_of`` (µs, resolved), the calendar
    (``period``, ``week_start``) and the time range its axes cover. Kernels read a query
    as one argument (its ``calendar``, ``as_of``, ``t_range`` and ``origin``).

    ``t_range`` and ``start`` let a caller fix what would otherwise be read off the data:
    a query run on one partition of the customers (each partition its own log) that must
    line up with the others passes the whole data's range, its ``as_of`` and the instant
    every axis starts at (``start``: the first period of an axis is the one holding it),
    so that partial results merge cell by cell. Every metric accepts a query in place of
    its data (see :func:`parse`).
    """

    log: EventLog
    tz: str
    as_of: int
    period: str = "month"
    week_start: int = 0
    t_range: tuple[int, int] = (0, 0)
    start: int | None = None

    @property
    def origin(self) -> int | None:
        """The first period of every axis on the query's calendar (None: from the data)."""
        return None if self.start is None else self.calendar.period_of(self.start)

    @property
    def calendar(self) -> Calendar:
        """The calendar of the query's period, zone and week start (built once per log),
        its lookups fast over the query's time range."""
        return self.log.calendar(self.period, self.week_start, self.tz, self._span())

    def _span(self) -> tuple[int, int] | None:
        """The range of the query's calendars: the log's default, unless the query covers
        another range (partitioned execution)."""
        if self.t_range == (self.log.t_min, self.log.t_max):
            return None
        margin = CALENDAR_MARGIN_US
        return (min(self.t_range[0], self.as_of) - margin, max(self.t_range[1], self.as_of) + margin)

    @property
    def days(self) -> Calendar:
        """The calendar of local days in the query's zone."""
        return self.on("day").calendar

    def events(self, *event_types: str | Sequence[str] | None, columns: Sequence[str] = ()) -> Events:
        """:meth:`fidelite.EventLog.events` of the query's log."""
        return self.log.events(*event_types, columns=columns)

    def grouped(self, columns: Sequence[str] = ()) -> Layout:
        """:meth:`fidelite.EventLog.grouped` of the query's log."""
        return self.log.grouped(columns)

    def on(self, period: str, week_start: str | int | None = None) -> Query:
        """The same query on another calendar (e.g. local days for a rolling count)."""
        ws = self.week_start if week_start is None else week_start_index(week_start)
        return replace(self, period=check_period(period), week_start=ws)


def choice(name: str, value: Any, allowed: Sequence[Any]) -> Any:
    """``value`` when it is one of ``allowed``, else a
    :class:`~fidelite.exceptions.ParameterError` listing them."""
    if value not in allowed:
        raise ParameterError(f"unknown {name} {value!r}: use one of {', '.join(map(repr, allowed))}")
    return value


def positive_ints(name: str, value: Any) -> list[int]:
    """``value`` as a non-empty list of positive integers (Python or numpy integers, not
    bools, floats or a string of digits), else a :class:`~fidelite.exceptions.ParameterError`.

    >>> positive_ints("brackets", [1, 2])
    [1, 2]
    """
    items = list(value) if isinstance(value, (list, tuple, np.ndarray, range)) else []
    whole = all(isinstance(w, (int, np.integer)) and not isinstance(w, (bool, np.bool_)) and w >= 1 for w in items)
    if not (items and whole):
        raise ParameterError(
            f"{name} must be a non-empty list of positive widths (whole numbers), e.g. {name}=[1, 2, 3], got {value!r}"
        )
    return [int(w) for w in items]


def resolve_as_of(value: Any, tz: str, default: int) -> int:
    """``as_of`` in µs since the epoch: ``default`` (the latest event, for most metrics)
    when None; a date means the end of that day in ``tz``; a naive datetime is UTC."""
    return default if value is None else to_instant(value, tz)


def check_keywords(columns: Mapping[str, Any], metric: Callable[..., Any] | None) -> None:
    """Every keyword in ``columns`` must be a column keyword of :class:`~fidelite.EventLog`:
    an unknown one is a :class:`~fidelite.exceptions.ParameterError` naming the closest
    parameter of ``metric`` or column keyword."""
    unknown = [k for k in columns if k not in COLUMN_KEYWORDS]
    if unknown:
        own = [] if metric is None else [n for n in _keywords(metric) if n != "data"]
        where = f"{metric.__name__}()" if metric is not None else "this metric"
        _unknown(unknown[0], own, where, [*COLUMN_KEYWORDS, "tz"])


def _keywords(metric: Callable[..., Any]) -> list[str]:
    return [
        p.name
        for p in inspect.signature(metric).parameters.values()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def _unknown(name: str, own: list[str], where: str, columns: Sequence[str] = ()) -> NoReturn:
    close = difflib.get_close_matches(name, [*own, *columns], n=1)
    if close:
        raise ParameterError(f"unknown parameter {name!r} (did you mean {close[0]!r}?)")
    takes = ", ".join(own)
    if columns:
        tz = "" if "tz" in own else "tz and "
        takes += f"{', ' if takes else ''}{tz}the column keywords {', '.join(COLUMN_KEYWORDS)}"
    raise ParameterError(f"unknown parameter {name!r}: {where} takes {takes}")


F = TypeVar("F", bound=Callable[..., Any])


def keywords(metric: F) -> F:
    """For a metric without column keywords (a table other than events): an unknown
    keyword is the same :class:`~fidelite.exceptions.ParameterError`, with a close-match
    hint, as for every other metric (not Python's ``TypeError``)."""
    own = _keywords(metric)

    @functools.wraps(metric)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name in kwargs:
            if name not in own:
                _unknown(name, own[1:], f"{metric.__name__}()")
        return metric(*args, **kwargs)

    return cast(F, checked)


def log_of(
    data: Any, tz: str | None, columns: Mapping[str, Any], metric: Callable[..., Any] | None = None
) -> tuple[EventLog, str]:
    """(the log, the query's zone) of ``data``: an EventLog as it is (column keywords are
    then an error), anything else built into one with ``tz`` and the column keywords.
    The zone is ``tz``, else the log's."""
    check_keywords(columns, metric)
    if isinstance(data, EventLog):
        log = EventLog.of(data, **columns)
    else:
        log = EventLog.of(data, tz=tz, **columns)
    return log, tz or log.tz


def parse(
    data: Any,
    columns: Mapping[str, Any],
    *,
    metric: Callable[..., Any] | None = None,
    tz: str | None = None,
    as_of: Any = None,
    period: str = "month",
    week_start: str | int = "monday",
    t_range: tuple[int, int] | None = None,
    start: int | None = None,
) -> Query:
    """The :class:`Query` of a metric call: ``data`` (an EventLog or anything it accepts,
    built with the column keywords ``columns``), the zone, ``as_of`` (default: the latest
    event, or the end of ``t_range`` when given), the calendar, and optionally the time
    range the axes cover and the instant they start at.

    ``data`` may itself be a query (e.g. one per partition of the customers, with the
    whole data's range): its log, range, start and ``as_of`` are kept, and the metric's
    calendar parameters (``period``, ``week_start``, ``tz``, ``as_of`` when given) apply.

    ``metric`` (the public function) names the parameters an unknown keyword is matched
    against: ``retention(df, perod="month")`` says ``unknown parameter 'perod' (did you
    mean 'period'?)``.

    >>> import fidelite
    >>> q = parse({"customer_id": [1], "timestamp": ["2024-01-05"]}, {}, period="week", week_start="sunday")
    >>> q.tz, q.period, q.week_start, q.as_of == q.log.t_max
    ('UTC', 'week', 6, True)
    """
    if isinstance(data, Query):
        check_keywords(columns, metric)
        if columns:
            raise ParameterError(f"column keywords ({', '.join(columns)}) apply when building a log, not to a query")
        zone = tz or data.tz
        return replace(
            data,
            tz=zone,
            as_of=data.as_of if as_of is None else resolve_as_of(as_of, zone, data.as_of),
            period=check_period(period),
            week_start=week_start_index(week_start),
        )
    log, zone = log_of(data, tz, columns, metric)
    span = t_range if t_range is not None else (log.t_min, log.t_max)
    return Query(
        log=log,
        tz=zone,
        as_of=resolve_as_of(as_of, zone, span[1]),
        period=check_period(period),
        week_start=week_start_index(week_start),
        t_range=span,
        start=start,
    )
