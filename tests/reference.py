"""A slow, obviously-correct reference for ``fidelite.retention`` and ``fidelite.lifecycle``.

Written from the docstrings and docs/metrics.md, one customer and one event at a time, with
``zoneinfo`` for time zones and the standard library's calendar arithmetic. It imports
nothing from fidelite: tests feed both implementations the same table and compare.

Inputs are pandas DataFrames (or dicts of lists) with the canonical column names
``customer_id``, ``timestamp`` and optionally ``event``, ``amount`` (plus any label
column used as a segment); a customers table has ``customer_id``, the signup column and
attributes. Timestamps may be naive (UTC) or tz-aware datetimes, or µs integers.

>>> rows = {"customer_id": [1, 1], "timestamp": [datetime(2024, 1, 5), datetime(2024, 2, 1)]}
>>> ref_retention(rows, period="month")["counts"][0].tolist()
[[1, 1]]
"""

from __future__ import annotations

import functools
import math
import random
import statistics
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

US = 1_000_000
DAY_US = 86_400 * US
HOUR_US = DAY_US // 24
ROLLING_US = {"hour": HOUR_US, "day": DAY_US, "week": 7 * DAY_US, "month": 30 * DAY_US}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MISSING = "(missing)"


# ----------------------------------------------------------------------------- time


