"""The explorer's "Survival" tab: the Kaplan-Meier curve of customer lifetimes
(:func:`fidelite.survival`) from the events, and from the subscriptions table when one is
given, each with its median, at-risk table and (with the segment chosen above the tabs:
one curve per segment) the log-rank test; each part rendered alone so that one failing part does not hide
the other."""

from __future__ import annotations

import html
from typing import Any

from ..metrics.survival import survival
from ..results import SurvivalResult
from ._html import chart_html, parts_html


def survival_part_html(result: SurvivalResult, *, source: str) -> str:
    """One source's curve (a chart), its summary line, median and at-risk tables."""
    logrank = ""
    if result.logrank is not None:
        logrank = f" data-logrank-p='{float(result.logrank['p_value'][0]):.6g}'"
    img = chart_html(f"survival-{source}", result.plot, hooks={"source": source}, alt=result.title, size=(8.0, 3.6))
    return (
        f"<h4>Lifetimes from the {source}</h4>"
        f"<div class='fidelite-survival-part' data-source='{source}' data-median='{result.value:.6g}' "
        f"data-customers='{int(result.median['customers'][0])}'{logrank}>"
        f"<p>{html.escape(result.summary())}</p>{img}{result.median.to_html()}{result.at_risk.to_html()}</div>"
    )


def survival_tab_html(
    log: Any,
    *,
    as_of: Any,
    tz: str,
    tables: dict[str, Any],
    segment_kw: dict[str, Any],
) -> str:
    """The tab's HTML: events always, subscriptions when given; a part that fails shows
    its error in its place."""
    customers, subscriptions = tables.get("customers"), tables.get("subscriptions")
    kw: dict[str, Any] = dict(as_of=as_of, tz=tz, customers=customers, **segment_kw)
    parts = [lambda: survival_part_html(survival(log, **kw), source="events")]
    if subscriptions is not None:
        parts.append(
            lambda: survival_part_html(survival(log, subscriptions=subscriptions, **kw), source="subscriptions")
        )
    return parts_html(parts)
