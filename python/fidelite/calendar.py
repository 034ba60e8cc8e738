"""The calendar of a query: periods cut in local wall time of an IANA zone (DST-correct),
week starts, durations (every window parameter), and instants read from dates.

:class:`Calendar` is the Python face of the kernels' calendar: period lookup, the period
axis, labels and completeness. The event log builds one per (period, week start, zone)
and keeps it (:meth:`fidelite.EventLog.calendar`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np

from . import _core
from ._deps import loaded
from .exceptions import ParameterError, TimeZoneError
from .io import US_PER_DAY

PERIODS = ("day", "week", "month", "quarter", "year", "hour")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Rolling window lengths (``window="rolling"``): 1 h, 24 h, 7 d, 30 d.
ROLLING_US = {"hour": US_PER_DAY // 24, "day": US_PER_DAY, "week": 7 * US_PER_DAY, "month": 30 * US_PER_DAY}


_UNITS_US = {
    "us": 1,
    "ms": 1_000,
    "s": 1_000_000,
    "sec": 1_000_000,
    "second": 1_000_000,
    "seconds": 1_000_000,
    "min": 60_000_000,
    "minute": 60_000_000,
    "minutes": 60_000_000,
    "h": 3_600_000_000,
    "hour": 3_600_000_000,
    "hours": 3_600_000_000,
    "d": US_PER_DAY,
    "day": US_PER_DAY,
    "days": US_PER_DAY,
    "w": 7 * US_PER_DAY,
    "week": 7 * US_PER_DAY,
    "weeks": 7 * US_PER_DAY,
}
_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?)\s*([a-zA-Z]+)\s*\Z")
_DURATION_FORMS = "a number of days, a string such as '90D', '30 days', '12h', '30min', '2w', or a timedelta"


def duration_us(value: Any, name: str) -> int:
    """A positive duration in µs, the one reading of every window parameter: a number of
    days (``7``, ``1.5``), a string (``"90D"``, ``"30 days"``, ``"12h"``, ``"30min"``,
    ``"2w"``; units us, ms, s, min, h, D, W and their names), a ``datetime.timedelta``
    (pandas ``Timedelta`` included) or a ``numpy.timedelta64``.

    >>> duration_us("7d", "window") == duration_us(7, "window") == 7 * 86_400_000_000
    True
    """
    us: float | None = None
    if isinstance(value, np.timedelta64):  # before numbers: it subclasses np.integer
        if np.isnat(value) or np.datetime_data(value.dtype)[0] == "generic":
            raise ParameterError(f"{name}={value!r} has no unit; pass e.g. numpy.timedelta64(90, 'D')")
        us = float(value.astype("timedelta64[us]").astype(np.int64))
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        us = float(value) * US_PER_DAY
    elif isinstance(value, dt.timedelta):  # pandas Timedelta is one too
        if value != value:  # pandas NaT
            raise ParameterError(f"{name} is NaT; pass {_DURATION_FORMS}")
        us = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    elif isinstance(value, str):
        m = _DURATION.match(value)
        if m and m.group(2).lower() in _UNITS_US:
            us = float(m.group(1)) * _UNITS_US[m.group(2).lower()]
        elif m and m.group(2) in ("m", "M"):
            raise ParameterError(f"{name}={value!r} is ambiguous (minutes or months?): write '30D' or '30min'")
    if us is None or not math.isfinite(us):
        raise ParameterError(f"{name} must be a duration: {_DURATION_FORMS}; got {value!r}")
    if round(us) <= 0:
        raise ParameterError(f"{name} must be longer than zero, got {value!r}")
    return int(round(us))


def week_start_index(week_start: str | int) -> int:
    """0 = Monday .. 6 = Sunday, from a name (``"sunday"``, ``"sun"``) or that number."""
    if isinstance(week_start, (int, np.integer)) and not isinstance(week_start, bool) and 0 <= week_start <= 6:
        return int(week_start)
    if isinstance(week_start, str):
        key = week_start.strip().lower()
        for i, day in enumerate(WEEKDAYS):
            if key in (day, day[:3]):
                return i
    raise ParameterError(f"week_start must be a weekday name such as 'monday' or 'sunday', got {week_start!r}")


def check_period(period: str) -> str:
    """``period`` when it is one of :data:`PERIODS` (``"day"`` .. ``"year"``, ``"hour"``)."""
    if period not in PERIODS:
        raise ParameterError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    return period


def _missing(value: Any) -> bool:
    """Whether ``value`` is a missing time: None, NaT (numpy or pandas) or a float NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    pd = loaded("pandas")
    return pd is not None and value is pd.NaT


