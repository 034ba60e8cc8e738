"""Purchase metrics (docs/metrics.md, "Purchases"): repeat-purchase rate, upsell rate and
the simple CLV.

A purchase is an event of type ``purchase_event`` (default ``"purchase"``); in a log
without an event column every event is a purchase. Revenue is net revenue, as
:func:`fidelite.customer_summary` counts it: purchase amounts plus refunds (negative amounts
of any event type).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..calendar import duration_us
from ..exceptions import MissingColumnError, ParameterError
from ..io import US_PER_DAY
from ..query import choice, net_revenue, parse, purchase_mask
from ..results.base import ValueResult, safe_ratio
from ..scale.merges import Gathered
from ..scale.registry import in_steps

US_PER_YEAR = 365 * US_PER_DAY


# ----------------------------------------------------------------------------- metrics


def repeat_rate(
    data: Any,
    *,
    within: Any = None,
    cohort: Any = None,
    period: str = "month",
    week_start: str | int = "monday",
    purchase_event: str | Sequence[str] | None = "purchase",
    as_of: Any = None,
    tz: str | None = None,
    denominator: str = "buyers",
    **columns: Any,
) -> ValueResult:
    """Repeat-purchase rate = customers with >= 2 purchases / customers with >= 1 x 100.

    - ``denominator="all"``: over every customer with an event (of any type) at or before
      ``as_of`` instead of the buyers (``parts["customers"]``); with ``within=``, buyers
      whose window had not elapsed stay out of the base. Not with ``cohort=`` (a cohort is
      the period of the first purchase, which non-buyers do not have).

    - ``within=`` a duration (``"30D"``, a timedelta, days): only purchases in
      [first purchase, first purchase + within] count, and buyers whose window had not
      elapsed at ``as_of`` are left out of the base (``parts["immature"]``).
    - ``cohort=`` a date or period label (``"2024-03"``, ``"2024-Q1"``, ``"2024"``): only
      customers whose first purchase falls in that calendar ``period`` (default month, in
      ``tz``).
    - ``as_of`` (default: the latest event): later purchases are ignored.

    >>> import fidelite
    >>> log = {"customer_id": [1, 1, 2, 3, 3, 3], "timestamp": ["2024-01-01", "2024-03-01",
    ...        "2024-01-05", "2024-02-01", "2024-02-02", "2024-02-20"]}
    >>> round(fidelite.repeat_rate(log).value, 2), round(fidelite.repeat_rate(log, within="7D").value, 2)
    (66.67, 33.33)
    """
    choice("denominator", denominator, ("buyers", "all"))
    if denominator == "all" and cohort is not None:
        raise ParameterError(
            "repeat_rate(denominator='all') counts every customer, but cohort= selects customers by the period "
            "of their first purchase: drop one of them"
        )
    q = parse(data, columns, metric=repeat_rate, tz=tz, as_of=as_of, period=period, week_start=week_start)
    log, end = q.log, q.as_of
    layout = q.grouped()
    buy = purchase_mask(log, purchase_event) & (layout.ts <= end)
    first = layout.first_per_customer(buy)
    buyer = layout.per_customer(buy) > 0
    parts: dict[str, Any] = {}
    if cohort is not None:
        cal = q.calendar
        wanted = cal.start_of(cohort)
        periods = np.full(log.n_customers, np.iinfo(np.int64).min)
        periods[buyer] = cal.periods_of(first[buyer])
        buyer &= periods == wanted
    if within is not None:
        w = duration_us(within, "within")
        mature = first <= end - w
        parts["immature"] = int((buyer & ~mature).sum())
        buyer &= mature
        limit = np.repeat(np.minimum(first, end) + w, layout.sizes())
        buy = buy & (layout.ts <= limit)
    counts = layout.per_customer(buy)
    buyers = int(buyer.sum())
    repeaters = int((buyer & (counts >= 2)).sum())
    base = buyers
    if denominator == "all":  # customers with an event by as_of, less the buyers not mature yet
        base = int((layout.per_customer(layout.ts <= end) > 0).sum()) - parts.get("immature", 0)
        parts["customers"] = base
    value, reason = safe_ratio(repeaters, base, 100.0)
    if reason:
        reason = (
            "no buyers"
            + (" in that cohort" if cohort is not None else "")
            + (" whose window had elapsed at as_of" if within is not None else "")
        )
    return ValueResult(
        value,
        title="repeat-purchase rate",
        unit="%",
        parts={"buyers": buyers, "repeaters": repeaters, **parts},
        reason=reason,
    )


def upsell_rate(
    data: Any,
    *,
    purchase_event: str | Sequence[str] | None = "purchase",
    as_of: Any = None,
    tz: str | None = None,
    **columns: Any,
) -> ValueResult:
    """Upsell rate = customers who bought >= 2 distinct products / customers who
    bought exactly 1 (a plain ratio, which can exceed 1); ``parts["share"]`` = multi-product
    buyers / all buyers x 100.

    Purchases with a null product are ignored; buyers with only such purchases are counted
    in ``parts["no_product"]`` and in neither group. Needs a ``product`` column.

    >>> import fidelite
    >>> log = {"customer_id": [1, 1, 2, 3, 3], "timestamp": ["2024-01-01"] * 5,
    ...        "product": ["a", "b", "a", "c", "c"]}
    >>> r = fidelite.upsell_rate(log)
    >>> r.value, r.parts["share"]
    (0.5, 33.33333333333333)
    """
    q = parse(data, columns, metric=upsell_rate, tz=tz, as_of=as_of)
    log, end = q.log, q.as_of
    if not log.has("product"):
        raise MissingColumnError("upsell_rate needs a product column: pass product=<column name>", "product")
    layout = q.grouped()
    buy = purchase_mask(log, purchase_event) & (layout.ts <= end)
    product = layout.columns["product"].astype(np.int64)
    with_product = buy & (product >= 0)
    pairs = np.unique(
        layout.customer_of_event()[with_product] * (len(log.labels("product")) + 1) + product[with_product]
    )
    distinct = np.bincount(pairs // (len(log.labels("product")) + 1), minlength=log.n_customers)
    buyers = layout.per_customer(buy) > 0
    multi, single = int((distinct >= 2).sum()), int((distinct == 1).sum())
    value, reason = safe_ratio(multi, single)
    share, _ = safe_ratio(multi, multi + single, 100.0)
    return ValueResult(
        value,
        title="upsell rate",
        unit="ratio",
        reason=reason and "no single-product buyers",
        parts={
            "multi_product": multi,
            "single_product": single,
            "share": share,
            "no_product": int((buyers & (distinct == 0)).sum()),
        },
    )


def _clv_value(g: Gathered) -> ValueResult:
    """The last step of :func:`clv`: the averages, the lifetime and the value from the counts."""
    purchases, revenue, buyers, churned, before = (
        g.counts[k] for k in ("purchases", "revenue", "buyers", "churned", "before")
    )
    lifetime_years, margin, discount_rate = (g.same[k] for k in ("lifetime_years", "margin", "discount_rate"))
    apv, reason = safe_ratio(revenue, purchases)
    frequency, _ = safe_ratio(purchases, buyers)
    value = apv * frequency if reason is None else math.nan
    if margin is not None:
        value *= float(margin)
    churn, churn_reason = safe_ratio(churned, before)
    if lifetime_years is not None:
        lifetime = float(lifetime_years)
    elif churn_reason is not None:
        lifetime, reason = (
            math.nan,
            reason or "unknown churn rate (no buyers in the year before the last): pass lifetime_years=",
        )
    elif churn == 0:
        lifetime, reason = math.nan, reason or "no churn observed between the last two years: pass lifetime_years="
    else:
        lifetime = 1.0 / churn
    d = float(discount_rate or 0.0)
    factor = lifetime if d == 0 else (1.0 - (1.0 + d) ** -lifetime) / d
    if reason is not None and reason == "empty base: nothing to divide by":
        reason = "no purchases in the 365 days before as_of"
    parts = {
        "average_purchase_value": apv,
        "purchases_per_customer": frequency,
        "customer_value": value,
        "yearly_churn_rate": churn * 100.0,
        "lifetime_years": lifetime,
        "margin": margin,
        "discount_rate": discount_rate,
        "buyers": buyers,
        "purchases": purchases,
        "revenue": revenue,
    }
    units = {"margin": "fraction", "discount_rate": "fraction", "lifetime_years": "years"}
    return ValueResult(value * factor, title="customer lifetime value", parts=parts, reason=reason, units=units)


@in_steps(_clv_value)
def clv(
    data: Any,
    *,
    lifetime_years: float | None = None,
    margin: float | None = None,
    discount_rate: float | None = None,
    purchase_event: str | Sequence[str] | None = "purchase",
    as_of: Any = None,
    tz: str | None = None,
    **columns: Any,
) -> Gathered:
    """Simple customer lifetime value, from the last 365 days before ``as_of``.

    - average purchase value = net revenue (purchases plus refunds, as in
      :func:`~fidelite.customer_summary`) / purchases in (as_of - 365 d, as_of];
    - average purchases per customer = purchases / customers who bought in that year;
    - customer value (yearly) = their product (x ``margin``, a gross-margin fraction, if given);
    - lifetime = ``lifetime_years``, or 1 / yearly churn rate, where the churn rate is the
      share of the customers who bought in the previous year (as_of - 730 d, as_of - 365 d]
      who did not buy in the last one;
    - CLV = customer value x lifetime; with a yearly ``discount_rate`` d, each year's value is
      received at the end of the year and discounted: CLV = V x (1 - (1 + d)^-L) / d (the
      geometric series sum_{t=1..L} V / (1 + d)^t, extended to fractional L).

    NaN with a ``reason`` when nobody bought in the last year, or when the churn rate is
    unknown (no buyers in the previous year) or zero; pass ``lifetime_years`` then.

    >>> import fidelite
    >>> log = {"customer_id": [1, 1, 2], "timestamp": ["2024-03-01", "2024-06-01", "2024-09-01"],
    ...        "amount": [50.0, 30.0, 40.0]}
    >>> r = fidelite.clv(log, lifetime_years=3)
    >>> r.parts["customer_value"], r.value
    (60.0, 180.0)
    """
    for name, v, lo, hi in (("margin", margin, 0.0, 1.0), ("discount_rate", discount_rate, 0.0, math.inf)):
        if v is not None and not (lo <= float(v) <= hi and math.isfinite(float(v))):
            raise ParameterError(
                f"{name} must be a fraction{' between 0 and 1' if name == 'margin' else ' >= 0'} (e.g. 0.3), got {v!r}"
            )
    if lifetime_years is not None and not (math.isfinite(float(lifetime_years)) and float(lifetime_years) > 0):
        raise ParameterError(f"lifetime_years must be a positive number of years, got {lifetime_years!r}")
    q = parse(data, columns, metric=clv, tz=tz, as_of=as_of)
    log, end = q.log, q.as_of
    layout = q.grouped(columns=("amount",))  # the amounts carried through the grouping
    buy = purchase_mask(log, purchase_event)
    revenue_of = net_revenue(log, buy, "clv")
    ts = layout.ts
    last_year = buy & (ts > end - US_PER_YEAR) & (ts <= end)
    year_before = buy & (ts > end - 2 * US_PER_YEAR) & (ts <= end - US_PER_YEAR)
    active_now = layout.per_customer(last_year) > 0
    active_before = layout.per_customer(year_before) > 0
    purchases = int(last_year.sum())
    in_year = (ts > end - US_PER_YEAR) & (ts <= end)
    revenue = float(revenue_of[in_year].sum())
    buyers = int(active_now.sum())
    churned = int((active_before & ~active_now).sum())
    counts = dict(purchases=purchases, revenue=revenue, buyers=buyers, churned=churned, before=int(active_before.sum()))
    return Gathered(counts=counts, same=dict(lifetime_years=lifetime_years, margin=margin, discount_rate=discount_rate))


# ----------------------------------------------------------------------------- partitioned (fidelite.scale)
