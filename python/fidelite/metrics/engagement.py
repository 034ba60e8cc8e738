"""Engagement index (docs/metrics.md, "Engagement index"): frequency, duration and key actions
of each customer over a window, as percentile ranks in the population, combined by weights."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..calendar import duration_us
from ..exceptions import MissingColumnError, ParameterError
from ..query import parse, purchase_mask
from ..results.base import TableResult
from ..results.series import PeriodSeries
from ..scale.merges import Gathered
from ..scale.registry import in_steps

COMPONENTS = ("frequency", "duration", "key_actions")


def percentile_ranks(values: np.ndarray) -> np.ndarray:
    """Percentile rank 0-100 of each value in ``values``: (average rank of its ties - 1) /
    (n - 1) x 100, ranks 1..n ascending. The lowest value scores 0 and the highest 100
    when all differ; tied values share the average of their ranks; a single value (or all
    equal) scores 50.

    >>> percentile_ranks(np.array([3.0, 1.0, 2.0, 2.0, 9.0])).tolist()
    [75.0, 0.0, 37.5, 37.5, 100.0]
    """
    n = len(values)
    if n == 0:
        return np.zeros(0)
    if n == 1:
        return np.array([50.0])
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])  # 0-based rank of each distinct value's first tie
    average = first + (counts + 1) / 2.0  # 1-based average rank of the ties
    return (average[inverse] - 1.0) / (n - 1) * 100.0


def _key_actions(log: Any, key_events: str | Sequence[str] | None) -> np.ndarray:
    """The mask of the log's key-action events: ``key_events``, default the purchases (an
    error when the log has event types but no purchase)."""
    if key_events is None and log.has("event") and "purchase" not in log.labels("event"):
        raise ParameterError(
            f"key actions default to purchases but the log has no 'purchase' events (it has {list(log.labels('event'))}); "
            "pass key_events=[...] naming the key event types"
        )
    key = purchase_mask(log, "purchase") if key_events is None else log.event_mask(key_events)
    assert key is not None
    return key


def component_weights(
    weights: Mapping[str, float] | Sequence[float] | None, components: Sequence[str], what: str
) -> np.ndarray:
    """The weights of a composite score's ``components``: equal by default, else a mapping
    by component (missing ones weigh 0) or one number each; finite, >= 0, not all 0.

    >>> component_weights({"b": 2}, ("a", "b"), "demo").tolist()
    [0.0, 2.0]
    """
    if weights is None:
        return np.ones(len(components))
    if isinstance(weights, Mapping):
        unknown = set(weights) - set(components)
        if unknown:
            raise ParameterError(f"unknown {what} component(s) {sorted(unknown)} in weights; use {list(components)}")
        w = np.array([float(weights.get(c, 0.0)) for c in components])
    else:
        w = np.asarray(list(weights), dtype=float)
        if w.shape != (len(components),):
            raise ParameterError(
                f"weights needs {len(components)} numbers ({', '.join(components)}), got {list(weights)!r}"
            )
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ParameterError(f"weights must be finite, >= 0 and not all 0; got {dict(zip(components, w.tolist()))}")
    return w


def _engagement_ranked(population: Gathered) -> TableResult:
    """The population-wide step of :func:`engagement`: percentile ranks and the index."""
    w, meta = population.same["weights"], population.same["meta"]
    raw = {name: population.rows[name] for name in COMPONENTS}
    pct = {name: percentile_ranks(v.astype(np.float64)) for name, v in raw.items()}
    index = sum(w[i] * pct[name] for i, name in enumerate(COMPONENTS)) / w.sum()
    cols: dict[str, Any] = dict(population.rows)
    cols.update({f"{name}_pct": pct[name] for name in COMPONENTS})
    n = len(cols["customer_id"])
    cols["engagement"] = np.asarray(index, dtype=np.float64) if n else np.zeros(0)
    value = float(cols["engagement"].mean()) if n else math.nan
    reason = None if n else "no customer in the population (no event in the window)"
    return TableResult(cols, title="engagement index", value=value, reason=reason, meta=meta)


@in_steps(_engagement_ranked)
def engagement(
    data: Any,
    *,
    window: Any = 90,
    key_events: str | Sequence[str] | None = None,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    population: str = "active",
    as_of: Any = None,
    tz: str | None = None,
    **columns: Any,
) -> Gathered:
    """Engagement index per customer over the ``window`` ending at ``as_of``.

    Over the events in (as_of - window, as_of] (``window``: days, a timedelta or ``"90D"``;
    ``as_of`` default: the latest event):

    - ``frequency``: distinct active days (local calendar days in ``tz``);
    - ``duration``: sum of the ``duration`` column (seconds of use);
    - ``key_actions``: events whose type is in ``key_events`` (default: purchases, i.e.
      ``"purchase"`` events, or every event in a log without an event column).

    Each is turned into a percentile rank 0-100 in the population (:func:`percentile_ranks`:
    average rank of ties, scaled so the lowest is 0 and the highest 100), and the index is
    their weighted mean (``weights``: a dict by component or 3 numbers; default equal).
    The population is the customers with an event in the window (``population="active"``)
    or every customer with an event at or before ``as_of`` (``"all"``: inactive ones score
    zeros). The table has customer_id, the three raw values, their ``*_pct`` ranks and
    ``engagement``; ``.value`` is the mean index (50 by construction over the whole
    population: use it to compare sub-populations, e.g. a segment's rows).

    Without a duration column, give the duration component weight 0
    (``weights={"frequency": 1, "key_actions": 1}``).

    >>> import fidelite
    >>> log = {"customer_id": [1, 1, 2, 3], "timestamp": ["2024-03-01", "2024-03-02", "2024-03-02", "2024-03-03"],
    ...        "duration": [60.0, 30.0, 10.0, 300.0]}
    >>> e = fidelite.engagement(log, window="30D")
    >>> e["frequency"].tolist(), e["engagement"].round(2).tolist()
    ([2, 1, 1], [83.33, 16.67, 50.0])
    """
    if population not in ("active", "all"):
        raise ParameterError(f"population must be 'active' or 'all', got {population!r}")
    w = component_weights(weights, COMPONENTS, "engagement")
    q = parse(data, columns, metric=engagement, tz=tz, as_of=as_of)
    log, end = q.log, q.as_of
    span = duration_us(window, "window")
    layout = q.grouped(columns=("duration",))
    in_window = (layout.ts > end - span) & (layout.ts <= end)
    codes = layout.customer_of_event()

    c = codes[in_window]
    days = q.days.periods_of(layout.ts[in_window])
    new_day = np.ones(len(c), bool)
    new_day[1:] = (c[1:] != c[:-1]) | (days[1:] != days[:-1])  # grouped by customer, sorted by time
    frequency = np.bincount(c[new_day], minlength=log.n_customers)
    duration: np.ndarray
    if log.has("duration"):
        duration = np.bincount(c, weights=layout.columns["duration"][in_window], minlength=log.n_customers)
    elif w[1] > 0:
        raise MissingColumnError(
            "the duration component needs a duration column (seconds of use): pass duration=<column name>, "
            "or weights={'frequency': 1, 'duration': 0, 'key_actions': 1}",
            "duration",
        )
    else:
        duration = np.zeros(log.n_customers)
    key = _key_actions(log, key_events)
    actions = np.bincount(codes[in_window & key], minlength=log.n_customers)

    if population == "active":
        members = frequency > 0
    else:
        members = layout.ts[layout.indptr[:-1]] <= end  # the first event of each customer
    rows = log.codes_by_id(members)
    raw = {"frequency": frequency[rows], "duration": duration[rows], "key_actions": actions[rows]}
    meta = dict(
        window_days=span / 86_400_000_000,
        as_of=np.datetime64(end, "us"),
        tz=q.tz,
        weights=dict(zip(COMPONENTS, w.tolist())),
        key_events=key_events or "purchase",
        population=population,
    )
    return Gathered({"customer_id": log.customer_ids[rows], **raw}, same={"weights": w, "meta": meta})


def engagement_over_time(
    data: Any,
    *,
    by: str = "month",
    key_events: str | Sequence[str] | None = None,
    week_start: str | int = "monday",
    as_of: Any = None,
    tz: str | None = None,
    **columns: Any,
) -> PeriodSeries:
    """The engagement components per period, per active customer.

    One row per period (``by``: day, week, month, quarter, year, cut in ``tz``) from the
    first event's period to the period of ``as_of`` (later events ignored): ``active``
    (customers with an event in the period), and per active customer the mean of the three
    components of :func:`engagement` over the period: ``active_days`` (distinct local
    days), ``duration`` (sum of the ``duration`` column; NaN without one) and
    ``key_actions`` (events of ``key_events``, default purchases); ``complete``. The index
    itself ranks customers within one population (its mean is 50 by construction), so
    over time the raw components are what moves. ``.value``: active days per active
    customer in the latest complete period.

    >>> import fidelite
    >>> log = {"customer_id": [1, 1, 2, 1], "duration": [10.0, 5.0, 1.0, 2.0],
    ...        "timestamp": ["2024-01-01 09:00", "2024-01-01 18:00", "2024-01-03", "2024-02-02"]}
    >>> e = fidelite.engagement_over_time(log, as_of="2024-02-29")
    >>> e["active"].tolist(), e["active_days"].tolist(), e["duration"].tolist()
    ([2, 1], [1.0, 1.0], [8.0, 2.0])
    """
    q = parse(data, columns, metric=engagement_over_time, tz=tz, as_of=as_of, period=by, week_start=week_start)
    log, end, cal = q.log, q.as_of, q.calendar
    layout = q.grouped(columns=("duration",) if log.has("duration") else ())
    seen = layout.ts <= end
    if not seen.any():
        raise ParameterError(f"no event at or before as_of ({np.datetime64(end, 'us')})")
    c, ts = layout.customer_of_event()[seen], layout.ts[seen]
    first = int(cal.period_of(int(ts.min())))
    count = int(cal.period_of(end)) - first + 1
    period = cal.periods_of(ts) - first
    day = q.days.periods_of(ts)
    # events grouped by customer and sorted by time: a new (customer, period) or (customer, day) starts a run
    same = np.zeros(len(c), bool)
    same[1:] = c[1:] == c[:-1]
    new_period = ~same | np.concatenate([[True], period[1:] != period[:-1]])
    new_day = ~same | np.concatenate([[True], day[1:] != day[:-1]])
    active = np.bincount(period[new_period], minlength=count)
    active_days = np.bincount(period[new_day], minlength=count)
    key = _key_actions(log, key_events)
    actions = np.bincount(period[key[seen]], minlength=count)
    duration = (
        np.bincount(period, weights=layout.columns["duration"][seen], minlength=count)
        if log.has("duration")
        else np.full(count, np.nan)
    )
    days, bounds = cal.axis(first, count)
    per = np.where(active > 0, active, 1)
    complete = bounds[1:] <= end
    cols = {
        "period": days[:count],
        "active": active,
        "active_days": np.where(active > 0, active_days / per, np.nan),
        "duration": np.where(active > 0, duration / per, np.nan),
        "key_actions": np.where(active > 0, actions / per, np.nan),
        "complete": complete,
    }
    done = np.flatnonzero(complete & (active > 0))
    value = float(cols["active_days"][done[-1]]) if len(done) else math.nan
    meta = {"by": by, "tz": q.tz, "as_of": np.datetime64(end, "us"), "key_events": key_events or "purchase"}
    return PeriodSeries(
        cols,
        series=("active_days", "key_actions"),
        ylabel="per active customer",
        title=f"engagement per {by} (per active customer)",
        value=value,
        reason=None if len(done) else "no complete period with activity",
        meta=meta,
        units={"duration": "seconds"},
    )


# ----------------------------------------------------------------------------- partitioned (fidelite.scale)
