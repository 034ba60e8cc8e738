"""The per-segment comparison of each report section, with ``fidelite.report(...,
segment=...)`` (``fidelite report --segment COL``): after its own content, every section
whose metric takes ``segment=`` shows that metric per segment: the comparison chart of
the :class:`~fidelite.SegmentedResult` and its overview table (one row per segment:
customers, the headline value, why a segment has no result); the CSV and JSON exports
hold the whole segmented frame.

:data:`COMPARISONS` maps a section key to what it compares. The survival section
segments its curves itself (one curve per segment and the log-rank test); the accounting,
indices and methods sections have no segmented metric.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import metrics
from ..results import SegmentedResult, style
from .model import Block, Figure, ReportInputs, SectionBuilder, error_line
from .sections import describe_table


@dataclass(frozen=True)
class Comparison:
    """``compute(inputs, segment_kw)`` returns the section's metric per segment;
    ``column`` is what the chart draws (None: the headline values, or the average
    retention per offset); ``what`` names it; ``needs`` the optional table it reads."""

    what: str
    compute: Callable[[ReportInputs, dict[str, Any]], Any]
    column: str | None = None
    needs: str | None = None


def _kw(inputs: ReportInputs, **more: bool) -> dict[str, Any]:
    return {**inputs.kw(**more), "customers": inputs.customers}


def _revenue(i: ReportInputs, kw: dict[str, Any]) -> Any:
    from .revenue import result

    as_of = i.as_of if i.as_of is not None else result(i).meta["as_of"]  # the section's instant, for every segment
    more = {**kw, "customers": i.customers, "as_of": as_of}
    return metrics.revenue_retention(i.subscriptions, period=i.period, tz=i.tz, **more)


def _surveys(i: ReportInputs, kw: dict[str, Any]) -> Any:
    whole = i.cached("nps_over_time", lambda: metrics.nps_over_time(i.surveys, by=i.period, **i.kw()))
    as_of = i.as_of if i.as_of is not None else whole.meta["as_of"]  # the latest answer of all, for every segment
    more = {**kw, "customers": i.customers, "as_of": as_of}
    return metrics.nps_over_time(i.surveys, by=i.period, tz=i.tz, **more)


def _predicted(i: ReportInputs, kw: dict[str, Any]) -> Any:
    from .predict import HORIZON_MONTHS

    more = {**i.kw(purchases=True), **kw, "customers": i.customers}
    if "as_of" in more:
        more["observation_end"] = more.pop("as_of")
    return metrics.predicted_clv(i.log, horizon=HORIZON_MONTHS, **more)


#: The comparison of each section, by section key.
COMPARISONS: dict[str, Comparison] = {
    "kpis": Comparison(
        "kept rate per period (% of the active base)",
        lambda i, kw: metrics.period_kpis(i.log, **_kw(i, period=True, purchases=True), **kw),
        "kept_rate",
    ),
    "cohorts": Comparison(
        "average retention per offset",
        lambda i, kw: metrics.retention(i.log, **_kw(i, period=True), **kw),
    ),
    "lifecycle": Comparison(
        "returning customers per period",
        lambda i, kw: metrics.lifecycle(i.log, **_kw(i, period=True), **kw),
        "returning",
    ),
    "customers": Comparison(
        "RFM: spend per customer",
        lambda i, kw: metrics.rfm(i.log, **_kw(i), **kw),
        "monetary",
    ),
    "predict": Comparison(
        "predicted value per customer",
        lambda i, kw: _predicted(i, kw),
    ),
    "campaigns": Comparison(
        "net reactivity",
        lambda i, kw: metrics.campaigns(i.contacts, events=i.log, **_kw(i, period=True), **kw),
        needs="contacts",
    ),
    "revenue": Comparison(
        "net revenue retention",
        _revenue,
        needs="subscriptions",
    ),
    "surveys": Comparison(
        "NPS per period",
        _surveys,
        "nps",
        needs="surveys",
    ),
    "programme": Comparison(
        "members vs non-members: repeat rate",
        lambda i, kw: metrics.programme_kpis(i.log, programme=i.programme, **_kw(i), **kw),
        "repeat_rate",
        needs="programme",
    ),
}


def with_comparison(builder: SectionBuilder) -> SectionBuilder:
    """``builder`` whose section, when the report has a segment, ends with its metric per
    segment (:func:`segment_blocks`); a comparison that fails is a note of the section."""

    def build(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
        blocks, notes = builder.build(inputs)
        blocks, notes = list(blocks), list(notes)
        if inputs.segment_kw():
            try:
                blocks += segment_blocks(builder.key, inputs)
            except Exception as e:  # the section itself still shows
                notes.append(f"the comparison by segment failed: {error_line(e)}")
        return blocks, notes

    return SectionBuilder(builder.key, builder.title, build, html_only=builder.html_only)


def segment_blocks(key: str, inputs: ReportInputs) -> list[Block]:
    """The section ``key``'s metric per segment (chart and overview), [] without a
    segment, a comparison for the section or its input table. Raises what the metric
    raises."""
    kw = inputs.segment_kw()
    comparison = COMPARISONS.get(key)
    if not kw or comparison is None or (comparison.needs and getattr(inputs, comparison.needs) is None):
        return []
    result = comparison.compute(inputs, kw)
    if not isinstance(result, SegmentedResult):
        raise TypeError(f"{comparison.what} did not segment: got {type(result).__name__}")
    by = " × ".join(result.attributes)
    n = len(result.results)
    overview = result.overview
    cut = f"; bins {result.edges}" if result.edges else ""
    table = describe_table(
        overview.to_dict(),
        key=f"{key}-by-segment",
        caption=f"{result.title}: one row per segment{cut}",
        max_rows=50,
        units=dict(overview.units),
    )
    frame = describe_table(
        result.to_dict(),
        key=f"{key}-segmented",
        caption=f"{result.title}: the segmented frame, segment columns first",
        max_rows=10,
        tz=inputs.tz,
    )
    figure = Figure(
        f"{key}-by-segment",
        f"By {by}: {comparison.what}",
        lambda fig: style.styled(lambda ax: result.plot(comparison.column, ax=ax), fig.subplots()),
        (8.0, min(2.8 + 0.3 * n, 9.0)),
    )
    return [figure, table, frame]


__all__ = ["COMPARISONS", "Comparison", "segment_blocks", "with_comparison"]
