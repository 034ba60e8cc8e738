"""CRM campaign KPIs (docs/metrics.md, "CRM campaigns") from a contacts table
(``customer_id``, ``timestamp``, ``campaign``, ``channel``, ``opened``, ``clicked``,
``converted``, ``unsubscribed``, ``cost``) and the event log (revenue, orders, activity)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .. import _core
from ..calendar import Calendar, duration_us
from ..eventlog import EventLog
from ..exceptions import EmptyInputError, MissingTableError, ParameterError
from ..io import US_PER_DAY, KeyedTable
from ..query import Query, check_keywords, choice, net_revenue, overflow_note, parse, purchase_mask, resolve_as_of
from ..results.base import TableResult
from ..results.crm import CampaignResult
from ..scale.merges import Gathered
from ..scale.registry import beside_events, in_steps

NULL_TIME = "null timestamp"
BAD_TIME = "unparseable timestamp (expected ISO 8601)"
BAD_COST = "negative or infinite cost"
MISSING = "(missing)"
FLAGS = ("opened", "clicked", "converted", "unsubscribed")
_I64_MAX = np.iinfo(np.int64).max


def rows_before(
    indptr: np.ndarray, ts: np.ndarray, codes: np.ndarray, times: np.ndarray, *, inclusive: bool
) -> np.ndarray:
    """Per query (customer code, instant): the end of the customer's rows before the instant
    (``inclusive``: at or before), as an index into ``ts``, whose rows are grouped by customer
    (``indptr``, CSR) and sorted by time within a customer. ``result - 1`` is then the
    customer's latest such row when ``result > indptr[code]``. A binary search per query,
    all queries at once (about log2 of the longest run passes over the queries).

    >>> rows_before(np.array([0, 3, 3, 4]), np.array([1, 5, 5, 3]), np.array([0, 0, 1, 2]), np.array([5, 6, 9, 3]),
    ...             inclusive=False).tolist()
    [1, 3, 3, 3]
    """
    lo = indptr[codes].astype(np.int64)
    hi = indptr[codes + 1].astype(np.int64)
    last = max(len(ts) - 1, 0)
    while True:
        open_ = lo < hi
        if not open_.any():
            return lo
        mid = (lo + hi) // 2
        t = ts[np.minimum(mid, last)] if len(ts) else mid
        right = open_ & ((t <= times) if inclusive else (t < times))
        lo = np.where(right, mid + 1, lo)
        hi = np.where(open_ & ~right, mid, hi)


def _latest_before(
    indptr: np.ndarray, ts: np.ndarray, codes: np.ndarray, times: np.ndarray, *, inclusive: bool
) -> np.ndarray:
    """Index of the query customer's latest row before each query (-1: none)."""
    i = rows_before(indptr, ts, codes, times, inclusive=inclusive)
    return np.where(i > indptr[codes], i - 1, -1)


def _group_labels(table: KeyedTable, column: str) -> tuple[np.ndarray, list[str]]:
    """(codes, labels) of a label column, nulls as "(missing)"; all "(missing)" if absent."""
    if not table.has(column):
        return np.zeros(table.n_rows, np.int64), [MISSING]
    codes, labels, null = table.labels(column, column)
    names = list(labels) + [MISSING]
    codes = np.where(null, len(labels), codes).astype(np.int64)
    used = np.unique(codes)
    remap = np.zeros(len(names), np.int64)
    remap[used] = np.arange(len(used))
    return remap[codes], [names[i] for i in used]


