"""The active base over time (docs/metrics.md, "Active base and period retention"): period KPIs
(active at start / end, new, kept, lost, retention and churn rates, revenue and orders
per active customer), the active-customers series and the daily rolling active count.
Thin Python over the windowed-aggregation kernels of ``rust/kernels/src/window.rs``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _core
from ..calendar import duration_us
from ..exceptions import ParameterError
from ..io import US_PER_DAY
from ..query import check_keywords, choice, lacks_purchases, overflow_note, parse, purchase_types
from ..results.base import TableResult

_EMPTY_BASE = "empty base: nobody was active at the start of the period"


def _rate(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``num / den * scale``, NaN where ``den == 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1) * scale, np.nan)


def period_kpis(
    data: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str | None = None,
    activity_window: Any = None,
    as_of: Any = None,
    active_event: str | Sequence[str] | None = None,
    purchase_event: str | Sequence[str] | None = "purchase",
    denominator: str = "active",
    **columns: Any,
) -> TableResult:
    """The active base and its movements, one row per calendar period.

    A customer is *active at instant b* when it has at least one active event (of type
    ``active_event``; default any event) in ``[b - W, b)``, ``W = activity_window``:

    - ``None`` (default): one calendar period. Active at the end of ``p`` <=> an event in
      ``p``; active at its start <=> an event in ``p - 1``.
    - a duration (the business cycle): a number of days (``90``), ``"90D"``, ``"12W"``,
      ``"36H"``, a ``datetime.timedelta``, ``numpy.timedelta64`` or pandas ``Timedelta``.

    Columns: ``period`` (local start date, datetime64[D]); ``active_start`` S (active at
    the period's start instant), ``active_end`` E (active at the next period's start
    instant), ``new`` N (first active event ever in ``p`` and active at its end),
    ``kept`` (S and E), ``lost`` (S not E), ``gained`` (E not S: new plus reactivated);
    ``retention_rate`` = (E - N) / S x 100, ``kept_rate`` = kept / S x 100,
    ``churn_rate`` = lost / S x 100, ``net_result`` = gained - lost; ``active``
    (customers with an active event in ``p``), ``revenue`` (sum of ``amount`` over the
    purchases in ``p``, net of refunds: negative amounts of any event type; NaN without an
    amount column), ``orders`` (purchases in ``p``: events of type ``purchase_event``,
    every event in a log without an event column), ``revenue_per_active``,
    ``orders_per_active``, ``complete`` (the period had fully elapsed at ``as_of``).

    ``denominator="all"`` puts churn over every customer acquired so far instead of the
    active base: ``churn_rate`` = lost / ``customers_start`` x 100, where
    ``customers_start`` (a column then) counts the customers with an active event before
    the period's start instant (active or not at that start).

    Rates over an empty base are NaN (``result.reason`` says so). Periods run from the
    period of the first event to the period of ``as_of`` (default: the latest event;
    later events are ignored; a date means the end of that day in ``tz``).

    docs/metrics.md's example: 100 active at the start, 10 lost, 10 won gives E = 100,
    N = 10, retention 90 %, churn 10 %.

    >>> import numpy as np, fidelite
    >>> t = np.array(["2024-01-05", "2024-01-09", "2024-02-07", "2024-02-20"], "datetime64[us]")
    >>> k = fidelite.period_kpis({"customer_id": [1, 2, 1, 3], "timestamp": t})
    >>> k["active_start"].tolist(), k["active_end"].tolist(), k["new"].tolist(), k["churn_rate"].tolist()
    ([0, 2], [2, 2], [2, 1], [nan, 50.0])
    """
    choice("denominator", denominator, ("active", "all"))
    q = parse(data, columns, metric=period_kpis, tz=tz, as_of=as_of, period=period, week_start=week_start)
    log, cal, as_of_us = q.log, q.calendar, q.as_of
    window_us = 0 if activity_window is None else duration_us(activity_window, "activity_window")
    # either layout: a log not grouped yet is read partition by partition
    lacking = lacks_purchases(log, purchase_event)
    ev = q.events(active_event, None if lacking else purchase_types(log, purchase_event), columns=("amount",))
    out = _core.period_kpis(
        ev,
        q,
        window_us=window_us,
        active_mask=ev.masks[0],
        purchase_mask=np.zeros(len(ev.ts), bool) if lacking else ev.masks[1],
        amount=ev.columns.get("amount"),
    )
    n = len(out["active_end"])
    days, bounds = cal.axis(out["first_period"], n)
    s, e, new, kept, active = (out[k] for k in ("active_start", "active_end", "new", "kept", "active"))
    lost, gained = s - kept, e - kept
    base = s
    if denominator == "all":  # every customer with an active event before the period's start
        layout = q.grouped()
        seen = layout.ts <= as_of_us
        mask = log.event_mask(active_event)
        first = np.sort(layout.first_per_customer(seen if mask is None else seen & mask))
        base = np.searchsorted(first, bounds[:n], side="left").astype(np.int64)
    revenue = out["revenue"] if log.has("amount") and not lacking else np.full(n, np.nan)
    orders = np.full(n, np.nan) if lacking else out["orders"]
    cols = {
        "period": days[:n],
        "active_start": s,
        "active_end": e,
        "new": new,
        "kept": kept,
        "lost": lost,
        "gained": gained,
        "retention_rate": _rate(e - new, s, 100.0),
        "kept_rate": _rate(kept, s, 100.0),
        "churn_rate": _rate(lost, base, 100.0),
        **({"customers_start": base} if denominator == "all" else {}),
        "net_result": gained - lost,
        "active": active,
        "revenue": revenue,
        "orders": orders,
        "revenue_per_active": _rate(revenue, active),
        "orders_per_active": _rate(orders, active),
        "complete": out["complete"],
    }
    reasons = []
    if (s == 0).any():
        reasons.append(f"{_EMPTY_BASE}: retention, kept and churn rates are NaN there")
    if not log.has("amount"):
        reasons.append("the log has no amount column: revenue is NaN (pass amount=<column>)")
    if lacking:
        reasons.append(f"{lacking}: revenue and orders are NaN (pass purchase_event= to count purchases)")
    overflow = overflow_note(cols)
    if overflow:
        reasons.append(overflow)
    params = dict(
        period=period,
        week_start=cal.week_start,
        tz=q.tz,
        activity_window=activity_window,
        active_event=active_event,
        purchase_event=purchase_event,
        denominator=denominator,
        as_of=np.datetime64(as_of_us, "us"),
    )
    return TableResult(cols, title=f"period KPIs per {period}", reason="; ".join(reasons) or None, meta=params)


def active_customers(
    data: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str | None = None,
    activity_window: Any = None,
    as_of: Any = None,
    active_event: str | Sequence[str] | None = None,
    **columns: Any,
) -> TableResult:
    """Active customers at the end of each period, as a time series.

    ``active`` is the ``active_end`` column of :func:`period_kpis` (same definitions and
    parameters): customers with an active event in ``[end - W, end)``; ``complete`` flags
    periods that had fully elapsed at ``as_of``.

    >>> import numpy as np, fidelite
    >>> t = np.array(["2024-01-05", "2024-01-09", "2024-02-07"], "datetime64[us]")
    >>> fidelite.active_customers({"customer_id": [1, 2, 1], "timestamp": t})["active"].tolist()
    [2, 1]
    """
    check_keywords(columns, active_customers)
    k = period_kpis(
        data,
        period=period,
        week_start=week_start,
        tz=tz,
        activity_window=activity_window,
        as_of=as_of,
        active_event=active_event,
        purchase_event=None,
        **columns,
    )
    return TableResult(
        {"period": k["period"], "active": k["active_end"], "complete": k["complete"]},
        title=f"active customers per {period}",
        meta=k.meta,
    )


def rolling_active(
    data: Any,
    *,
    window: Any = "30D",
    tz: str | None = None,
    as_of: Any = None,
    active_event: str | Sequence[str] | None = None,
    **columns: Any,
) -> TableResult:
    """Distinct customers active in a trailing window of whole days, for every local day.

    One row per local day (in ``tz``) from the day of the first event to the day of
    ``as_of`` (default: the latest event): ``day`` (datetime64[D]) and ``active`` =
    customers with an active event (of type ``active_event``; default any) on one of the
    local days ``d - W + 1 .. d``. ``window`` is a whole number of days: ``"30D"``,
    ``"4W"``, an int (days), a ``datetime.timedelta`` or ``numpy.timedelta64``. With
    ``window="1D"`` this is the daily active customers (DAU).

    >>> import numpy as np, fidelite
    >>> t = np.array(["2024-01-01", "2024-01-03", "2024-01-02"], "datetime64[us]")
    >>> fidelite.rolling_active({"customer_id": [1, 1, 2], "timestamp": t}, window="2D")["active"].tolist()
    [1, 2, 2]
    """
    window_days, rest = divmod(duration_us(window, "window"), US_PER_DAY)
    if rest:
        raise ParameterError(f"window must be a whole number of days, e.g. '30D' or '4W'; got {window!r}")
    q = parse(data, columns, metric=rolling_active, tz=tz, as_of=as_of)
    ev = q.events(active_event)  # no need to group the log for this one
    first_day, active = _core.rolling_active(ev, q.on("day"), window_days=window_days, mask=ev.mask)
    days = (first_day + np.arange(len(active))).astype("datetime64[D]")
    params = dict(window_days=window_days, tz=q.tz, active_event=active_event, as_of=np.datetime64(q.as_of, "us"))
    return TableResult(
        {"day": days, "active": active}, title=f"customers active in the trailing {window_days} days", meta=params
    )
