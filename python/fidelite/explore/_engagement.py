"""Engagement over time in the explorer's "Lifecycle & KPIs" tab: the stickiness (DAU/MAU
per month, :func:`fidelite.stickiness`) and the active days and key actions per active
customer per period (:func:`fidelite.engagement_over_time`), as charts in the shared
style, each failing alone."""

from __future__ import annotations

from ..metrics import engagement_over_time, stickiness
from ._html import block, chart_html, parts_html
from ._state import ExplorerState


def stickiness_html(state: ExplorerState) -> str:
    s = state.cached(("stickiness", state.as_of_us), lambda: stickiness(state.log, as_of=state.as_of, tz=state.tz))
    chart = chart_html("stickiness", s.plot, hooks={"periods": len(s)}, alt=s.title, size=(9.0, 2.8))
    return block("Stickiness (DAU/MAU)", "fidelite-stickiness", chart, value=f"{s.value:.6f}", periods=len(s))


def engagement_html(state: ExplorerState) -> str:
    period = state.params["period"]
    e = state.cached(
        ("engagement_over_time", period, state.as_of_us),
        lambda: engagement_over_time(state.log, by=period, as_of=state.as_of, tz=state.tz),
    )
    chart = chart_html("engagement", e.plot, hooks={"period": period, "periods": len(e)}, alt=e.title, size=(9.0, 3.0))
    return block("Engagement per active customer", "fidelite-engagement", chart, periods=len(e))


def engagement_section_html(state: ExplorerState) -> str:
    """Both charts; a part that fails shows its error in its place."""
    return parts_html([lambda: stickiness_html(state), lambda: engagement_html(state)])
