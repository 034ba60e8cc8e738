"""Hypothesis strategies biased to what breaks calendars, shared by the reference tests.

Random instants cluster where a wrong answer hides: DST transitions of the test zones
(and one microsecond either side), local midnights +-1 us in those zones, instants tied
with one another, and, on request, the placeholder dates real exports carry (1900-01-01,
1970-01-01, 9999-12-31 ...). ``make test`` draws a few hundred examples per property,
``make test-long`` at least 10,000 (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

US = 1_000_000
DAY_US = 86_400 * US
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

#: placeholder dates of real exports, as UTC midnights (µs since the epoch)
PLACEHOLDERS = {
    "1900-01-01": -2_208_988_800 * US,
    "1970-01-01": 0,
    "2000-01-01": 946_684_800 * US,
    "9999-12-31": 253_402_214_400 * US,
}
#: the zones whose edges the instants cluster on
EDGE_ZONES = ("Europe/Paris", "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kolkata")


def _us(t: dt.datetime) -> int:
    d = t - EPOCH
    return (d.days * 86_400 + d.seconds) * US + d.microseconds


@cache
def transitions(zone: str, first_year: int, last_year: int) -> tuple[int, ...]:
    """The UTC instants (µs) at which ``zone``'s offset changes between the two years: a
    day at a time (one change a day at most), the minute found by bisection (an hourly scan
    took 0.2 s a call, a quarter of a random log's generation time)."""
    z = ZoneInfo(zone)
    out = []
    t = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC)
    day, minute = dt.timedelta(days=1), dt.timedelta(minutes=1)
    before = t.astimezone(z).utcoffset()
    while t < end:
        nxt = t + day
        after = nxt.astimezone(z).utcoffset()
        if after != before:  # the first minute carrying the new offset
            lo, hi = 0, 24 * 60
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if (t + mid * minute).astimezone(z).utcoffset() == before else (lo, mid)
            out.append(_us(t + hi * minute))
        before, t = after, nxt
    return tuple(out)


def local_midnight(zone: str, day: dt.date) -> int:
    """The first instant (µs, UTC) of ``day`` in ``zone`` (after a gap at midnight, its end)."""
    z = ZoneInfo(zone)
    for minutes in range(0, 24 * 60, 30):
        wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
        t = wall.replace(tzinfo=z)
        back = t.astimezone(dt.UTC).astimezone(z).replace(tzinfo=None)
        if back == wall:  # not in a gap
            return _us(t.astimezone(dt.UTC))
    raise AssertionError(f"no instant on {day} in {zone}")


@cache
def edge_instants(base_us: int, span_days: int, zones=EDGE_ZONES) -> st.SearchStrategy[int]:
    """Instants near ``[base_us, base_us + span_days]`` sitting on an edge: a DST transition
    of one of ``zones`` (+-1 µs, +-1 h), or a local midnight there (+-1 µs). Built once per
    arguments (a composite strategy that built it per draw spent a tenth of its generation
    time building and validating it)."""
    first = (EPOCH + dt.timedelta(microseconds=base_us)).year
    last = (EPOCH + dt.timedelta(microseconds=base_us + span_days * DAY_US)).year
    edges = sorted({t for z in zones for t in transitions(z, first, last)})
    near = st.sampled_from([0, 0, 1, -1, 3_600 * US, -3_600 * US])
    dst = st.builds(lambda t, d: t + d, st.sampled_from(edges), near) if edges else st.nothing()
    start = (EPOCH + dt.timedelta(microseconds=base_us)).date()
    midnight = st.builds(
        lambda z, d, e: local_midnight(z, start + dt.timedelta(days=d)) + e,
        st.sampled_from(("UTC",) + tuple(zones)),
        st.integers(-1, span_days + 1),
        st.sampled_from([0, 1, -1]),
    )
    return st.one_of(dst, midnight)


def biased_instants(
    plain: st.SearchStrategy[int], base_us: int, span_days: int, *, placeholders: bool = False
) -> st.SearchStrategy[int]:
    """``plain`` instants most of the time, edge instants often, placeholder dates (when
    asked for) now and then."""
    parts = [plain, plain, edge_instants(base_us, span_days)]
    if placeholders:
        parts.append(st.sampled_from(sorted(PLACEHOLDERS.values())))
    return st.one_of(*parts)


def with_ties(values: list[int], draw_indices: list[tuple[int, int]]) -> list[int]:
    """``values`` with ``values[j] = values[i]`` for each ``(i, j)``: exact ties."""
    out = list(values)
    for i, j in draw_indices:
        if out:
            out[j % len(out)] = out[i % len(out)]
    return out


@st.composite
def tied(draw, instants: st.SearchStrategy[int], n: int) -> list[int]:
    """``n`` instants of which some are exact copies of others."""
    values = draw(st.lists(instants, min_size=n, max_size=n))
    pairs = draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), max_size=max(1, n // 3)))
    return with_ties(values, pairs)