def to_instant(value: Any, tz: str, *, end_of_day: bool = True) -> int:
    """An instant in µs since the epoch from a date, datetime or ISO string.

    A date (no time of day) means the *end* of that day in ``tz`` when ``end_of_day``
    (as_of="2024-06-30" includes the whole of June 30th), else its start. Naive
    datetimes are UTC, like naive timestamps in the data. A missing time (None, NaT,
    NaN) is a :class:`~fidelite.exceptions.ParameterError`, never an empty answer.
    """
    if _missing(value):
        raise ParameterError(
            f"as_of (or a date parameter) is {value!r}, not a time; pass a date such as '2024-06-30', "
            "or leave as_of out for the latest event"
        )
    if not isinstance(tz, str):
        raise TimeZoneError(f"tz must be an IANA zone name such as 'Europe/Paris' or 'UTC', got {tz!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                value = dt.date.fromisoformat(text)
            else:
                value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ParameterError(
                f"cannot read {value!r} as a date or datetime; use ISO 8601, e.g. '2024-06-30'"
            ) from None
    if isinstance(value, np.datetime64):
        unit = np.datetime_data(value.dtype)[0]
        if unit == "D":
            value = value.astype(dt.date)
        else:
            return int(value.astype("datetime64[us]").view(np.int64))
    pd = loaded("pandas")  # only to recognise Timestamps the user already has
    if pd is not None and isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, dt.date):
        day = (value - dt.date(1970, 1, 1)).days
        days = _core.Calendar("day", tz, 0, (day * US_PER_DAY, (day + 1) * US_PER_DAY))
        return days.day_start(day + 1) - 1 if end_of_day else days.day_start(day)
    raise ParameterError(f"cannot read {value!r} as a date or datetime")


