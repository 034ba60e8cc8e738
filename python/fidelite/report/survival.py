"""The "Customer lifetimes" section: the Kaplan-Meier survival of customer lifetimes
(:func:`fidelite.survival`) from the events, and from the subscriptions table when one
is given: the curve with its interval, the median lifetime and the at-risk table."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from ..metrics.survival import survival
from ..results import SurvivalResult
from ..results.formatting import num, pct
from .model import Block, Figure, ReportInputs, Table, build_parts
from .sections import describe_table


def _facts(r: SurvivalResult) -> list[list[str]]:
    m = r.median
    lo, hi = float(m["median_lower"][0]), float(m["median_upper"][0])

    def days(x: float) -> str:
        return "beyond the data" if x == float("inf") else f"{num(x)} {r.time_unit}s"

    facts = [
        ["customers", num(int(m["customers"][0]))],
        ["churned (the others are censored)", num(int(m["churned"][0]))],
        ["median lifetime", days(math.inf if r.value is None else float(r.value))],
        [f"{r.meta['ci']:.0%} interval of the median", f"{days(lo)} to {days(hi)}"],
    ]
    for t in (90, 180, 365):
        below = r["time"] <= t
        if below.any() and r["time"].max() >= t:
            facts.append([f"still active after {t} {r.time_unit}s", pct(100 * float(r["survival"][below][-1]))])
    if r.meta["churn_after"] is not None:
        facts.append(
            ["churned: no event in the last", f"{r.meta['churn_after'].astype('timedelta64[D]').astype(int)} days"]
        )
    return facts


def _part(r: SurvivalResult, source: str) -> list[Block]:
    return [
        Table(["", "value"], _facts(r), caption=f"customer lifetimes from the {source}", key=f"survival-{source}"),
        Figure(
            f"survival-{source}",
            f"Share of customers still active by lifetime (from the {source}; band: {r.meta['ci']:.0%} interval)",
            lambda fig: r.plot(ax=fig.subplots()),
            (8.0, 4.0),
        ),
        describe_table(r.at_risk.to_dict(), key=f"survival-at-risk-{source}", caption="customers at risk"),
    ]


def _by_segment(inputs: ReportInputs, kw: dict[str, Any]) -> list[Block]:
    """With the report's segment: one curve per segment, the medians and the log-rank test."""
    r = survival(inputs.log, customers=inputs.customers, **inputs.segment_kw(), **kw)
    by = ", ".join(r.meta["segment"]) if isinstance(r.meta.get("segment"), (list, tuple)) else r.meta.get("segment")
    out: list[Block] = [
        Figure(
            "survival-by-segment",
            f"Share of customers still active by lifetime, by {by}",
            lambda fig: r.plot(ax=fig.subplots(), band=False),
            (8.0, 4.0),
        ),
        describe_table(r.median.to_dict(), key="survival-by-segment", caption=f"median lifetime by {by}"),
    ]
    if r.logrank is not None:
        out.append(
            describe_table(r.logrank.to_dict(), key="survival-logrank", caption="log-rank test between the segments")
        )
    return out


def survival_section(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    """Kaplan-Meier survival of customer lifetimes: events always, subscriptions when given."""
    kw: dict[str, Any] = {"tz": inputs.tz}
    if inputs.as_of is not None:
        kw["as_of"] = inputs.as_of

    def lifetimes(source: str, **given: Any) -> list[Block]:
        return _part(survival(inputs.log, **given, **kw), source)

    parts = [("lifetimes from the events", partial(lifetimes, "events"))]
    if inputs.subscriptions is not None:
        parts.append(
            (
                "lifetimes from the subscriptions",
                partial(lifetimes, "subscriptions", subscriptions=inputs.subscriptions),
            )
        )
    if inputs.segment_kw():
        parts.append(("lifetimes by segment", partial(_by_segment, inputs, kw)))
    blocks, notes = build_parts(parts)
    notes.append(
        "Kaplan-Meier estimate with right censoring: from the events, a customer with no event in the last "
        "90 days churned at its last event, the others are censored at the as-of date; from the subscriptions, "
        "a lifetime is the first unbroken spell of subscriptions. Interval: exponential Greenwood (log-log)."
    )
    return blocks, notes
