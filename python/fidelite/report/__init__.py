"""The fidelite report: data accounting, headline KPIs, cohort retention, lifecycle,
customers, loyalty indices and (in HTML) the methods behind them.

The report is a list of section builders (:data:`SECTIONS`), each turning the inputs into
a :class:`Section` of tables, texts and charts, or into "skipped: needs X" when an input is
missing. A section that fails shows its error; the others still render. Print it in a
terminal (rich), write it as one self-contained HTML file, or display it in Jupyter.

>>> import fidelite
>>> from fidelite.report import build_report
>>> shop = fidelite.datasets.demo_shop(500, seed=0)
>>> report = build_report(shop.events, period="quarter", surveys=shop.surveys)
>>> [s.key for s in report.sections][:3]
['accounting', 'kpis', 'cohorts']
>>> report.section("cohorts").status
'ok'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .. import plugins, query
from ..calendar import Calendar, check_period, to_instant
from ..eventlog import EventLog
from . import plugin_sections
from .campaigns import campaigns_section
from .document import Report
from .kpis import kpis
from .methods import methods
from .model import (
    Block,
    Figure,
    ReportInputs,
    Section,
    SectionBuilder,
    Skip,
    Table,
    Text,
    run_sections,
)
from .people import customers_section, indices_section
from .predict import predict_section
from .programme import programme_section
from .revenue import revenue_section
from .sections import accounting, cohorts, lifecycle_section
from .segments import with_comparison
from .surveys import surveys_section
from .survival import survival_section

#: The built-in sections, in report order. Pass ``sections=`` to :func:`build_report` to
#: add your own (any :class:`SectionBuilder`) or to drop some.
SECTIONS: list[SectionBuilder] = [
    SectionBuilder("accounting", "Data accounting", accounting),
    SectionBuilder("kpis", "Headline KPIs", kpis),
    SectionBuilder("cohorts", "Cohort retention", cohorts),
    SectionBuilder("lifecycle", "Lifecycle", lifecycle_section),
    SectionBuilder("customers", "Customers: RFM segments and at-risk list", customers_section),
    SectionBuilder("indices", "Loyalty indices", indices_section),
    SectionBuilder("predict", "Predicted value", predict_section),
    SectionBuilder("survival", "Customer lifetimes", survival_section),
    SectionBuilder("campaigns", "CRM campaigns", campaigns_section),
    SectionBuilder("revenue", "Revenue retention", revenue_section),
    SectionBuilder("surveys", "Surveys: NPS over time and behaviour", surveys_section),
    SectionBuilder("programme", "Loyalty programme", programme_section),
    SectionBuilder("methods", "Methods", methods, html_only=True),
]


def build_report(
    data: Any,
    *,
    period: str = "month",
    tz: str | None = None,
    as_of: Any = None,
    customers: Any = None,
    surveys: Any = None,
    contacts: Any = None,
    subscriptions: Any = None,
    programme: Any = None,
    tiers: Mapping[str, float] | None = None,
    sections: Sequence[SectionBuilder] | None = None,
    purchase_event: str | None = None,
    week_start: str = "monday",
    title: str = "fidelite report",
    source: str = "",
    progress: Callable[[str], Any] | None = None,
    index_timeout: float | None = plugins.DEFAULT_TIMEOUT,
    segment: Any = None,
    bins: Any = None,
    **columns: Any,
) -> Report:
    """Build the report of an event log and the optional tables.

    ``data`` is an :class:`~fidelite.EventLog` or anything it accepts, with the same column
    keywords (``customer=``, ``time=``, ``amount=``, ``event=``, ``strict=`` ...); ``tz``
    is the zone in which periods are cut (default: the log's). The optional tables use the
    canonical column names of docs/metrics.md ("Inputs"); ``tiers`` (tier name -> points
    threshold) orders the tier migration and adds the members near their next tier. ``period`` cuts cohorts, lifecycle and
    KPIs (weeks start on ``week_start``); ``as_of`` (default: the latest event) marks
    incomplete periods;
    ``purchase_event`` names the event type of a purchase (default "purchase"; in a log
    without an event column every event is one). ``progress`` is called with the name of
    each stage (building the log, then each section title). ``index_timeout`` is each
    loyalty index's time budget in seconds (None: no limit): a slower index is reported as
    timed out, the others still show.

    ``segment`` (an attribute name or a list of them) and ``bins`` (``{"age": 4}``, as on
    every metric, docs/segments.md) add to each section whose metric takes them its
    metric per segment: a comparison chart, one row per segment and the segmented frame
    (:mod:`fidelite.report.segments`); the survival section draws one curve per segment
    with the log-rank test. A segmentation that fails is a note of its section, which
    still shows.
    """
    check_period(period)
    Calendar.make(period, "UTC", week_start)  # a bad week_start fails here, once
    if progress is not None and not isinstance(data, EventLog):
        progress("building the log")
    log, tz = query.log_of(data, tz, columns, build_report)
    if as_of is not None:
        to_instant(as_of, tz)  # a bad date fails here, once, rather than in every section
    inputs = ReportInputs(
        log=log,
        period=period,
        tz=tz,
        as_of=as_of,
        customers=customers,
        surveys=surveys,
        contacts=contacts,
        subscriptions=subscriptions,
        programme=programme,
        tiers=tiers,
        source=source,
        purchase_event=purchase_event,
        week_start=week_start,
        index_timeout=index_timeout,
        segment=segment,
        bins=bins,
    )
    builders = plugin_sections.with_plugins(SECTIONS) if sections is None else sections
    if inputs.segment_kw():
        builders = [with_comparison(b) for b in builders]
    return Report(inputs, run_sections(inputs, builders, progress), title=title)


__all__ = [
    "SECTIONS",
    "Block",
    "Figure",
    "Report",
    "ReportInputs",
    "Section",
    "SectionBuilder",
    "Skip",
    "Table",
    "Text",
    "build_report",
]
