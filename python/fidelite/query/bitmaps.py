"""Active-period bitmaps: per customer, one bit per calendar period with an event.

Questions that only need *whether* a customer was active in each period (the classic
cohort matrix, lifecycle) are answered from them in one pass over the rows in any order,
without grouping the log. They are kept on the EventLog per calendar, so a log queried
many times (the explorer) builds them once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .. import _core
from .params import Query

#: Largest bitmaps (all threads) a query may allocate; above it, the grouped kernels run.
BITMAP_BYTES = 1 << 30


def n_periods(q: Query) -> int:
    """Periods from the first one of the axis (the origin, else the period of the log's
    first instant) up to ``as_of``'s (0 when as_of precedes them)."""
    cal = q.calendar
    first = q.origin if q.origin is not None else cal.period_of(q.t_range[0])
    if q.origin is None and q.as_of < q.t_range[0]:
        return 0
    return max(int(cal.period_of(q.as_of)) - int(first) + 1, 0)


def affordable(q: Query) -> bool:
    """Whether the bitmaps of the query's calendar fit in :data:`BITMAP_BYTES` (built from
    rows, each thread holds a copy)."""
    threads = 1 if q.log.is_grouped else (os.cpu_count() or 1)
    return q.log.n_customers * 8 * max(1, -(-n_periods(q) // 64)) * threads <= BITMAP_BYTES


def active(q: Query, names: str | Sequence[str] | None) -> tuple[int, int, np.ndarray]:
    """(first period, number of periods, read-only bits of shape (customers, words)):
    which periods up to ``as_of`` hold an event of types ``names`` (None = any)."""
    key_names = None if names is None else tuple(sorted([names] if isinstance(names, str) else names))

    def build() -> tuple[int, int, np.ndarray]:
        ev = q.events(names)
        p_lo, bits = _core.active_bitmaps(ev, q, mask=ev.mask)
        bits.flags.writeable = False
        return p_lo, n_periods(q), bits

    key = ("active_bitmaps", q.calendar.key, q.as_of, q.t_range, q.origin, key_names)
    return q.log.cached(key, build)