def _campaign_kpis(shares: Gathered) -> CampaignResult:
    """The last step of :func:`campaigns`: the KPIs per level, channel, campaign and
    period from every contact's activity and attributed purchases and the periods' sums.
    A contact's customer is its code in the contacts table (distinct customers are
    counted the same whatever the codes)."""
    g = shares.same
    cal, n, c_ts, code, flags, c_cost, end = (g[k] for k in ("cal", "n", "c_ts", "customer", "flags", "cost", "end"))
    (channel_codes, channel_names), (campaign_codes, campaign_names) = g["channel"], g["campaign"]
    denominator, fixed_costs, report = g["denominator"], g["fixed_costs"], g["report"]
    n_customers = max(int(code.max()) + 1, 1)
    mine = shares.rows["contact"]
    active = np.zeros(n, bool)
    active[mine] = shares.rows["active"]
    attributed_rev, attributed_ord = np.zeros(n), np.zeros(n)
    attributed_rev[mine] = shares.rows["attributed_revenue"]
    attributed_ord[mine] = shares.rows["attributed_orders"]
    # one block of rows per level: all, channel, campaign
    levels = [
        ("all", np.zeros(n, np.int64), ["all"]),
        ("channel", channel_codes, channel_names),
        ("campaign", campaign_codes, campaign_names),
    ]
    blocks = [
        _group_kpis(
            level, g, names, code, n_customers, active, flags, c_cost, attributed_rev, attributed_ord, denominator
        )
        for level, g, names in levels
    ]
    if fixed_costs is not None:  # shared by contacts; ROI over variable + fixed costs
        for b in blocks:
            b["fixed_cost"] = b["contacts"] * (float(fixed_costs) / n)
            b["roi"] = _rate(b["attributed_revenue"], np.nan_to_num(b["cost"]) + b["fixed_cost"])
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}

    pressure, solicitation, pooled = _periods(cal, c_ts, active, end, shares.counts)
    reactivity = _reactivity(cal, c_ts, code, n_customers, active, flags, pressure)
    overall = {k: v[0].item() for k, v in cols.items() if k not in ("level", "group")}
    overall.update(pooled)
    value = float(cols["net_reactivity"][0])
    reason = None if not math.isnan(value) else "no contact on an active customer"
    overflow = overflow_note(cols)
    if overflow:
        reason = f"{reason}; {overflow}" if reason else overflow
    meta = g["meta"]
    return CampaignResult(
        cols,
        value=value,
        reason=reason,
        pressure=pressure,
        solicitation=solicitation,
        reactivity=reactivity,
        kpis=overall,
        meta=meta,
        report=report,
    )


