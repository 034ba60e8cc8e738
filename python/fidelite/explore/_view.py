"""The ipywidgets view of the explorer, built lazily on an :class:`ExplorerState`.

The view holds no analytics: every control calls ``state.set(...)`` / ``state.select(...)``
and the visible tab is redrawn from the state (the other tabs are redrawn when they are
opened). Errors raised in a callback are shown inline, in the tab's error box or in place
of the table or chart that failed (type and message; an input that is absent reads
"skipped: needs a product column (pass product=...)"), never in a stderr box: their
tracebacks go to the ``fidelite.explore`` logger (debug level) and to
:attr:`Explorer.tracebacks`. Long work shows "computing…" above the tabs, and the
indices tab fills in row by row as each index finishes. Rendered values carry stable ``data-*``
attributes (table cells, the selected cell, chart images) for tests.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import math
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np

from ..exceptions import MissingTableError
from ..results import style
from ..results.formatting import html_table, instant, pct, value
from ._campaigns import campaigns_tab_html
from ._engagement import engagement_section_html
from ._html import COMPUTING, chart_html, error_html, skip_text
from ._plugin_tabs import plugin_pages
from ._predict import predict_tab_html
from ._programme import programme_tab_html
from ._revenue import revenue_tab_html
from ._segments import segment_html
from ._state import ExplorerState
from ._surveys import surveys_tab_html
from ._survival import survival_tab_html

logger = logging.getLogger("fidelite.explore")


@dataclass(frozen=True)
class PageTab:
    """A tab drawn as one HTML page from the state: ``render(state)`` returns its HTML
    (raising shows the error inline, or "skipped: needs ..." for an absent input). It is
    redrawn when opened after a parameter change, and its HTML is cached per ``period``
    and ``as_of`` (a page reads only those parameters)."""

    title: str
    key: str  # the page widget's CSS class is fidelite-<key>
    render: Callable[[ExplorerState], str]


def _predict_page(state: ExplorerState) -> str:
    return predict_tab_html(state.log, as_of=state.as_of, tz=state.tz, period=state.params["period"])


def _survival_page(state: ExplorerState) -> str:
    return survival_tab_html(
        state.log,
        as_of=state.as_of,
        tz=state.tz,
        tables=state.tables,
        segment_kw=state.segment_kw(),
    )


def _table_page(
    name: str, table: Callable[[ExplorerState], Any], render: Callable[..., str], *, tiers: bool = False
) -> Callable[..., str]:
    """A page on one optional table (``name``): its HTML, or what to pass when absent.
    ``tiers``: ``render`` also takes the explorer's tier thresholds."""

    def page(state: ExplorerState) -> str:
        given = table(state)
        if given is None:
            raise MissingTableError(f"this tab needs the {name} table: pass {name}=<table> to fidelite.explore()")
        more = {"tiers": state.tiers} if tiers else {}
        return render(state.log, given, as_of=state.as_of, tz=state.tz, period=state.params["period"], **more)

    return page


