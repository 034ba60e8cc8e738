"""Lifecycle per period (docs/metrics.md, "Lifecycle"): new, returning, resurrected and
dormant customers, from active-period bitmaps or the grouped events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _core
from ..query import bitmaps, parse
from ..results.lifecycle import LifecycleResult


def lifecycle(
    data: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str | None = None,
    active_event: str | Sequence[str] | None = None,
    as_of: Any = None,
    **columns: Any,
) -> LifecycleResult:
    """New / returning / resurrected / dormant customers per period, and the quick ratio
    (new + resurrected) / dormant (NaN when nobody went dormant).

    "New" is whole-history (Amplitude): the customer's first active period ever, not
    relative to a query window. ``active_event`` restricts which event types make a
    customer active (default: any event); "new" is then the first period with such an
    event. Periods run from the first active period to the period of ``as_of``; the last
    one is ``complete=False`` unless it had elapsed.

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(2000, seed=1)
    >>> lc = fidelite.lifecycle(shop.events, period="quarter")
    >>> int(lc.new.sum()) == fidelite.EventLog(shop.events).n_customers
    True
    """
    q = parse(data, columns, metric=lifecycle, tz=tz, as_of=as_of, period=period, week_start=week_start)
    log, cal = q.log, q.calendar
    if bitmaps.affordable(q):
        p_lo, n_periods, bits = bitmaps.active(q, active_event)
        out = _core.lifecycle_bitmaps(bits, q, p_lo=p_lo, n_periods=n_periods)
    else:
        out = _core.lifecycle(q.grouped(), q, mask=log.event_mask(active_event))
    n = len(out["new"])
    days, _ = cal.axis(out["first_period"], n)
    params = dict(period=period, week_start=cal.week_start, tz=q.tz, active_event=active_event)
    return LifecycleResult(days[:n], cal.period_labels(out["first_period"], n), out, out["complete"], params)