@in_steps(_campaign_kpis, partial=beside_events)
def campaigns(
    contacts: Any,
    *,
    events: Any = None,
    attribution_window: Any = 7,
    activity_window: Any = 365,
    period: str = "month",
    week_start: str | int = "monday",
    purchase_event: str | Sequence[str] = "purchase",
    as_of: Any = None,
    tz: str | None = None,
    strict: bool = False,
    campaign: str = "campaign",
    contact_channel: str = "channel",
    opened: str = "opened",
    clicked: str = "clicked",
    converted: str = "converted",
    unsubscribed: str = "unsubscribed",
    cost: str = "cost",
    denominator: str = "all",
    fixed_costs: float | None = None,
    **columns: Any,
) -> Gathered:
    """CRM campaign KPIs, overall and per channel and per campaign.

    A contact is on an **active** customer when the customer has an event (any type) in
    (contact time - ``activity_window``, contact time] (default 365 days). Per group
    (overall, each channel, each campaign):

    - ``net_reactivity`` = contacted active customers who converted / contacted active
      customers x 100 (distinct customers: converted = a ``converted`` contact while active);
    - ``reactivity`` = clicked / opened contacts x 100 (a click counts as an open);
    - ``unsubscribe_rate`` = unsubscribed / contacts x 100 (all contacts); with
      ``denominator="active"``: contacted active customers with an ``unsubscribed``
      contact while active / contacted active customers x 100 (distinct customers, as
      net reactivity; ``unsubscribed_active`` is then a column);
    - ``attributed_orders`` / ``attributed_revenue``: purchases (and their amount) attributed
      last-touch to a contact: the customer's latest contact strictly before the purchase,
      if the purchase comes within ``attribution_window`` (default 7 days) of it. Each
      purchase counts for at most one contact; refunds are not attributed;
    - ``orders_per_contacted_active`` / ``revenue_per_contacted_active``: attributed orders /
      revenue of the contacts on active customers, per contacted active customer;
    - ``roi`` = attributed revenue / cost x 100 (all contacts of the group). With
      ``fixed_costs=`` (staff, content: one amount for everything the result covers), each
      row also bears ``fixed_cost``, the fixed costs shared in proportion to its contacts
      (the rows of a level sum to them), and ``roi`` = attributed revenue / (cost +
      fixed_cost) x 100 (a missing cost column then counts as no variable cost).

    ``.reactivity`` per calendar ``period`` of the contacts: opened, clicked,
    ``reactivity`` (clicked / opened x 100), contacted_active, converted_active and
    ``net_reactivity`` of that period's contacts (the definitions above, per period).

    ``.pressure`` (commercial pressure) per calendar ``period``: contacts, contacts on active
    customers, active customers (customers active at some instant of the period: an event in
    (period start - activity_window, period end)), and ``pressure`` = contacts on active
    customers / active customers. ``.solicitation`` per period: active customers solicited
    (contacted in the period) or not, their net revenue per customer (as
    :func:`customer_summary` counts it) and ``marginal_revenue`` = solicited - not solicited;
    ``kpis`` has the same pooled over all periods. ``spend_per_solicited`` = the cost of the
    period's contacts to solicited customers / solicited customers, and ``marginal_roi`` =
    ``marginal_revenue`` / ``spend_per_solicited`` x 100: the revenue the solicitation adds
    per unit of CRM spend.

    Periods run from the first contact's period to ``as_of`` (default: the latest contact or
    event); later contacts and events are ignored. Without ``events`` every contacted
    customer counts as active and the revenue, pressure and solicitation figures are NaN.
    Contacts with a null id or timestamp, or a negative cost, are rejected (``.report``);
    null flags read as False and a null cost as 0 (noted). Flags may be bool, 0/1 or text
    (true/false, yes/no). Contacts columns: ``campaign=``, ``contact_channel=``, ``opened=``,
    ``clicked=``, ``converted=``, ``unsubscribed=``, ``cost=`` (a missing one makes its KPIs
    NaN, or puts every contact in one "(missing)" group); ``customer=`` / ``time=`` name the
    id and time columns of both tables; the other keywords are those of :class:`EventLog`.

    >>> import fidelite
    >>> contacts = {"customer_id": [1, 2, 3, 4], "timestamp": ["2024-03-01"] * 4, "channel": ["email"] * 4,
    ...             "converted": [True, False, False, False], "cost": [0.5] * 4}
    >>> events = {"customer_id": [1, 2, 3, 4, 1], "amount": [10.0, 10.0, 10.0, 10.0, 30.0],
    ...           "timestamp": ["2024-02-01"] * 4 + ["2024-03-03"]}
    >>> r = fidelite.campaigns(contacts, events=events)
    >>> r.value, r.kpis["roi"], r.kpis["revenue_per_contacted_active"]
    (25.0, 1500.0, 7.5)
    """
    if contacts is None:
        raise MissingTableError(
            "campaigns needs the contacts table: pass a table with customer_id, timestamp, "
            "campaign, channel, opened, clicked, converted, unsubscribed, cost"
        )
    choice("denominator", denominator, ("all", "active"))
    if fixed_costs is not None and (
        isinstance(fixed_costs, bool)
        or not isinstance(fixed_costs, (int, float, np.integer, np.floating))
        or not math.isfinite(fixed_costs)
        or fixed_costs < 0
    ):
        raise ParameterError(
            f"fixed_costs is one amount >= 0 (staff, content), e.g. fixed_costs=5000; got {fixed_costs!r}"
        )
    attribution_us = duration_us(attribution_window, "attribution_window")
    activity_us = duration_us(activity_window, "activity_window")
    customer, time = columns.get("customer", "customer_id"), columns.get("time", "timestamp")
    log: EventLog | None = None
    if events is not None:
        q = parse(events, columns, metric=campaigns, tz=tz, period=period, week_start=week_start)
        log, tz = q.log, q.tz
    else:
        check_keywords(columns, campaigns)
        tz = tz or "UTC"

    table = KeyedTable(
        contacts, what="contacts table", customer=customer, noun="contact rows", empty="pass at least one contact"
    )
    n_rows = table.n_rows
    acc = table.accounting
    ts, null_t, bad_t = table.instants(time, "time", tz)
    acc.reject(NULL_TIME, null_t)
    acc.reject(BAD_TIME, bad_t)
    flag: dict[str, np.ndarray | None] = {}
    for name, col in zip(FLAGS, (opened, clicked, converted, unsubscribed)):
        if table.has(col):
            flag[name], null_f = table.flags(col, name)
            acc.note(f"null {name} read as False", null_f)
        else:
            flag[name] = None
    costs = None
    if table.has(cost):
        costs, null_c = table.floats(cost, "cost")
        acc.reject(BAD_COST, ~null_c & ((costs < 0) | np.isinf(costs)))
        acc.note("null cost counted as 0", null_c)
        costs = np.where(null_c, 0.0, costs)
    report = table.finish(strict=strict)
    keep = acc.keep if acc.keep is not None else np.ones(n_rows, bool)
    latest = max(int(ts[keep].max()), q.t_range[1] if log is not None else 0)  # the whole data's latest event
    end = resolve_as_of(as_of, tz, latest)
    keep &= ts <= end
    if not keep.any():
        raise EmptyInputError(f"no contact at or before as_of ({np.datetime64(end, 'us')})")
    # the calendar of the periods: fast over the contacts (and the log's events)
    cal = Calendar.make(
        period, tz, week_start, (min(int(ts[keep].min()), q.t_range[0] if log is not None else end), end)
    )

    # contacts as arrays of the kept rows
    f = table.factorize(keep)
    c_ts = ts[keep]
    n = len(c_ts)
    flags = {k: (v[keep] if v is not None else None) for k, v in flag.items()}
    c_cost = costs[keep] if costs is not None else None
    channel_codes, channel_names = _group_labels(table, contact_channel)
    campaign_codes, campaign_names = _group_labels(table, campaign)
    channel_codes, campaign_codes = channel_codes[keep], campaign_codes[keep]

    # log customer code of each contact (-1: not in the log), and activity at contact time
    if log is not None:
        code = log.codes_of(f.labels, what="contacts table")[f.codes]
        inlog = code >= 0
        layout = log.grouped(columns=("amount",))
        active = np.zeros(n, bool)
        last = _latest_before(layout.indptr, layout.ts, code[inlog], c_ts[inlog], inclusive=True)
        active[inlog] = (last >= 0) & (layout.ts[np.maximum(last, 0)] > c_ts[inlog] - activity_us)
    else:
        code = f.codes.astype(np.int64)
        active = np.ones(n, bool)

    # last-touch attribution of purchases to contacts
    attributed_rev: np.ndarray = np.zeros(n)
    attributed_ord: np.ndarray = np.zeros(n)
    if log is not None:
        ev_codes = layout.customer_of_event()
        buy = purchase_mask(log, purchase_event) & (layout.ts <= end)
        amount = layout.columns["amount"] if log.has("amount") else np.full(log.n_events, math.nan)
        sorted_c = np.lexsort((c_ts, code))
        sorted_c = sorted_c[code[sorted_c] >= 0]  # contacts of log customers, grouped by customer and time
        c_indptr = np.searchsorted(code[sorted_c], np.arange(log.n_customers + 1))
        p_codes, p_ts = ev_codes[buy], layout.ts[buy]
        touch = _latest_before(c_indptr, c_ts[sorted_c], p_codes, p_ts, inclusive=False)
        ok = touch >= 0
        ok[ok] = p_ts[ok] - c_ts[sorted_c[touch[ok]]] <= attribution_us
        contact_of = sorted_c[touch[ok]]
        attributed_rev = np.bincount(contact_of, weights=amount[buy][ok], minlength=n)
        attributed_ord = np.bincount(contact_of, minlength=n).astype(np.float64)
    else:
        attributed_rev[:] = math.nan
        attributed_ord[:] = math.nan

    sums = _period_sums(
        replace(q, as_of=end) if log is not None else None, cal, code, c_ts, end, activity_us, purchase_event, c_cost
    )
    mine = np.flatnonzero(code >= 0) if log is not None else np.arange(n)
    rows = {
        "contact": mine,
        "active": active[mine],
        "attributed_revenue": attributed_rev[mine],
        "attributed_orders": attributed_ord[mine],
    }
    same = dict(
        cal=cal,
        n=n,
        c_ts=c_ts,
        customer=f.codes.astype(np.int64),
        flags=flags,
        cost=c_cost,
        channel=(channel_codes, channel_names),
        campaign=(campaign_codes, campaign_names),
        end=end,
        denominator=denominator,
        fixed_costs=fixed_costs,
        report=report,
        meta=dict(
            attribution_window_days=attribution_us / US_PER_DAY,
            activity_window_days=activity_us / US_PER_DAY,
            period=period,
            tz=tz,
            as_of=np.datetime64(end, "us"),
            events=log is not None,
            denominator=denominator,
            fixed_costs=fixed_costs,
        ),
    )
    return Gathered(rows, counts=sums, same=same, key="contact")