#: The tabs after the four built-in ones, in order. A new tab is one line here: its module
#: (``explore/_<name>.py``) provides ``render(state) -> str`` (see ``_campaigns.py``).
PAGES: list[PageTab] = [
    PageTab("Predicted value", "predict", _predict_page),
    PageTab("Campaigns", "campaigns", campaigns_tab_html),
    PageTab("Revenue (MRR)", "revenue", revenue_tab_html),  # not "... retention": the Retention tab is found by name
    PageTab("Survival", "survival-tab", _survival_page),
    PageTab("Surveys", "surveys", _table_page("surveys", lambda st: st.tables["surveys"], surveys_tab_html)),
    PageTab(
        "Programme", "programme", _table_page("programme", lambda st: st.programme, programme_tab_html, tiers=True)
    ),
]
#: The built-in tabs, drawn from widgets of their own.
BUILT_IN = ("Retention", "Lifecycle & KPIs", "Customers", "Indices")
#: Keys of the built-in tabs (their segment comparison, their CSS classes).
BUILT_IN_KEYS = ("retention", "lifecycle", "customers", "indices")
RETENTION, LIFECYCLE, CUSTOMERS, INDICES = range(len(BUILT_IN))
#: Every tab's title at import (an explorer reads :data:`PAGES` when it is built).
TABS = (*BUILT_IN, *(p.title for p in PAGES))
PREDICT = TABS.index("Predicted value")
#: Rows of the at-risk list and of the KPI table shown.
AT_RISK_ROWS = 20
KPI_ROWS = 24
#: Widget value standing for None in a dropdown (ipywidgets reads None as "no selection").
NONE = ""
_CONTROL_LABELS = {
    "period": "period",
    "as_of": "as of",
    "criterion": "criterion",
    "measure": "measure",
    "cohort": "cohort",
    "window": "window",
    "offset0": "offset 0",
    "brackets": "brackets",
    "start_event": "start event",
    "return_event": "return event",
    "segment": "segment",
    "bins": "bins",
    "segment_value": "segment shown",
}
_CSS = """<style>
.fidelite-explorer table.fidelite-retention, .fidelite-explorer table.fidelite-table {border-collapse: collapse; font-size: 12px}
.fidelite-explorer table.fidelite-retention td, .fidelite-explorer table.fidelite-retention th,
.fidelite-explorer table.fidelite-table td, .fidelite-explorer table.fidelite-table th {padding: 2px 6px; text-align: right}
.fidelite-explorer table.fidelite-retention th, .fidelite-explorer table.fidelite-table th {white-space: nowrap}
.fidelite-explorer table.fidelite-index-table td, .fidelite-explorer table.fidelite-index-table th {text-align: left}
.fidelite-explorer h4 {margin: 12px 0 4px 0}
.fidelite-explorer caption {caption-side: bottom; font-size: 11px; color: #555; text-align: left}
.fidelite-explorer .fidelite-error {color: #b00020; white-space: pre-wrap}
.fidelite-explorer .fidelite-skipped {color: #555; font-style: italic}
.fidelite-explorer .fidelite-computing {color: #555; font-style: italic}
</style>"""


def draw_kpis(ax: Any, kpis: Any, labels: list[str], period: str) -> Any:
    """Active customers per period (bars) with the kept and churn rates (lines, which sum
    to 100 % of the customers active at the start); incomplete periods hatched and hollow,
    as the tables star them."""
    x = np.arange(len(labels))
    complete = np.asarray(kpis["complete"], bool)
    bars = ax.bar(x, kpis["active"], color=style.PRIMARY, alpha=0.35, label="active customers")
    ax.set_ylabel("customers")
    rates = ax.twinx()
    rates.plot(x, kpis["kept_rate"], color=style.PRIMARY, marker="o", markersize=3, label="kept rate")
    rates.plot(x, kpis["churn_rate"], color=style.LOSS, marker="o", markersize=3, label="churn rate")
    style.hollow_incomplete(rates, x, complete)
    rates.set_ylabel("% of the customers active at the start")
    handles, names = ax.get_legend_handles_labels()
    more, more_names = rates.get_legend_handles_labels()
    handles, names = handles + more, names + more_names
    if style.hatch_incomplete([bars], complete):
        for h in (style.incomplete_handle(), style.incomplete_handle("line")):
            handles.append(h)
            names.append(h.get_label())
    style.ticks(ax, labels)
    ax.legend(handles, names, loc="upper left")
    ax.set_title(f"active base per {period}")
    style.finish(ax)
    return ax


def kpi_chart_html(kpis: Any, labels: list[str], hooks: dict[str, Any]) -> str:
    """:func:`draw_kpis` as an image; ``data-incomplete`` counts its incomplete periods."""
    open_ = int((~np.asarray(kpis["complete"], bool)).sum())
    return chart_html(
        "kpis",
        lambda ax: draw_kpis(ax, kpis, labels, hooks["period"]),
        hooks={**hooks, "periods": len(labels), "incomplete": open_},
        alt="active customers, kept and churn rates",
    )