def is_null(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        import pandas as pd

        return v is pd.NaT or (not isinstance(v, (str, bytes)) and bool(pd.isna(v)))
    except (TypeError, ValueError, ImportError):
        return False


def instant_us(v: Any, tz: str = "UTC") -> int:
    """µs since the epoch of a datetime (naive = UTC), a date (local midnight in ``tz``),
    an ISO string, or an int already in µs."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, np.datetime64):
        return int(v.astype("datetime64[us]").astype(np.int64))
    if hasattr(v, "to_pydatetime"):  # pandas Timestamp
        v = v.to_pydatetime()
    if isinstance(v, str):
        v = date.fromisoformat(v) if len(v) == 10 else datetime.fromisoformat(v)
    if isinstance(v, datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=UTC)
        d = v - EPOCH
        return (d.days * 86_400 + d.seconds) * US + d.microseconds
    if isinstance(v, date):
        return local_midnight_us(v, tz)
    raise TypeError(f"not an instant: {v!r}")


def local_datetime(t: int, tz: str) -> datetime:
    return (EPOCH + timedelta(microseconds=t)).astimezone(ZoneInfo(tz))


@functools.lru_cache(maxsize=1 << 16)
def local_midnight_us(d: date, tz: str) -> int:
    """First instant at or after local midnight of ``d`` (midnight may fall in a DST gap)."""
    z = ZoneInfo(tz)
    wall = datetime(d.year, d.month, d.day)
    for minute in range(24 * 60 + 1):
        w = wall + timedelta(minutes=minute)
        aware = w.replace(tzinfo=z, fold=0)  # fold=0: the earlier of two repeated times
        if aware.astimezone(UTC).astimezone(z).replace(tzinfo=None) == w:
            return instant_us(aware)
    raise AssertionError(f"no valid local time on {d} in {tz}")


def as_of_us(value: Any, tz: str, t_max: int) -> int:
    """``as_of``: None = latest event; a date = the end of that local day; a datetime
    (naive = UTC) = that instant."""
    if value is None:
        return t_max
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, np.datetime64) and np.datetime_data(value.dtype)[0] == "D":
        value = value.item()  # a numpy date is a date
    if isinstance(value, date) and not isinstance(value, datetime):
        return local_midnight_us(value + timedelta(days=1), tz) - 1
    return instant_us(value, tz)


def weekday_index(week_start: str | int) -> int:
    if isinstance(week_start, int):
        return week_start
    return WEEKDAYS.index(week_start.lower())


@dataclass(frozen=True)
class Cal:
    """Calendar periods cut in local wall time; a period is identified by an integer.

    Hours are elapsed hours cut where the local clock reads :00: hour ``p`` holds the
    instants t with floor((t + f) / 1 h) = p, f the UTC offset in force at t modulo one
    hour (30 min in Asia/Kolkata; a fraction-of-an-hour offset change moves the grid)."""

    period: str
    tz: str
    week_start: int = 0

    def index(self, d: date) -> int:
        if self.period == "day":
            return d.toordinal()
        if self.period == "week":
            start = d - timedelta(days=(d.weekday() - self.week_start) % 7)
            return start.toordinal() // 7
        if self.period == "month":
            return d.year * 12 + d.month - 1
        if self.period == "quarter":
            return d.year * 4 + (d.month - 1) // 3
        if self.period == "year":
            return d.year
        raise ValueError(self.period)

    def start_date(self, p: int) -> date:
        if self.period == "hour":  # the local wall-clock start, to the minute
            return local_datetime(self.start_us(p), self.tz).replace(tzinfo=None, second=0, microsecond=0)
        if self.period == "day":
            return date.fromordinal(p)
        if self.period == "week":
            # ordinal 1 (0001-01-01) is a Monday: week starts have ordinal % 7 == (1 + ws) % 7
            return date.fromordinal(7 * p + (1 + self.week_start) % 7)
        if self.period == "month":
            return date(p // 12, p % 12 + 1, 1)
        if self.period == "quarter":
            return date(p // 4, 3 * (p % 4) + 1, 1)
        return date(p, 1, 1)

    def period_of(self, t: int) -> int:
        if self.period == "hour":
            offset = local_datetime(t, self.tz).utcoffset()
            assert offset is not None
            return (t + int(offset.total_seconds() * US) % HOUR_US) // HOUR_US
        return self.index(local_datetime(t, self.tz).date())

    def start_us(self, p: int) -> int:
        if self.period == "hour":
            return _hour_start(p, self.tz)
        return local_midnight_us(self.start_date(p), self.tz)


@functools.lru_cache(maxsize=1 << 16)
def _hour_start(p: int, tz: str) -> int:
    """The first instant of hour ``p`` or later: bisection on the (non-decreasing) hour of
    an instant, between 2 h before and 1 h after ``p`` whole hours since the epoch."""
    cal = Cal("hour", tz)
    lo, hi = p * HOUR_US - 2 * HOUR_US, p * HOUR_US + HOUR_US  # period_of(lo) < p <= period_of(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if cal.period_of(mid) < p else (lo, mid)
    return hi


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Ev:
    customer: Any
    t: int
    event: Any
    amount: float
    row: int
    labels: dict
    tie: tuple = ()  # orders a customer's events at the same instant (see same_instant_key)


def _total(x: float) -> int:
    """IEEE 754 total order of a float as an int (what Rust's f64::total_cmp compares)."""
    b = struct.unpack("<q", struct.pack("<d", x))[0]
    return b ^ ((b >> 63) & 0x7FFF_FFFF_FFFF_FFFF)


def same_instant_key(cols: dict[str, list], i: int) -> tuple:
    """docs/metrics.md's "same input, same output" for events at the same instant, as EventLog
    orders them: by amount, then the event, product and channel labels (missing first,
    then in text order), then duration; missing numbers count as 0."""
    key: list = []
    for name in ("amount", "event", "product", "channel", "duration"):
        if name not in cols:
            continue
        v = cols[name][i]
        if name in ("amount", "duration"):
            key.append(_total(0.0 if is_null(v) else float(v)))
        else:
            key.append((0, "") if is_null(v) else (1, str(v)))
    return tuple(key)


def _columns(table: Any) -> dict[str, list]:
    if isinstance(table, dict):
        return {k: list(v) for k, v in table.items()}
    return {str(c): table[c].tolist() for c in table.columns}


def read_events(table: Any, tz: str = "UTC", label_columns: tuple[str, ...] = ()) -> list[Ev]:
    """The usable rows (non-null customer, timestamp and, if present, event type)."""
    cols = _columns(table)
    n = len(cols["customer_id"])
    out = []
    for i in range(n):
        c, t = cols["customer_id"][i], cols["timestamp"][i]
        e = cols["event"][i] if "event" in cols else "any"
        if is_null(c) or is_null(t) or is_null(e):
            continue
        a = cols["amount"][i] if "amount" in cols else 0.0
        a = 0.0 if is_null(a) else float(a)
        if math.isinf(a):
            continue  # an infinite amount rejects the row
        labels = {k: (None if is_null(cols[k][i]) else cols[k][i]) for k in label_columns}
        out.append(Ev(c, instant_us(t, tz), e, a, i, labels, same_instant_key(cols, i)))
    return out


# ----------------------------------------------------------------------------- retention


def wilson(k: float, n: float, level: float) -> tuple[float, float]:
    """Wilson score interval, written out from the textbook formula (NaN when ``k / n``
    is not a proportion)."""
    if n == 0 or k > n:
        return math.nan, math.nan
    z = statistics.NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = (z / (1 + z**2 / n)) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def _segment_values(events: list[Ev], customers: Any, segment: str | None, extra: list) -> dict:
    """Segment value per customer (log customers and customers-table-only ones)."""
    everyone = {e.customer for e in events} | set(extra)
    if segment is None:
        return dict.fromkeys(everyone)
    value = dict.fromkeys(everyone, MISSING)
    if customers is not None and segment in _columns(customers):
        cols = _columns(customers)
        for c, v in zip(cols["customer_id"], cols[segment]):
            if c in value and not is_null(c):
                value[c] = MISSING if is_null(v) else v
        return value
    first: dict = {}
    for e in sorted(events, key=lambda e: (e.t, e.tie, e.row)):
        first.setdefault(e.customer, e)
    for c, e in first.items():
        v = e.labels[segment]
        value[c] = MISSING if v is None else v
    return value


def ref_retention(
    table: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str = "UTC",
    window: str = "calendar",
    criterion: str = "on",
    brackets: list[int] | None = None,
    offset0: str = "cohort",
    cohort: str = "first",
    customers: Any = None,
    signup: str = "created",
    start_event: str | list[str] | None = None,
    return_event: str | list[str] | None = None,
    measure: str = "customers",
    reference: str = "cohort",
    as_of: Any = None,
    ci: float | None = None,
    segment: str | None = None,
    average: str = "weighted",
    offset_period: str | None = None,
    min_events: int = 1,
) -> dict[str, Any]:
    """The retention matrix by definition. Returns a dict with ``segments`` (list),
    per-segment ``counts`` / ``sizes`` / ``rates`` / ``average`` / ``ci_low`` /
    ``ci_high`` / ``members`` (lists, one entry per segment; ``members`` maps a cell (k, b)
    to the customers it counts, each with its value in the cell: 1 for the customers
    measure, its revenue in the cell for the revenue measures), and shared ``cohorts``
    (dates), ``offsets``, ``complete``, ``observed``."""
    # a customers-table attribute wins over an event label column of the same name
    by_table = segment is not None and customers is not None and segment in _columns(customers)
    all_events = read_events(table, tz, (segment,) if segment is not None and not by_table else ())
    cal = Cal(period, tz, weekday_index(week_start))
    cut = as_of_us(as_of, tz, max(e.t for e in all_events))
    events = [e for e in all_events if e.t <= cut]  # later events are ignored
    starts_ok = _type_filter(start_event)
    returns_ok = _type_filter(return_event)

    by_customer: dict = {}
    for e in events:
        by_customer.setdefault(e.customer, []).append(e)
    for evs in by_customer.values():
        evs.sort(key=lambda e: (e.t, e.tie, e.row))

    # cohort entries: (customer, t0)
    entries: list[tuple[Any, int]] = []
    extra: list = []
    if cohort == "signup":
        cols = _columns(customers)
        signup_of: dict = {}
        for c, s in zip(cols["customer_id"], cols[signup]):
            if is_null(c) or is_null(s):
                continue
            t = instant_us(s, tz)
            signup_of[c] = min(t, signup_of.get(c, t))
        in_log = {e.customer for e in all_events}
        extra = [c for c in signup_of if c not in in_log]
        entries = [(c, t0) for c, t0 in signup_of.items() if t0 <= cut]
    else:
        for c, evs in by_customer.items():
            seen_periods = set()
            for e in evs:
                if not starts_ok(e.event):
                    continue
                p = cal.period_of(e.t)
                if cohort == "first":
                    entries.append((c, e.t))
                    break
                if p not in seen_periods:
                    seen_periods.add(p)
                    entries.append((c, e.t))

    seg_of = _segment_values(all_events, customers, segment, extra)
    segments = [None] if segment is None else sorted(set(seg_of.values()), key=lambda v: (v == MISSING, str(v)))
    if not entries:  # no cohort at all: 0 rows, and a column per bracket
        p_lo, p_hi, n_offsets = 0, -1, 0
    else:
        p_lo = min(cal.period_of(t0) for _, t0 in entries)
        p_hi = max(cal.period_of(t0) for _, t0 in entries)
        if window == "calendar":
            n_offsets = cal.period_of(cut) - p_lo + 1
        else:
            n_offsets = (cut - min(t0 for _, t0 in entries)) // ROLLING_US[offset_period or period] + 1
    if brackets is None:
        bucket_ranges = [(j, j) for j in range(n_offsets)]
    else:
        lo, bucket_ranges = 0, []
        for w in brackets:
            bucket_ranges.append((lo, lo + w - 1))
            lo += w

    def bucket(j: int) -> int | None:
        for b, (a, z) in enumerate(bucket_ranges):
            if a <= j <= z:
                return b
        return None

    nk, nb = p_hi - p_lo + 1, len(bucket_ranges)
    cohorts = [cal.start_date(p_lo + k) for k in range(nk)]
    counts = {s: np.zeros((nk, nb), np.float64 if measure != "customers" else np.int64) for s in segments}
    sizes = {s: np.zeros(nk, np.int64) for s in segments}
    # the customers each cell counts: (k, b) -> {customer: its value in the cell}
    members: dict = {s: {} for s in segments}

    for c, t0 in entries:
        s = seg_of[c]
        p0 = cal.period_of(t0)
        k = p0 - p_lo
        sizes[s][k] += 1
        reached: set[int] = set()
        returns_in = [0] * nb  # return events per bucket: a bucket is reached at the min_events-th
        revenue = [0.0] * nb
        for e in by_customer.get(c, []):
            if e.t < t0 or not returns_ok(e.event):
                continue
            j = cal.period_of(e.t) - p0 if window == "calendar" else (e.t - t0) // ROLLING_US[offset_period or period]
            if j < 0:
                continue
            if j == 0 and offset0 == "return" and e.t == t0:
                continue  # day 0 counts returns strictly after the start instant
            b = bucket(j)
            if b is None:
                continue
            returns_in[b] += 1
            if returns_in[b] >= min_events:
                reached.add(b)
            revenue[b] += e.amount
        if measure != "customers":
            running = 0.0
            for b in range(nb):
                counts[s][k, b] += revenue[b]
                running += revenue[b]
                if b in reached if measure == "revenue" else any(r <= b for r in reached):
                    members[s].setdefault((k, b), {})[c] = revenue[b] if measure == "revenue" else running
            continue
        counted: set[int] = set()
        if offset0 == "cohort":
            counted.add(0)
        if criterion == "on":
            counted |= reached
        elif criterion == "on_or_after":
            counted |= {b for b in range(nb) if any(r >= b for r in reached)}
        else:  # streak: every bucket 1..b reached
            if 0 in reached:
                counted.add(0)
            for b in range(1, nb):
                if all(x in reached for x in range(1, b + 1)):
                    counted.add(b)
        for b in counted:
            counts[s][k, b] += 1
            members[s].setdefault((k, b), {})[c] = 1
    if measure == "cumulative_revenue":
        counts = {s: np.cumsum(v, axis=1) for s, v in counts.items()}

    complete = np.zeros((nk, nb), bool)
    observed = np.zeros((nk, nb), bool)
    for k in range(nk):
        p = p_lo + k
        for b, (first, last) in enumerate(bucket_ranges):
            if window == "calendar":
                end, begin = cal.start_us(p + last + 1), cal.start_us(p + first)
            else:
                length = ROLLING_US[offset_period or period]
                end, begin = cal.start_us(p + 1) + length * (last + 1), cal.start_us(p) + length * first
            complete[k, b] = end - 1 <= cut  # the cell's last µs had passed
            observed[k, b] = begin <= cut

    out: dict[str, Any] = {
        "segments": segments,
        "cohorts": cohorts,
        "offsets": [a for a, _ in bucket_ranges],
        "complete": complete,
        "observed": observed,
        "counts": [],
        "sizes": [],
        "rates": [],
        "average": [],
        "ci_low": [],
        "ci_high": [],
        "members": [members[s] for s in segments],
    }
    for s in segments:
        cnt, size = counts[s], sizes[s]
        den = np.zeros((nk, nb))
        rates = np.full((nk, nb), np.nan)
        lo_ci, hi_ci = np.full((nk, nb), np.nan), np.full((nk, nb), np.nan)
        for k in range(nk):
            for b in range(nb):
                den[k, b] = size[k] if reference == "cohort" or b == 0 else cnt[k, b - 1]
                if den[k, b] > 0 and observed[k, b]:
                    rates[k, b] = cnt[k, b] / den[k, b]
                    if ci is not None:
                        lo_ci[k, b], hi_ci[k, b] = wilson(cnt[k, b], den[k, b], ci)
        avg = []
        for b in range(nb):
            cells = [(cnt[k, b], den[k, b], rates[k, b]) for k in range(nk) if complete[k, b] and den[k, b] > 0]
            if not cells:
                avg.append(math.nan)
            elif average == "weighted":
                avg.append(sum(x for x, _, _ in cells) / sum(d for _, d, _ in cells))
            else:
                avg.append(sum(r for _, _, r in cells) / len(cells))
        out["counts"].append(cnt)
        out["sizes"].append(size)
        out["rates"].append(rates)
        out["average"].append(np.array(avg))
        out["ci_low"].append(lo_ci)
        out["ci_high"].append(hi_ci)
    return out


def _type_filter(names: str | list[str] | None):
    if names is None:
        return lambda _e: True
    wanted = {names} if isinstance(names, str) else set(names)
    return lambda e: e in wanted


# ----------------------------------------------------------------------------- lifecycle


def ref_lifecycle(
    table: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str = "UTC",
    active_event: str | list[str] | None = None,
    as_of: Any = None,
) -> dict[str, Any]:
    """new / returning / resurrected / dormant per period, by definition (whole history)."""
    events = read_events(table, tz)
    cal = Cal(period, tz, weekday_index(week_start))
    cut = as_of_us(as_of, tz, max(e.t for e in events))
    ok = _type_filter(active_event)
    active: dict = {}
    for e in events:
        if e.t <= cut and ok(e.event):
            active.setdefault(e.customer, set()).add(cal.period_of(e.t))
    p_hi = cal.period_of(cut)
    if not active:
        return {"periods": [], "new": [], "returning": [], "resurrected": [], "dormant": [], "complete": []}
    p_lo = min(min(ps) for ps in active.values())
    n = p_hi - p_lo + 1
    new, returning, resurrected, dormant = ([0] * n for _ in range(4))
    for ps in active.values():
        first = min(ps)
        for p in ps:
            if p == first:
                new[p - p_lo] += 1
            elif p - 1 in ps:
                returning[p - p_lo] += 1
            else:
                resurrected[p - p_lo] += 1
            if p + 1 not in ps and p + 1 <= p_hi:
                dormant[p + 1 - p_lo] += 1
    periods = [cal.start_date(p_lo + i) for i in range(n)]
    complete = [cal.start_us(p_lo + i + 1) - 1 <= cut for i in range(n)]
    return {
        "periods": periods,
        "new": new,
        "returning": returning,
        "resurrected": resurrected,
        "dormant": dormant,
        "complete": complete,
    }


# ----------------------------------------------------------------------------- comparison


def _unit(axis: list) -> str:
    """The numpy unit an axis of the reference is compared in: minutes for hours (local
    wall-clock datetimes), else days."""
    return "datetime64[m]" if any(isinstance(d, datetime) for d in axis) else "datetime64[D]"


def assert_matches(result: Any, ref: dict[str, Any], *, what: str = "") -> None:
    """Assert that a fidelite RetentionMatrix / SegmentedRetention equals the reference
    (read through public attributes only)."""
    segmented = hasattr(result, "segments") and hasattr(result, "matrices")
    mats = [result[s] for s in result.segments] if segmented else [result]
    if segmented:
        assert list(result.segments) == ref["segments"], f"{what}: segments {result.segments} != {ref['segments']}"
    for i, m in enumerate(mats):
        tag = f"{what} segment {ref['segments'][i]!r}"
        assert [d.item() for d in m.cohorts.astype(_unit(ref["cohorts"]))] == ref["cohorts"], (
            f"{tag}: cohorts {m.cohorts} != {ref['cohorts']}"
        )
        assert m.offsets.tolist() == list(ref["offsets"]), f"{tag}: offsets {m.offsets} != {ref['offsets']}"
        assert m.sizes.tolist() == ref["sizes"][i].tolist(), f"{tag}: sizes {m.sizes} != {ref['sizes'][i]}"
        want = ref["counts"][i]
        assert m.counts.shape == want.shape, f"{tag}: shape {m.counts.shape} != {want.shape}"
        if want.dtype.kind == "i":
            assert m.counts.dtype == np.int64
            np.testing.assert_array_equal(m.counts, want, err_msg=f"{tag}: counts")
        else:
            np.testing.assert_allclose(m.counts, want, rtol=1e-9, atol=1e-6, err_msg=f"{tag}: values")
        np.testing.assert_array_equal(m.complete, ref["complete"], err_msg=f"{tag}: complete")
        np.testing.assert_array_equal(m.observed, ref["observed"], err_msg=f"{tag}: observed")
        np.testing.assert_allclose(
            m.rates, ref["rates"][i], rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=f"{tag}: rates"
        )
        np.testing.assert_allclose(
            m.average, ref["average"][i], rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=f"{tag}: average"
        )
        if m.ci_low is not None:
            np.testing.assert_allclose(
                m.ci_low, ref["ci_low"][i], rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=f"{tag}: ci_low"
            )
            np.testing.assert_allclose(
                m.ci_high, ref["ci_high"][i], rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=f"{tag}: ci_high"
            )


def assert_members_match(result: Any, ref: dict[str, Any], *, what: str = "", every_cell: int = 64) -> None:
    """Assert that the cells' customers (``RetentionMatrix.customers``) are the cells'
    members by the reference, with their values in the cell for the revenue measures.

    A matrix of at most ``every_cell`` cells is checked cell by cell. A larger one (daily
    offsets: ~1,500 cells, 0.15 ms a drill-down, most of them empty) in every cell that
    has members by the reference or a nonzero count in the matrix, the first and last
    offsets of every cohort, and ``every_cell`` more cells drawn by a generator seeded
    from the matrix (so, over the many logs of a property test, empty cells anywhere);
    for the customers measure the reference's member counts must then equal the counts
    of every cell."""
    segmented = hasattr(result, "segments") and hasattr(result, "matrices")
    mats = [result[s] for s in result.segments] if segmented else [result]
    for i, m in enumerate(mats):
        want_all = ref["members"][i]
        k_n, b_n = m.counts.shape
        if k_n * b_n <= every_cell:
            cells = {(k, b) for k in range(k_n) for b in range(b_n)}
        else:
            if m.measure == "customers":
                by_ref = np.zeros((k_n, b_n), dtype=np.int64)
                for (k, b), who in want_all.items():
                    by_ref[k, b] = len(who)
                assert np.array_equal(by_ref, m.counts), f"{what}: member counts {by_ref} != counts {m.counts}"
            rng = random.Random(k_n * 1_000_003 + b_n * 7_919 + len(want_all))
            cells = set(want_all) | {(int(k), int(b)) for k, b in zip(*np.nonzero(m.counts))}
            cells |= {(k, b) for k in range(k_n) for b in (0, b_n - 1)}
            cells |= {(rng.randrange(k_n), rng.randrange(b_n)) for _ in range(every_cell)}
        for k, b in sorted(cells):
            got = m.customers(k, b)
            want = want_all.get((k, b), {})
            ids = got["customer_id"].tolist()
            assert ids == sorted(ids) and len(set(ids)) == len(ids), f"{what}: cell ({k}, {b}) ids not ascending"
            assert set(ids) == set(want), (
                f"{what} segment {ref['segments'][i]!r} cell ({k}, {b}): {ids} != {sorted(want, key=str)}"
            )
            if m.measure != "customers":
                values = dict(zip(ids, got["cell_value"].tolist()))
                for c, v in want.items():
                    assert math.isclose(values[c], v, rel_tol=1e-9, abs_tol=1e-6), f"{what} cell ({k}, {b}) {c}"


def assert_lifecycle_matches(result: Any, ref: dict[str, Any], *, what: str = "") -> None:
    """Assert that a fidelite LifecycleResult equals the reference."""
    unit = _unit(ref["periods"])
    assert [d.item() for d in result.periods.astype(unit)] == ref["periods"], f"{what}: periods"
    for name in ("new", "returning", "resurrected", "dormant", "complete"):
        assert getattr(result, name).tolist() == ref[name], (
            f"{what}: {name} {getattr(result, name).tolist()} != {ref[name]}"
        )
