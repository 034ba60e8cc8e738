"""The explorer's segment picker at work in every tab: with a segment chosen (above the
tabs), each tab whose metric takes ``segment=`` shows that metric per segment below its
own content: the
comparison chart of the :class:`~fidelite.SegmentedResult`, its overview (one row per
segment: customers, the headline value, why a segment has no result) and the segmented
frame (segment columns first, the first rows).

:data:`COMPARISONS` maps a tab's key to the metric it compares; a tab that is not in it
(the indices, the survival tab, which segments its curves itself) shows nothing more.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..metrics import campaigns, nps_over_time, period_kpis, predicted_clv, programme_kpis, revenue_retention, rfm
from ..results import SegmentedResult, style
from ..results.formatting import html_table
from ._html import chart_html
from ._state import ExplorerState

#: Rows of the segmented frame shown under the chart.
FRAME_ROWS = 12


@dataclass(frozen=True)
class Comparison:
    """The metric a tab compares across segments: ``compute(state, segment_kw)`` returns
    the :class:`~fidelite.SegmentedResult`; ``column`` is what its chart draws (None: the
    headline values, or the average retention per offset); ``what`` names it."""

    what: str
    compute: Callable[[ExplorerState, dict[str, Any]], Any]
    column: str | None = None


def _common(st: ExplorerState) -> dict[str, Any]:
    return {"as_of": st.as_of, "tz": st.tz, "customers": st.tables["customers"]}


def _retention(st: ExplorerState, kw: dict[str, Any]) -> Any:
    return st.retention()  # already segmented by the picker


def _kpis(st: ExplorerState, kw: dict[str, Any]) -> Any:
    return period_kpis(st.log, period=st.params["period"], **_common(st), **kw)


def _rfm(st: ExplorerState, kw: dict[str, Any]) -> Any:
    return rfm(st.log, **_common(st), **kw)


def _predict(st: ExplorerState, kw: dict[str, Any]) -> Any:
    from ._predict import HORIZON_MONTHS

    more = {**kw, "customers": st.tables["customers"]}
    return predicted_clv(st.log, horizon=HORIZON_MONTHS, observation_end=st.as_of, tz=st.tz, **more)


def _campaigns(st: ExplorerState, kw: dict[str, Any]) -> Any:
    contacts = st.table("contacts", "the campaign KPIs per segment")
    return campaigns(contacts, events=st.log, period=st.params["period"], **_common(st), **kw)


def _revenue(st: ExplorerState, kw: dict[str, Any]) -> Any:
    subscriptions = st.table("subscriptions", "revenue retention per segment")
    return revenue_retention(subscriptions, period=st.params["period"], **_common(st), **kw)


def _surveys(st: ExplorerState, kw: dict[str, Any]) -> Any:
    surveys = st.table("surveys", "the NPS per segment")
    return nps_over_time(surveys, by=st.params["period"], **_common(st), **kw)


def _programme(st: ExplorerState, kw: dict[str, Any]) -> Any:
    if st.programme is None:
        from ..exceptions import MissingTableError

        raise MissingTableError("needs the programme table (pass programme=... to explore)")
    return programme_kpis(st.log, programme=st.programme, **_common(st), **kw)


#: The comparison of each tab, by tab key.
COMPARISONS: dict[str, Comparison] = {
    "retention": Comparison("average retention per offset", _retention),
    "lifecycle": Comparison("kept rate per period (% of the active base)", _kpis, "kept_rate"),
    "customers": Comparison("RFM: spend per customer", _rfm, "monetary"),
    "predict": Comparison("predicted value per customer", _predict),
    "campaigns": Comparison("net reactivity", _campaigns),
    "revenue": Comparison("net revenue retention", _revenue),
    "surveys": Comparison("NPS per period", _surveys, "nps"),
    "programme": Comparison("members vs non-members: repeat rate", _programme, "repeat_rate"),
}


def segment_html(state: ExplorerState, key: str) -> str:
    """The tab ``key``'s metric per segment (chart, overview, frame), or "" without a
    segment or a comparison for the tab. Raises what the metric raises."""
    kw = state.segment_kw()
    comparison = COMPARISONS.get(key)
    if not kw or comparison is None:
        return ""
    p = state.params
    result = state.cached(
        ("segmented", key, p["period"], p["segment"], kw.get("bins") and str(kw["bins"]), state.as_of_us),
        lambda: comparison.compute(state, kw),
    )
    if not isinstance(result, SegmentedResult):
        raise TypeError(f"{comparison.what} did not segment: got {type(result).__name__}")
    return comparison_html(result, comparison, key)


def comparison_html(result: SegmentedResult, comparison: Comparison, key: str) -> str:
    """One segmented result as a chart, its overview and the first rows of its frame."""
    by = " × ".join(result.attributes)
    n = len(result.results)
    chart = chart_html(
        f"segments-{key}",
        lambda ax: style.styled(lambda a: result.plot(comparison.column, ax=a), ax),
        hooks={"segments": n, "segment": by},
        alt=f"{comparison.what} by {by}",
        size=(9.0, min(2.6 + 0.3 * n, 8.0)),
    )
    frame = result.to_dict()
    rows = len(next(iter(frame.values()))) if frame else 0
    edges = getattr(result, "edges", None)
    cut = f"; bins {html.escape(str(edges))}" if edges else ""
    return (
        f"<h4>By {html.escape(by)}: {html.escape(comparison.what)}</h4>"
        f"<div class='fidelite-segments' data-tab='{key}' data-segment='{html.escape(by, quote=True)}' "
        f"data-segments='{n}' data-rows='{rows}'>{chart}"
        f"{html_table(result.overview.to_dict(), title=f'{result.title}: one row per segment{cut}')}"
        f"<details><summary>the segmented frame ({rows:,} rows, segment columns first)</summary>"
        f"{html_table(frame, title=result.title, max_rows=FRAME_ROWS)}</details></div>"
    )