def rolling_chart_html(rolling: Any, hooks: dict[str, Any]) -> str:
    """Customers active in the trailing 30 days, per day."""

    def draw(ax: Any) -> None:
        ax.plot(rolling["day"], rolling["active"], color=style.PRIMARY, linewidth=1.2)
        ax.set_ylabel("customers")
        ax.set_title(rolling.title if hasattr(rolling, "title") and rolling.title else "rolling active customers")
        ax.figure.autofmt_xdate()
        style.finish(ax)

    return chart_html(
        "rolling",
        draw,
        hooks={"as-of": hooks["as-of"], "days": len(rolling)},
        alt="rolling active customers",
        size=(9.0, 2.6),
    )


def kpi_table_html(kpis: Any, labels: list[str]) -> str:
    """The period KPIs as a table (latest periods first)."""
    cols = [
        "active_start",
        "active",
        "new",
        "kept",
        "lost",
        "kept_rate",
        "churn_rate",
        "retention_rate",
        "net_result",
        "revenue",
        "orders",
        "revenue_per_active",
        "complete",
    ]
    order = np.arange(len(labels))[::-1]
    table = {"period": np.array(labels, dtype=object)[order]}
    table.update({c: kpis[c][order] for c in cols if c in kpis.columns})
    return html_table(table, title=f"{kpis.title} (latest first)", max_rows=KPI_ROWS)


def _pct(x: float) -> str:
    return pct(x, fraction=True)


def cell_html(info: dict[str, Any]) -> str:
    """The selected cell as text with ``data-*`` hooks (count or value, rate, CI)."""
    hooks = {k: info[k] for k in ("cohort", "offset", "size", "rate", "ci_low", "ci_high", "complete")}
    head = f"<b>cohort {html.escape(info['cohort'])}, offset {html.escape(info['offset'])}</b>: "
    if info["measure"] == "customers":
        hooks["count"] = info["count"]
        text = f"{info['count']:,} of {info['size']:,} customers, rate {_pct(info['rate'])}"
        if not math.isnan(info["ci_low"]):
            text += f" ({round(100 * info['ci'])}% CI {_pct(info['ci_low'])} – {_pct(info['ci_high'])})"
    else:
        hooks["value"] = info["value"]
        text = (
            f"{info['measure']} {info['value']:,.2f} over {info['size']:,} customers, {info['rate']:,.2f} per customer"
        )
    text += "; complete" if info["complete"] else "; not complete at as-of (left out of the average)"
    attrs = "".join(f" data-{k.replace('_', '-')}='{html.escape(str(v), quote=True)}'" for k, v in hooks.items())
    # outline the selected cell in the matrix
    style = (
        f"<style>.fidelite-matrix td[data-cohort='{html.escape(info['cohort'])}'][data-offset='{info['column']}']"
        "{outline: 3px solid #E69F00; outline-offset: -3px}</style>"
    )
    return f"{style}<div class='fidelite-cell'{attrs}>{head}{text}</div>"


def index_value_html(result: Any) -> str:
    """One index result: its number, or its table folded under a summary line."""
    if result.columns is None:
        shown = "–" if math.isnan(result.value) else value(result.value, result.info.unit)
        why = f" <small>({html.escape(result.reason)})</small>" if result.reason else ""
        return f"<span class='fidelite-index-value' data-value='{result.value!r}'>{html.escape(shown)}</span>{why}"
    n = len(result)
    return (
        f"<details><summary>{n:,} {result.info.level} rows</summary>{html_table(result.columns, max_rows=20)}</details>"
    )