class Calendar(_core.Calendar):
    """The calendar of one query: ``period`` cut in the local wall time of ``tz``, weeks
    starting on ``week_start`` (0 = Monday .. 6 = Sunday). Lookups are fast for instants in
    ``t_range`` (µs since the epoch, UTC) and exact everywhere.

    The kernels' calendar (period lookup, the period axis, labels, completeness) with a few
    conveniences; every kernel of a query reads the same one.

    >>> cal = Calendar.make("quarter", "Europe/Paris")
    >>> p = cal.period_of(to_instant("2024-05-01", "Europe/Paris"))
    >>> cal.period_labels(p, 2), cal.start_of("2024-Q2") == p
    (['2024-Q2', '2024-Q3'], True)
    """

    __slots__ = ()

    @classmethod
    def make(
        cls, period: str, tz: str, week_start: str | int = "monday", t_range: tuple[int, int] = (0, 0)
    ) -> Calendar:
        """A calendar from user parameters (checked, with messages saying how to fix them)."""
        return cls(check_period(period), tz, week_start_index(week_start), t_range)

    @property
    def key(self) -> tuple[str, str, int, tuple[int, int]]:
        """What identifies the calendar (e.g. in a cache key)."""
        return (self.period, self.tz, self.week_start, self.t_range)

    def axis(self, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """(local start dates as datetime64[D], UTC start instants in µs) of ``count + 1``
        consecutive periods from ``first`` (the last one bounds the previous). Hours: their
        local wall-clock starts as datetime64[m] (the repeated hour of a fall-back day
        twice, which the labels tell apart)."""
        days, starts = super().axis(first, count)
        if self.period == "hour":
            return days.view("datetime64[us]").astype("datetime64[m]"), starts
        return days.astype("datetime64[D]"), starts

    def periods_of(self, instants: np.ndarray) -> np.ndarray:
        """Period index of each instant (µs since the epoch, UTC)."""
        return super().periods_of(np.ascontiguousarray(instants, np.int64))

    def labels(self, days: np.ndarray) -> list[str]:
        """The label of the period holding each local date (datetime64[D]). For hours,
        ``days`` are the local wall-clock starts of an axis (datetime64[m], as in every
        result's ``period`` column): a start that repeats on a fall-back day is the first
        repeated hour at its first appearance, the second at its next.

        >>> cal = Calendar.make("hour", "America/New_York")
        >>> cal.labels(np.array(["2024-11-03T00:00", "2024-11-03T01:00", "2024-11-03T01:00"], "datetime64[m]"))
        ['2024-11-03 00:00', '2024-11-03 01:00-04:00', '2024-11-03 01:00-05:00']
        """
        if self.period == "hour":
            return self._hour_labels(np.asarray(days, "datetime64[m]"))
        periods = self.periods_of_days(np.ascontiguousarray(np.asarray(days, "datetime64[D]").astype(np.int64)))
        if not len(periods):
            return []
        lo = int(periods.min())
        labels = self.period_labels(lo, int(periods.max()) - lo + 1)
        return [labels[p - lo] for p in periods.tolist()]

    def _hour_labels(self, walls: np.ndarray) -> list[str]:
        if not len(walls):
            return []
        # hours near the wall-clock span (a wall clock is within a day of UTC)
        near = self.periods_of(walls.astype("datetime64[us]").astype(np.int64))
        lo = int(near.min()) - 30
        labels = self.period_labels(lo, int(near.max()) + 30 - lo + 1)
        by_wall: dict[str, list[str]] = {}
        for label in labels:
            by_wall.setdefault(label[:16], []).append(label)
        seen: dict[str, int] = {}
        out = []
        for wall in np.datetime_as_string(walls, unit="m"):
            key = wall.replace("T", " ")
            found = by_wall.get(key)
            if not found:
                raise ParameterError(f"{key} does not start an hour of the {self.tz} calendar (a skipped hour?)")
            k = seen.get(key, 0)
            seen[key] = k + 1
            out.append(found[min(k, len(found) - 1)])
        return out

    def start_of(self, value: Any) -> int:
        """Index of the period holding ``value``: a date / datetime, or a period label such
        as ``"2024"``, ``"2024-03"``, ``"2024-Q2"``, ``"2024-03-15"``, or an hour's label
        (``"2024-11-03 01:00"``, local in the calendar's zone: the first of a repeated
        hour unless its offset is given, ``"2024-11-03 01:00-05:00"``)."""
        if isinstance(value, str) and self.period == "hour":
            m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})([+-]\d{2}:\d{2})?", value.strip())
            if m:
                wall = to_instant(f"{m.group(1)}T{m.group(2)}:{m.group(3)}", "UTC")  # local wall clock, as µs
                near = int(self.period_of(wall))  # within a day of the hour wanted
                labels = self.period_labels(near - 30, 61)
                key = f"{m.group(1)} {m.group(2)}:{m.group(3)}"
                for i, label in enumerate(labels):
                    if label == key + (m.group(4) or "") or (m.group(4) is None and label[:16] == key):
                        return near - 30 + i
                raise ParameterError(f"{value!r} is not an hour of the {self.tz} calendar (a skipped hour?)")
        if isinstance(value, str):
            m = re.fullmatch(r"(\d{4})(?:-(?:Q([1-4])|(\d{2})))?", value.strip())
            if m:
                quarter, month = m.group(2), m.group(3)
                first = 1 if quarter is None and month is None else (3 * int(quarter) - 2 if quarter else int(month))
                if not 1 <= first <= 12:
                    raise ParameterError(
                        f"cannot read {value!r} as a period: month {first} is not in 1..12; "
                        "use a label such as '2024-03', '2024-Q1', '2024' or a date '2024-03-15'"
                    )
                value = dt.date(int(m.group(1)), first, 1)
        return int(self.period_of(to_instant(value, self.tz, end_of_day=False)))
