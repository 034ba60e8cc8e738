"""Active-period bitmaps: per customer, one bit per calendar period with an event.

Questions that only need *whether* a customer was active in each period (the classic
cohort matrix, lifecycle, rolling activity by day) are answered from them in one pass over
the rows in any order, without grouping the log. They are kept on the EventLog per
calendar, so a log queried many times (the explorer) builds them once.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import _core
from ..calendar import Calendar
from ..eventlog import EventLog

#: Largest bitmaps (all threads) a query may allocate; above it, the grouped kernels run.
BITMAP_BYTES = 1 << 30


def n_periods(log: EventLog, cal: Calendar, as_of_us: int) -> int:
    """Periods from the first event's up to ``as_of``'s (0 when as_of precedes the data)."""
    if as_of_us < log.t_min:
        return 0
    first, last = cal.periods_of(np.array([log.t_min, as_of_us]))
    return int(last - first) + 1


def affordable(log: EventLog, cal: Calendar, as_of_us: int) -> bool:
    """Whether the bitmaps of this calendar fit in :data:`BITMAP_BYTES` (built from rows,
    each thread holds a copy)."""
    threads = 1 if log.is_grouped else (os.cpu_count() or 1)
    return log.n_customers * 8 * max(1, -(-n_periods(log, cal, as_of_us) // 64)) * threads <= BITMAP_BYTES


def active(log: EventLog, cal: Calendar, as_of_us: int, names: Any) -> tuple[int, int, np.ndarray]:
    """(first period, number of periods, read-only bits of shape (customers, words)):
    which periods up to ``as_of`` hold an event of types ``names`` (None = any)."""
    key_names = None if names is None else tuple(sorted([names] if isinstance(names, str) else names))

    def build() -> tuple[int, int, np.ndarray]:
        ev = log.events(names)
        arrays = {"codes": ev.codes} if ev.codes is not None else {"indptr": ev.indptr}
        p_lo, bits = _core.active_bitmaps(ev.ts, n_customers=log.n_customers, mask=ev.mask, t_range=(log.t_min, log.t_max),
                                          as_of=as_of_us, **arrays, **cal.kw())
        bits.flags.writeable = False
        return p_lo, n_periods(log, cal, as_of_us), bits

    return log.cached(("active_bitmaps", cal, as_of_us, key_names), build)  # type: ignore[no-any-return]