def _as_date(value: Any) -> dt.date | None:
    """The date a DatePicker shows for an ``as_of`` parameter."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(np.datetime64(value, "D")))


class Explorer:
    """The interactive explorer (ipywidgets): retention, lifecycle and KPIs, customers,
    loyalty indices, then one tab per :data:`PAGES` entry (predicted value, campaigns,
    revenue retention; a tab whose input table was not given says what it needs).
    Display it in a notebook (or return it from a cell).

    ``period``, ``as of`` and ``segment`` (above the tabs) apply to every tab: with a
    segment (a customers-table column, an event label, a numeric attribute cut by
    ``bins``: a number of quantile bins, quartiles by default, or edges such as
    ``18, 25, 35``; or a derived attribute), each tab also shows its metric per segment
    (the comparison chart, one row per segment, the segmented frame) below its own content. The retention tab has
    the criterion, measure, cohort mode, the segment whose matrix is shown, window (calendar or rolling), offset 0
    (the cohort, or returns after the start only), brackets (offset widths), the start and
    return event types, and selectors for one cell (its count, rate and CI; hovering a
    cell shows them too). "List its customers" opens the customers tab on the customers
    counted in that cell.

    Parameters: an :class:`ExplorerState` (``state=``) or the arguments of one.

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(1000, seed=0)
    >>> ex = fidelite.explore(shop.events, customers=shop.customers)
    >>> ex.controls["period"].value = "quarter"
    >>> ex.state.params["period"], "data-rows" in ex.matrix_html.value
    ('quarter', True)
    """

    def __init__(self, data: Any = None, *, state: ExplorerState | None = None, **kwargs: Any) -> None:
        if state is None:
            if data is None:
                raise TypeError("pass the event data (or state=ExplorerState(...)) to build an explorer")
            state = ExplorerState(data, **kwargs)
        elif data is not None or kwargs:
            raise TypeError("pass either state= or the data and its options, not both")
        self.state = state
        self._widget: W.Widget | None = None
        self._syncing = False
        #: The page tabs of this explorer (:data:`PAGES` when it was made).
        self.page_tabs = [*PAGES, *(PageTab(*page) for page in plugin_pages(error_html))]  # plugin sections last
        self.titles = (*BUILT_IN, *(p.title for p in self.page_tabs))
        self._dirty = set(range(len(self.titles)))
        self._rolling_source: Any = None
        #: Tracebacks of the errors shown inline (newest last), for debugging.
        self.tracebacks: list[str] = []

    # ------------------------------------------------------------------ display
    @property
    def widget(self) -> W.Widget:
        """The root widget (built on first use)."""
        if self._widget is None:
            self._widget = self._build()
            self._refresh(RETENTION)
        return self._widget

    @property
    def controls(self) -> dict[str, Any]:
        """The controls by parameter name (``period``, ``as_of``, ``criterion``, ``measure``,
        ``cohort``, ``window``, ``offset0``, ``brackets``, ``start_event``, ``return_event``,
        ``segment``, ``bins``, ``segment_value``); setting ``.value`` acts like the user."""
        _ = self.widget  # built on first use
        return self._controls

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        log = self.state.log
        return f"<fidelite Explorer: {log.n_customers:,} customers, {log.n_events:,} events; display it in a notebook>"

    # ------------------------------------------------------------------ layout
    def _dropdown(self, name: str) -> W.Dropdown:
        d = W.Dropdown(
            description=_CONTROL_LABELS[name], style={"description_width": "initial"}, layout=W.Layout(width="auto")
        )
        d.add_class(f"fidelite-control-{name}")
        d.observe(lambda change: self._on_control(name, change["new"]), names="value")
        return d

    def _html(self, css: str) -> W.HTML:
        h = W.HTML()
        h.add_class(css)
        return h

    def _build(self) -> W.Widget:
        st = self.state
        self._controls: dict[str, Any] = {
            n: self._dropdown(n)
            for n in (
                "period",
                "criterion",
                "measure",
                "cohort",
                "window",
                "offset0",
                "start_event",
                "return_event",
                "segment",
                "segment_value",
            )
        }
        for name, placeholder, width in (
            ("brackets", "widths, e.g. 1, 6, 23", "16em"),
            ("bins", "4 (quartiles) or edges: 18, 25, 35", "18em"),
        ):
            box = W.Text(
                description=name,
                placeholder=placeholder,
                continuous_update=False,
                style={"description_width": "initial"},
                layout=W.Layout(width=width),
            )
            box.add_class(f"fidelite-control-{name}")
            box.observe(lambda change, name=name: self._on_control(name, change["new"]), names="value")
            self._controls[name] = box
        as_of = W.DatePicker(description="as of", style={"description_width": "initial"}, layout=W.Layout(width="auto"))
        as_of.add_class("fidelite-control-as_of")
        as_of.observe(lambda change: self._on_control("as_of", change["new"]), names="value")
        self._controls["as_of"] = as_of
        self._sync_controls()

        log = st.log
        span = f"{instant(log.t_min, st.tz).split(' (')[0]} – {instant(log.t_max, st.tz)}"
        header = W.HTML(
            f"{_CSS}<b>fidelite explorer</b>: {log.n_customers:,} customers, {log.n_events:,} events, "
            f"{html.escape(span)}; periods cut in {html.escape(st.tz)}"
        )
        header.add_class("fidelite-header")
        self.status = self._html("fidelite-status")
        self.errors = [self._html("fidelite-errors") for _ in self.titles]
        #: Per tab, its metric per segment (empty without a segment).
        self.by_segment = [self._html("fidelite-by-segment") for _ in self.titles]

        # retention
        self.matrix_html = self._html("fidelite-matrix")
        self.matrix_html.layout = W.Layout(overflow="auto", max_width="100%")
        self.matrix_note = self._html("fidelite-matrix-note")
        self.cell_cohort = W.Dropdown(
            description="cell: cohort", style={"description_width": "initial"}, layout=W.Layout(width="auto")
        )
        self.cell_cohort.add_class("fidelite-control-cell_cohort")
        self.cell_offset = W.Dropdown(
            description="offset", style={"description_width": "initial"}, layout=W.Layout(width="auto")
        )
        self.cell_offset.add_class("fidelite-control-cell_offset")
        for w in (self.cell_cohort, self.cell_offset):
            w.observe(lambda _: self._on_cell(), names="value")
        self.cell_text = self._html("fidelite-cell-info")
        self.drill_button = W.Button(description="List its customers", icon="users", tooltip="open the customers tab")
        self.drill_button.add_class("fidelite-drill-button")
        self.drill_button.on_click(lambda _: self._open(CUSTOMERS))
        c = self._controls
        retention_tab = W.VBox(
            [
                W.HBox(
                    [c["criterion"], c["measure"], c["cohort"], c["segment_value"]],
                    layout=W.Layout(flex_flow="row wrap"),
                ),
                W.HBox(
                    [c["window"], c["offset0"], c["brackets"], c["start_event"], c["return_event"]],
                    layout=W.Layout(flex_flow="row wrap"),
                ),
                self.errors[RETENTION],
                self.matrix_html,
                self.matrix_note,
                W.HBox([self.cell_cohort, self.cell_offset, self.drill_button], layout=W.Layout(flex_flow="row wrap")),
                self.cell_text,
                self.by_segment[RETENTION],
            ]
        )
        # lifecycle and KPIs
        self.lifecycle_chart = self._html("fidelite-lifecycle-chart")
        self.kpi_chart = self._html("fidelite-kpi-chart")
        self.rolling_chart = self._html("fidelite-rolling-chart")
        self.engagement_html = self._html("fidelite-engagement-charts")
        self.kpi_table = self._html("fidelite-kpi-table")
        lifecycle_tab = W.VBox(
            [
                self.errors[LIFECYCLE],
                self.lifecycle_chart,
                self.kpi_chart,
                self.rolling_chart,
                self.engagement_html,
                self.kpi_table,
                self.by_segment[LIFECYCLE],
            ]
        )
        # customers
        self.drill_html = self._html("fidelite-drill-table")
        self.rfm_html = self._html("fidelite-rfm")
        self.at_risk_html = self._html("fidelite-at-risk")
        customers_tab = W.VBox(
            [self.errors[CUSTOMERS], self.drill_html, self.rfm_html, self.at_risk_html, self.by_segment[CUSTOMERS]]
        )
        # indices
        self.indices_html = self._html("fidelite-indices")
        indices_tab = W.VBox([self.errors[INDICES], self.indices_html])

        # one HTML page per PageTab
        #: The page widgets of :attr:`page_tabs`, by key.
        self.pages = {page.key: self._html(f"fidelite-{page.key}") for page in self.page_tabs}
        first = len(BUILT_IN)
        pages = [
            W.VBox([self.errors[first + k], self.pages[p.key], self.by_segment[first + k]])
            for k, p in enumerate(self.page_tabs)
        ]

        tabs = [retention_tab, lifecycle_tab, customers_tab, indices_tab, *pages]
        self.tabs = W.Tab(children=tabs, titles=self.titles)
        self.tabs.observe(lambda change: self._refresh(change["new"]), names="selected_index")
        top = W.HBox(
            [c["period"], c["as_of"], c["segment"], c["bins"], self.status], layout=W.Layout(flex_flow="row wrap")
        )
        root = W.VBox([header, top, self.tabs])
        root.add_class("fidelite-explorer")
        return root

    # ------------------------------------------------------------------ state -> widgets
    def _sync_controls(self) -> None:
        """Set every control's options and value from the state (no callbacks fire)."""
        st = self.state
        self._syncing = True
        try:
            for name, w in self._controls.items():
                if name == "as_of":
                    w.value = _as_date(st.params["as_of"])
                    continue
                if name == "brackets":
                    w.value = ", ".join(map(str, st.params["brackets"] or ()))
                    continue
                if name == "bins":
                    bins = st.params["bins"]
                    w.value = (
                        ""
                        if bins is None
                        else str(bins)
                        if isinstance(bins, int)
                        else ", ".join(f"{b:g}" for b in bins)
                    )
                    w.disabled = not st.segment_numeric
                    continue
                if name == "segment_value" and st.params["segment"] is None:
                    options: tuple[Any, ...] = (None,)
                else:
                    options = st.options(name)
                pairs = [("(none)" if o is None else str(o), NONE if o is None else o) for o in options]
                if list(w.options) != pairs:
                    w.options = pairs
                value = st.params[name]
                w.value = NONE if value is None else value
            self._controls["segment_value"].disabled = st.params["segment"] is None
        finally:
            self._syncing = False

    def _record(self, exc: BaseException) -> None:
        """Keep the traceback of an error shown inline (logged at debug level)."""
        self.tracebacks.append("".join(traceback.format_exception(exc)))
        logger.debug("explorer error", exc_info=exc)

    @contextmanager
    def _busy(self) -> Iterator[None]:
        """Show "computing…" while the block runs."""
        self.status.value = COMPUTING
        try:
            yield
        finally:
            self.status.value = ""

    @contextmanager
    def _guard(self, tab: int) -> Iterator[None]:
        """Show an error raised in the block inline, in ``tab``'s error box."""
        try:
            yield
        except Exception as exc:  # every error of a callback must be visible
            self.errors[tab].value = error_html(exc)
            self._record(exc)

    def _on_control(self, name: str, value: Any) -> None:
        if self._syncing:
            return
        if name != "as_of" and value == NONE:
            value = None
        tab = self.tabs.selected_index or 0
        self.errors[tab].value = ""
        changed = False
        with self._guard(tab):
            self.state.set(**{name: value})
            changed = True
        with self._guard(tab):
            self._sync_controls()  # a rejected value reverts; dependent options follow
        if changed:
            self._dirty |= set(range(len(self.titles))) - {INDICES}
            self._refresh(tab)

    def _on_cell(self) -> None:
        if self._syncing:
            return
        with self._guard(RETENTION):
            self.state.select(self.cell_cohort.value, self.cell_offset.value)
            self.cell_text.value = cell_html(self.state.cell_info())
        self._dirty.add(CUSTOMERS)

    def _open(self, tab: int) -> None:
        self.tabs.selected_index = tab  # the observer refreshes it

    def _refresh(self, tab: int | None) -> None:
        tab = tab or 0
        if tab not in self._dirty and tab != INDICES:  # indices: listed afresh (plugins come and go), values cached
            return
        self.errors[tab].value = ""
        draws = (self._draw_retention, self._draw_lifecycle, self._draw_customers, self._draw_indices)
        draw = draws[tab] if tab < len(draws) else (lambda: self._draw_page(self.page_tabs[tab - len(draws)]))
        key = BUILT_IN_KEYS[tab] if tab < len(BUILT_IN_KEYS) else self.page_tabs[tab - len(BUILT_IN_KEYS)].key
        with self._busy(), self._guard(tab):
            self._fill(self.by_segment[tab], lambda: segment_html(self.state, key))
            draw()
            self._dirty.discard(tab)

    # ------------------------------------------------------------------ tabs
    def _draw_retention(self) -> None:
        st = self.state
        try:
            m = st.matrix()
            shown, _ = st.shown()
        except Exception:
            self.matrix_html.value = self.matrix_note.value = self.cell_text.value = ""
            raise
        self._syncing = True
        try:
            self.cell_cohort.options = [(label, i) for i, label in enumerate(m.cohort_labels)]
            self.cell_offset.options = [(label, j) for j, label in enumerate(m.offset_labels)]
            cell = st.cell
            if cell is not None:
                self.cell_cohort.value, self.cell_offset.value = cell
        finally:
            self._syncing = False
        self.cell_text.value = cell_html(st.cell_info()) if st.cell is not None else ""
        k, b = m.counts.shape
        note = []
        if shown.counts.shape[0] < k:
            note.append(f"the latest {shown.counts.shape[0]} of {k} cohorts")
        if shown.counts.shape[1] < b:
            note.append(f"offsets {shown.offset_labels[0]}–{shown.offset_labels[-1]} of {b}")
        self.matrix_note.value = (
            f"<small>showing {' and '.join(note)}; the cell selectors reach every cell</small>" if note else ""
        )
        self.matrix_html.value = shown.to_html()  # last: tests wait on it

    def _fill(self, widget: W.HTML, render: Callable[[], str]) -> None:
        """``widget.value = render()``, or the error it raised (one failing section does
        not stop the others)."""
        try:
            widget.value = render()
        except Exception as exc:
            widget.value = error_html(exc)
            self._record(exc)

    def _draw_lifecycle(self) -> None:
        st = self.state
        hooks = {"period": st.params["period"], "as-of": str(st.as_of)}
        self._fill(self.kpi_table, lambda: kpi_table_html(st.kpis(), self._labels(st.kpis()["period"])))
        self._fill(self.rolling_chart, self._rolling_html)
        self._fill(self.engagement_html, lambda: engagement_section_html(st))
        self._fill(self.kpi_chart, lambda: kpi_chart_html(st.kpis(), self._labels(st.kpis()["period"]), hooks))
        lc = st.lifecycle()
        self.lifecycle_chart.value = chart_html(  # last: tests wait on it
            "lifecycle", lc.plot, hooks={**hooks, "periods": len(lc.labels)}, alt=lc.title
        )

    def _rolling_html(self) -> str:
        """The rolling-active chart, redrawn only when its result changed (it does not
        depend on the period)."""
        rolling = self.state.rolling()
        if self._rolling_source is not rolling:
            self.rolling_chart.value = rolling_chart_html(rolling, {"as-of": str(self.state.as_of)})
            self._rolling_source = rolling
        return self.rolling_chart.value

    def _labels(self, days: np.ndarray) -> list[str]:
        st = self.state
        return st.log.calendar(st.params["period"], tz=st.tz).labels(days)

    def _draw_customers(self) -> None:
        st = self.state

        def drill() -> str:
            t = st.cell_customers()
            return (
                f"<h4>Customers of the selected cell</h4><div class='fidelite-drill' data-count='{len(t)}' "
                f"data-cohort='{html.escape(t.meta['cohort'])}' data-offset='{t.meta['offset']}'>"
                f"{html_table(t.columns, title=f'{t.title}: {len(t):,}', units=t.units, tz=st.tz)}</div>"
            )

        def at_risk() -> str:
            t = st.at_risk()
            top = {k: v[:AT_RISK_ROWS] for k, v in t.columns.items()}
            m, period = t.meta, st.params["period"]
            title = (
                f"{len(t):,} customers at risk: no purchase for more than {m.get('factor', 2):g} x their usual gap, "
                f"an event in the last {m.get('lapse_after', 3)} {period}s (lapse_after counts periods: it changes "
                f"with the period); the top {AT_RISK_ROWS} by revenue"
            )
            return (
                f"<h4>At-risk customers</h4><div class='fidelite-at-risk-list' data-count='{len(t)}'>"
                f"{html_table(top, title=title, units=t.units, tz=st.tz)}</div>"
            )

        self._fill(
            self.rfm_html,
            lambda: (
                "<h4>RFM segments and retention patterns</h4>" + st.rfm().segments.to_html() + st.patterns().to_html()
            ),
        )
        self._fill(self.at_risk_html, at_risk)
        self._fill(self.drill_html, drill)

    @property
    def predict_html(self) -> W.HTML:
        """The "Predicted value" page."""
        return self.pages["predict"]

    def _draw_page(self, page: PageTab) -> None:
        st = self.state
        widget = self.pages[page.key]
        try:
            key = ("page", page.key, st.params["period"], str(st.segment_kw()), st.as_of_us)
            widget.value = st.cached(key, lambda: page.render(st))
        except Exception:
            widget.value = ""  # no stale page under the error
            raise

    def _draw_indices(self) -> None:
        """One row per registered index, filled in as each finishes ("computing…" until
        then); an index whose input is absent says what it needs, a failing one its error."""
        st = self.state
        given = {"events"} | {t for t, v in st.tables.items() if v is not None}
        infos = list(st.index_list())
        rows = [self._index_row(info, "pending", COMPUTING) for info in infos]
        self._show_indices(rows)
        for k, info in enumerate(infos):
            missing = [t for t in info.inputs if t not in given]
            if missing:
                status, shown = (
                    "missing",
                    (
                        f"<i class='fidelite-skipped'>skipped: needs the {' and '.join(missing)} table "
                        f"(pass {missing[0]}=...)</i>"
                    ),
                )
            else:
                try:
                    status, shown = "ok", index_value_html(st.index(info.name))
                except Exception as exc:  # one failing index must not hide the others
                    self._record(exc)
                    status = "missing" if skip_text(exc) else "error"
                    shown = error_html(exc)
            rows[k] = self._index_row(info, status, shown)
            self._show_indices(rows)

    def _index_row(self, info: Any, status: str, shown: str) -> str:
        origin = f"{info.plugin} ({info.package} {info.version})".strip() if info.package else info.plugin
        return (
            f"<tr data-index='{html.escape(info.name)}' data-status='{status}'><th>{html.escape(info.name)}</th>"
            f"<td>{shown}</td><td>{html.escape(info.unit)}</td><td>{html.escape(info.description)}</td>"
            f"<td>{html.escape(origin)}</td></tr>"
        )

    def _show_indices(self, rows: list[str]) -> None:
        done = sum("data-status='pending'" not in r for r in rows)
        self.indices_html.value = (
            f"<div class='fidelite-index-progress' data-done='{done}' data-total='{len(rows)}'>"
            f"{done} of {len(rows)} indices{'' if done == len(rows) else ' (computing…)'}</div>"
            "<table class='fidelite-table fidelite-index-table'><thead><tr><th>index</th><th>value</th><th>unit</th>"
            f"<th>what it measures</th><th>plugin</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
