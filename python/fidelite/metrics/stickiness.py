"""Stickiness (docs/metrics.md, "Stickiness"): how many of a period's active customers
are active on a typical day (DAU/MAU) or week (WAU/MAU) of it, and how often they come."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _core
from ..exceptions import ParameterError
from ..query import parse
from ..results.activity import StickinessResult
from ..results.base import TableResult

SHORT = ("day", "week")
LONG = ("week", "month", "quarter", "year")


def stickiness(
    data: Any,
    *,
    short: str = "day",
    long: str = "month",
    week_start: str | int = "monday",
    tz: str | None = None,
    active_event: str | Sequence[str] | None = None,
    as_of: Any = None,
    **columns: Any,
) -> StickinessResult:
    """Stickiness per ``long`` period: the mean over its ``short`` units (days, or weeks)
    of the customers active in the unit divided by the customers active in the period,
    x 100. ``short="day", long="month"`` is DAU/MAU; ``short="week"`` is WAU/MAU.

    A customer is active in a unit or period when it has an event (of type
    ``active_event``; default any) in it, at or before ``as_of`` (default: the latest
    event). Units are local days in ``tz``, or weeks starting on ``week_start``; a
    period counts the units lying wholly inside it that had fully elapsed at ``as_of``
    (a month has 28 to 31 days, and 3 to 5 whole weeks). So for period ``p`` with counted
    units ``u_1 .. u_n``:

        stickiness(p) = (A(u_1) + ... + A(u_n)) / (n x A(p)) x 100

    Periods run from the period of the first event (of any type) to the period of
    ``as_of``; the stickiness is NaN when no unit is counted or nobody was active. Columns:
    ``period`` (local start date), ``active`` (A(p)), ``units`` (n),
    ``mean_short_active`` (the mean of A(u)), ``stickiness`` (%), ``complete`` (the
    period had fully elapsed at ``as_of``). ``.value`` is the latest complete period's.

    ``.histogram`` is the frequency histogram: for each period, its active customers by
    the number of counted units they were active in (0 .. n; 0 for customers active only
    outside them, e.g. in a week straddling two months), with their share of A(p) in %.

    >>> import numpy as np, fidelite
    >>> t = np.array(["2024-01-01", "2024-01-02", "2024-01-02", "2024-02-01"], "datetime64[us]")
    >>> s = fidelite.stickiness({"customer_id": [1, 1, 2, 1], "timestamp": t}, as_of="2024-02-29")
    >>> s["active"].tolist(), s["units"].tolist(), s["stickiness"].round(3).tolist()
    ([2, 1], [31, 29], [4.839, 3.448])
    >>> s.histogram.to_pandas().query("customers > 0")[["active_units", "customers"]].values.tolist()
    [[1, 1], [2, 1], [1, 1]]
    """
    if short not in SHORT:
        raise ParameterError(f"short must be 'day' or 'week', got {short!r}")
    if long not in LONG or (short == "week" and long == "week"):
        allowed = [p for p in LONG if p != short]
        raise ParameterError(
            f"long must be a period longer than the short one ({short}): one of {', '.join(allowed)}; got {long!r}"
        )
    q = parse(data, columns, metric=stickiness, tz=tz, as_of=as_of, period=long, week_start=week_start)
    ev = q.events(active_event)  # either layout: no grouping needed
    out = _core.stickiness(ev, q, short=short, mask=ev.mask)
    cal = q.calendar
    n = len(out["active"])
    days, _ = cal.axis(out["first_period"], n)
    active, units, unit_active = out["active"], out["units"], out["unit_active"]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(units > 0, unit_active / np.maximum(units, 1), np.nan)
        ratio = np.where((units > 0) & (active > 0), mean / np.maximum(active, 1) * 100.0, np.nan)
    labels = cal.period_labels(out["first_period"], n)
    cols = {
        "period": days[:n],
        "active": active,
        "units": units,
        "mean_short_active": mean,
        "stickiness": ratio,
        "complete": out["complete"],
    }
    hist = out["histogram"]
    width = hist.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(active[:, None] > 0, hist / np.maximum(active[:, None], 1) * 100.0, np.nan)
    keep = np.arange(width)[None, :] <= units[:, None]  # 0 .. n units of each period
    histogram = TableResult(
        {
            "period": np.repeat(days[:n], width).reshape(n, width)[keep],
            "active_units": np.tile(np.arange(width), n).reshape(n, width)[keep],
            "customers": hist[keep],
            "share": share[keep],
        },
        title=f"active customers by {short}s active in the {long}",
    )
    done = np.flatnonzero(out["complete"] & ~np.isnan(ratio))
    value = float(ratio[done[-1]]) if len(done) else math.nan
    reason = None if len(done) else f"no complete {long} with an active customer and a whole {short} at as_of"
    meta = dict(
        short=short,
        long=long,
        week_start=q.week_start,
        tz=q.tz,
        active_event=active_event,
        as_of=np.datetime64(q.as_of, "us"),
        labels=labels,
    )
    return StickinessResult(cols, histogram=histogram, value=value, reason=reason, meta=meta)