def _rate(num: np.ndarray, den: np.ndarray, scale: float = 100.0) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1) * scale, math.nan)


def _group_kpis(
    level: str,
    group: np.ndarray,
    names: list[str],
    code: np.ndarray,
    n_customers: int,
    active: np.ndarray,
    flags: dict[str, np.ndarray | None],
    cost: np.ndarray | None,
    revenue: np.ndarray,
    orders: np.ndarray,
    denominator: str = "all",
) -> dict[str, np.ndarray]:
    k = len(names)

    def count(mask: np.ndarray | None = None, weights: np.ndarray | None = None) -> np.ndarray:
        """Contacts (or a weight's sum) per group, over the masked contacts."""
        g = group if mask is None else group[mask]
        w = weights if weights is None or mask is None else weights[mask]
        if w is not None:  # summed by group, then by value: the same bits in any row order
            order = np.lexsort((w, g))
            g, w = g[order], w[order]
        return np.bincount(g, weights=w, minlength=k)[:k]

    contacts = count().astype(np.int64)
    # distinct (group, customer) pairs among contacts on active customers
    key = group[active] * n_customers + np.maximum(code[active], 0)
    pairs, inverse = np.unique(key, return_inverse=True)
    reached = np.bincount(pairs // n_customers, minlength=k)[:k].astype(np.int64)

    def customers_with(flag: np.ndarray | None) -> np.ndarray:
        """Distinct contacted active customers with a ``flag`` contact while active, per group."""
        if flag is None:
            return np.full(k, math.nan)
        pair_flagged = np.bincount(inverse, weights=flag[active].astype(np.float64), minlength=len(pairs)) > 0
        return np.bincount(pairs[pair_flagged] // n_customers, minlength=k)[:k].astype(np.float64)

    converted = customers_with(flags["converted"])
    nan = np.full(k, math.nan)
    opened = flags["opened"]
    clicked = flags["clicked"]
    if opened is not None and clicked is not None:
        n_opened, n_clicked = count(opened | clicked).astype(np.float64), count(clicked).astype(np.float64)
    else:
        n_opened, n_clicked = (count(opened).astype(np.float64) if opened is not None else nan), nan
    unsub = flags["unsubscribed"]
    n_unsub = count(unsub).astype(np.float64) if unsub is not None else nan
    unsub_active = customers_with(unsub) if denominator == "active" else nan
    total_cost = count(weights=cost) if cost is not None else nan
    rev_active, ord_active = count(active, revenue), count(active, orders)
    rev_all, ord_all = count(weights=revenue), count(weights=orders)
    return {
        "level": np.full(k, level, dtype=object),
        "group": np.array(names, dtype=object),
        "contacts": contacts,
        "contacted_active": reached,
        "converted_active": converted,
        "net_reactivity": _rate(converted, reached),
        "opened": n_opened,
        "clicked": n_clicked,
        "reactivity": _rate(n_clicked, n_opened),
        "unsubscribed": n_unsub,
        **({"unsubscribed_active": unsub_active} if denominator == "active" else {}),
        "unsubscribe_rate": _rate(unsub_active, reached) if denominator == "active" else _rate(n_unsub, contacts),
        "attributed_orders": ord_all,
        "attributed_revenue": rev_all,
        "orders_per_contacted_active": _rate(ord_active, reached, 1.0),
        "revenue_per_contacted_active": _rate(rev_active, reached, 1.0),
        "cost": total_cost,
        "roi": _rate(rev_all, total_cost),
    }


def _period_sums(
    q: Query | None,
    cal: Calendar,
    code: np.ndarray,
    c_ts: np.ndarray,
    end: int,
    activity_us: int,
    purchase_event: str | Sequence[str],
    cost: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per period from the log (each a sum over its customers, added across partitions):
    the active customers, those solicited (contacted while active), the cost of their
    contacts, and the revenue of all and of the solicited (NaN without a log)."""
    p0 = cal.period_of(int(c_ts.min()))
    n_p = cal.period_of(end) - p0 + 1
    _, bounds = cal.axis(p0, n_p)
    c_period = cal.periods_of(c_ts) - p0
    nan = np.full(n_p, math.nan)
    spend = nan
    if q is None:
        return dict(active=nan, solicited=nan, spend=nan, revenue_solicited=nan, revenue=nan)
    log = q.log
    # customers active at some instant of period p: an event in (start_p - W, end_p)
    active_n = _core.active_per_period(log.events(), q, reach_us=activity_us, first_period=p0, n_periods=n_p).astype(
        np.float64
    )
    layout = log.grouped()
    ev_codes = layout.customer_of_event()
    seen = layout.ts <= end
    # active customers contacted in the period
    known = code >= 0
    pairs = np.unique(code[known] * n_p + c_period[known])
    pc, pp = pairs // n_p, pairs % n_p
    last = _latest_before(layout.indptr, layout.ts, pc, bounds[pp + 1] - 1, inclusive=True)
    live = (last >= 0) & (layout.ts[np.maximum(last, 0)] > bounds[pp] - activity_us)
    sol_n = np.bincount(pp[live], minlength=n_p)[:n_p].astype(np.float64)
    if cost is not None:  # the cost of the period's contacts to solicited customers
        to_solicited = np.zeros(len(code), bool)
        to_solicited[known] = np.isin(code[known] * n_p + c_period[known], pairs[live])
        spend = _summed(c_period[to_solicited], cost[to_solicited], n_p)
    # revenue in the period, split by whether the customer was solicited in it
    rev = net_revenue(log, purchase_mask(log, purchase_event), "campaigns") if log.has("amount") else None
    if rev is None:
        rev_sol, rev_all = nan, nan
    else:
        inside = seen & (layout.ts >= bounds[0])
        e_period = cal.periods_of(layout.ts[inside]) - p0
        e_key = ev_codes[inside] * n_p + e_period
        solicited = np.isin(e_key, pairs[live])
        rev_all = np.bincount(e_period, weights=rev[inside], minlength=n_p)[:n_p]
        rev_sol = np.bincount(e_period[solicited], weights=rev[inside][solicited], minlength=n_p)[:n_p]
    return dict(active=active_n, solicited=sol_n, spend=spend, revenue_solicited=rev_sol, revenue=rev_all)


def _periods(
    cal: Calendar, c_ts: np.ndarray, active: np.ndarray, end: int, sums: dict[str, np.ndarray]
) -> tuple[TableResult, TableResult, dict[str, float]]:
    """Commercial pressure and solicited-vs-not revenue per period, and the pooled
    figures, from the contacts and the periods' sums (:func:`_period_sums`)."""
    p0 = cal.period_of(int(c_ts.min()))
    n_p = cal.period_of(end) - p0 + 1
    days, _ = cal.axis(p0, n_p)
    c_period = cal.periods_of(c_ts) - p0
    contacts = np.bincount(c_period, minlength=n_p)[:n_p]
    to_active = np.bincount(c_period[active], minlength=n_p)[:n_p]
    complete = cal.complete(p0, n_p, end)
    active_n, sol_n, spend, rev_sol, rev_all = (
        sums[k] for k in ("active", "solicited", "spend", "revenue_solicited", "revenue")
    )
    not_n = active_n - sol_n
    rev_not = rev_all - rev_sol
    per_sol, per_not = _rate(rev_sol, sol_n, 1.0), _rate(rev_not, not_n, 1.0)
    spend_per = _rate(spend, sol_n, 1.0)
    labels = np.array(cal.period_labels(p0, n_p), dtype=object)
    pressure = TableResult(
        {
            "period": days[:n_p],
            "label": labels,
            "contacts": contacts,
            "contacts_to_active": to_active,
            "active_customers": active_n,
            "pressure": _rate(to_active, active_n, 1.0),
            "complete": complete,
        },
        title=f"commercial pressure per {cal.period}",
    )
    solicitation = TableResult(
        {
            "period": days[:n_p],
            "label": labels,
            "solicited": sol_n,
            "not_solicited": not_n,
            "revenue_solicited": rev_sol,
            "revenue_not_solicited": rev_not,
            "revenue_per_solicited": per_sol,
            "revenue_per_not_solicited": per_not,
            "marginal_revenue": per_sol - per_not,
            "spend_per_solicited": spend_per,
            "marginal_roi": _rate(per_sol - per_not, spend_per),
            "complete": complete,
        },
        title=f"revenue per active customer, solicited or not, per {cal.period}",
    )
    pool_sol = float(_rate(np.array([np.sum(rev_sol)]), np.array([np.sum(sol_n)]), 1.0)[0])
    pool_not = float(_rate(np.array([np.sum(rev_not)]), np.array([np.sum(not_n)]), 1.0)[0])
    pooled = {
        "pressure": float(_rate(np.array([to_active.sum()]), np.array([np.sum(active_n)]), 1.0)[0]),
        "revenue_per_solicited": pool_sol,
        "revenue_per_not_solicited": pool_not,
        "marginal_revenue": pool_sol - pool_not,
    }
    pool_spend = float(_rate(np.array([np.sum(spend)]), np.array([np.sum(sol_n)]), 1.0)[0])
    pooled["spend_per_solicited"] = pool_spend
    pooled["marginal_roi"] = float(_rate(np.array([pool_sol - pool_not]), np.array([pool_spend]))[0])
    return pressure, solicitation, pooled


def _summed(group: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """``weights`` summed per group, in an order that does not depend on the rows'."""
    order = np.lexsort((weights, group))
    return np.bincount(group[order], weights=weights[order], minlength=k)[:k]


def _reactivity(
    cal: Calendar,
    c_ts: np.ndarray,
    code: np.ndarray,
    n_customers: int,
    active: np.ndarray,
    flags: dict[str, np.ndarray | None],
    pressure: TableResult,
) -> TableResult:
    """Reactivity and net reactivity of each period's contacts (the periods of ``pressure``)."""
    n_p = len(pressure)
    p0 = cal.period_of(int(c_ts.min()))
    c_period = cal.periods_of(c_ts) - p0
    kpis = _group_kpis("period", c_period, [""] * n_p, code, n_customers, active, flags, None, c_ts * 0.0, c_ts * 0.0)
    return TableResult(
        {
            "period": pressure["period"],
            "label": pressure["label"],
            **{k: kpis[k] for k in ("opened", "clicked", "reactivity", "contacted_active", "converted_active")},
            "net_reactivity": kpis["net_reactivity"],
            "complete": pressure["complete"],
        },
        title=f"reactivity per {cal.period}",
        units={"reactivity": "%", "net_reactivity": "%"},
    )


# ----------------------------------------------------------------------------- partitioned (fidelite.scale)
