"""The headline KPI section: the latest complete period against the previous one (from
``fidelite.period_kpis``), then every other KPI whose function exists and whose input
tables were given (NPS, loyalty index, repeat rate, upsell, CLV, campaigns, revenue
retention), and a trend chart."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import metrics
from ..calendar import Calendar
from ..results import style
from ..results.formatting import DASH, change, count, num, pct, value
from .model import Block, Figure, ReportInputs, Skip, Table, Text, error_line, needs_table, purchase_hint, skip_reason

#: Per-period KPIs shown (column of ``period_kpis``, label, unit): the headline pair
#: first (kept + churned = 100 % of S), then (E - N) / S, which also counts comebacks.
PERIOD_KPIS = (
    ("active_start", "active at the start (S)", ""),
    ("kept_rate", "kept rate: still active at the end", "%"),
    ("churn_rate", "churn rate: no longer active at the end", "%"),
    ("retention_rate", "retention rate (E - N) / S", "%"),
    ("active", "active customers", ""),
    ("new", "new customers", ""),
    ("net_result", "net result", ""),
    ("revenue_per_active", "revenue per active customer", ""),
    ("orders_per_active", "orders per active customer", ""),
)

#: What S, E, N and the rates mean, under the KPI table.
DEFINITIONS = (
    "S = customers active at the start of the period, E = active at its end, N = new customers (first event "
    "ever in the period) active at its end. Kept rate + churn rate = 100 % of S.",
    "(E - N) / S counts every customer active at the end who is not new, also those who came back during the "
    "period without being active at its start: it can exceed the kept rate, and 100 %, while churn is high.",
)


@dataclass(frozen=True)
class Kpi:
    """A headline KPI: ``compute(function, inputs)`` with ``fidelite.<function>``, shown
    when that function exists and the ``needs`` tables were given. ``rows(result)`` turns
    the result into (label, value, detail) rows; default: one row with ``result.value``."""

    label: str
    function: str
    needs: tuple[str, ...]
    compute: Callable[[Callable[..., Any], ReportInputs], Any]
    rows: Callable[[str, Any], list[list[str]]] | None = None


def value_row(label: str, result: Any) -> list[list[str]]:
    """One row: the headline ``.value`` (with its unit) and a detail from its parts (each
    with its unit)."""
    v = getattr(result, "value", None)
    unit = getattr(result, "unit", "")
    if not isinstance(unit, str):  # a table's .unit(column): the unit of its value, when it says
        unit = getattr(result, "units", {}).get("value", "")
    shown = DASH if v is None or (isinstance(v, float) and math.isnan(v)) else value(v, unit)
    return [[label, shown, _detail(result)]]


def mrr_rows(label: str, r: Any) -> list[list[str]]:
    """NRR, GRR and revenue churn of the latest complete period of ``revenue_retention``."""
    done = np.flatnonzero(r["complete"])
    if not len(done):
        return [[label, DASH, r.reason or "no complete period yet"]]
    k = int(done[-1])
    when = period_labels(r["period"], r.meta)[k]  # the whole axis: a repeated hour is told apart
    rejected = f"; {num(r.report.n_rejected)} subscription rows rejected" if r.report.n_rejected else ""
    return [
        ["net revenue retention (NRR)", pct(r["nrr"][k]), f"{when}; start MRR {num(r['start_mrr'][k])}{rejected}"],
        ["gross revenue retention (GRR)", pct(r["grr"][k]), when],
        ["revenue churn", pct(r["revenue_churn"][k]), f"{when}; churned + contraction over start MRR"],
    ]


def campaign_rows(label: str, r: Any) -> list[list[str]]:
    """The overall CRM KPIs of ``campaigns`` (docs/metrics.md, "CRM campaigns")."""
    k = r.kpis
    rejected = f"; {num(r.report.n_rejected)} contact rows rejected" if r.report.n_rejected else ""
    return [
        [
            "net reactivity rate",
            pct(k["net_reactivity"]),
            f"{count(k['converted_active'])} of {count(k['contacted_active'])} contacted active customers converted{rejected}",
        ],
        [
            "reactivity rate (clicked / opened)",
            pct(k["reactivity"]),
            f"{count(k['clicked'])} clicks, {count(k['opened'])} opens",
        ],
        [
            "unsubscribe rate",
            pct(k["unsubscribe_rate"]),
            f"{count(k['unsubscribed'])} of {count(k['contacts'])} contacts",
        ],
        [
            "revenue per contacted active customer",
            num(k["revenue_per_contacted_active"]),
            f"attributed revenue {num(k['attributed_revenue'])}",
        ],
        ["CRM ROI", pct(k["roi"], 0), f"attributed revenue / cost {num(k['cost'])}"],
        ["commercial pressure", num(k["pressure"]), "contacts on active customers per active customer"],
        [
            "marginal revenue of solicitation",
            num(k["marginal_revenue"]),
            f"per active customer: solicited {num(k['revenue_per_solicited'])}, not {num(k['revenue_per_not_solicited'])}",
        ],
    ]


def period_labels(days: np.ndarray, meta: dict[str, Any]) -> list[str]:
    """``2024-03`` / ``2024-Q1`` / ``2024`` / ISO dates for period start dates; hour labels
    for the local wall-clock starts of hours."""
    cal = Calendar.make(meta.get("period", "month"), meta.get("tz", "UTC"), meta.get("week_start", 0))
    return cal.labels(np.asarray(days))


#: The KPIs beyond the per-period ones, in display order.
EXTRA_KPIS: list[Kpi] = [
    Kpi("NPS", "nps", ("surveys",), lambda f, i: f(i.surveys)),
    Kpi("customer loyalty index", "loyalty_index", ("surveys",), lambda f, i: f(i.surveys)),
    Kpi("repeat-purchase rate", "repeat_rate", (), lambda f, i: f(i.log, **i.kw(purchases=True))),
    Kpi("upsell rate", "upsell_rate", (), lambda f, i: f(i.log, **i.kw(purchases=True))),
    Kpi("CLV (simple)", "clv", (), lambda f, i: f(i.log, **i.kw(purchases=True))),
    Kpi(
        "activation rate",
        "activation",
        ("customers",),
        lambda f, i: f(i.customers, events=i.log, **i.kw(purchases=True)),
    ),
    Kpi(
        "campaigns",
        "campaigns",
        ("contacts",),
        lambda f, i: f(i.contacts, events=i.log, period=i.period, **i.kw(purchases=True)),
        campaign_rows,
    ),
    Kpi(
        "revenue retention",
        "revenue_retention",
        ("subscriptions",),
        lambda f, i: f(i.subscriptions, period=i.period, **i.kw()),
        mrr_rows,
    ),
]


def period_table(inputs: ReportInputs) -> Any:
    return inputs.cached(
        "period_kpis", lambda: metrics.period_kpis(inputs.log, period=inputs.period, **inputs.kw(purchases=True))
    )


def _column(table: Any, name: str) -> np.ndarray | None:
    cols = getattr(table, "columns", None)
    if isinstance(cols, dict):
        return cols.get(name)
    return None


def _labels(table: Any) -> list[str]:
    periods = _column(table, "period")
    return period_labels(periods, table.meta) if periods is not None else []


def period_blocks(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    """The latest-complete-period table and the trend chart."""
    t = period_table(inputs)
    complete = _column(t, "complete")
    labels = _labels(t)
    done = np.flatnonzero(complete) if complete is not None else np.arange(len(labels))
    if len(done) == 0:
        return [], [f"No {inputs.period} had fully elapsed at as_of: no complete period to report yet."]
    last = int(done[-1])
    prev = int(done[-2]) if len(done) > 1 else None
    headline: list[Block] = []
    s, kept, churn = (_column(t, c) for c in ("active_start", "kept_rate", "churn_rate"))
    if s is not None and kept is not None and churn is not None:
        headline.append(
            Text(
                f"{labels[last]}: of the {count(s[last])} customers active at its start (S), "
                f"{pct(kept[last])} were still active at its end (kept) and {pct(churn[last])} were not (churned)."
            )
        )
    columns = ["KPI", labels[last]] + ([labels[prev], "change"] if prev is not None else [])
    rows = []
    for col, label, unit in PERIOD_KPIS:
        v = _column(t, col)
        if v is None:
            continue
        row = [label, value(v[last], unit)]
        if prev is not None:
            row += [value(v[prev], unit), change(v[last], v[prev], unit)]
        rows.append(row)
    caption = f"latest complete {inputs.period} ({labels[last]})" + (
        " against the previous one" if prev is not None else ""
    )
    data = dict(t.columns) if isinstance(getattr(t, "columns", None), dict) else None
    blocks: list[Block] = [*headline, Table(columns, rows, caption=caption, key="period-kpis", data=data)]
    shown = np.arange(len(labels))
    blocks.append(
        Figure(
            "kpi-trends",
            f"KPI trends per {inputs.period} (hollow markers: incomplete at as_of)",
            lambda fig: draw_trends(fig, t, shown, labels),
            (10.0, 5.5),
        )
    )
    return blocks, list(DEFINITIONS)


def draw_trends(fig: Any, t: Any, rows: np.ndarray, labels: list[str]) -> None:
    """Active / new customers (left) and kept / churn rates (right) per period, incomplete
    periods hollow (the shared style, :mod:`fidelite.results.style`)."""
    left, right = fig.subplots(1, 2)
    x = np.arange(len(rows))
    series = (
        (left, "active", "active customers", style.PRIMARY),
        (left, "new", "new customers", style.GAIN),
        (right, "kept_rate", "kept rate", style.PRIMARY),
        (right, "churn_rate", "churn rate", style.LOSS),
    )
    for ax, col, label, colour in series:
        v = _column(t, col)
        if v is not None:
            ax.plot(x, np.asarray(v, float)[rows], marker="o", markersize=3, label=label, color=colour)
    complete = _column(t, "complete")
    shown = [labels[i] for i in rows]
    for ax, ylabel in ((left, "customers"), (right, "%")):
        handles = ax.get_legend_handles_labels()[0]
        if complete is not None and not np.asarray(complete, bool)[rows].all():  # as the tables star them
            style.hollow_incomplete(ax, x, np.asarray(complete, bool)[rows])
            handles.append(style.incomplete_handle("line"))
        style.ticks(ax, shown, most=12)  # half-width panels
        ax.set_ylabel(ylabel)
        if handles:
            ax.legend(handles=handles)
        style.finish(ax, grid=True)


def _detail(result: Any) -> str:
    reason = getattr(result, "reason", None)
    parts = getattr(result, "parts", None) or {}
    part = getattr(result, "part", None)
    shown = [
        f"{k.replace('_', ' ')} {part(k) if part is not None else num(v)}"
        for k, v in list(parts.items())[:4]
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
    ]
    text = ", ".join(shown)
    report = getattr(result, "report", None)
    rejected = int(getattr(report, "n_rejected", 0) or 0)
    if rejected:
        text += f"{'; ' if text else ''}{num(rejected)} rows rejected"
    if reason:
        text = f"{reason}{'; ' if text else ''}{text}"
    return text


def extra_rows(inputs: ReportInputs) -> tuple[list[list[str]], list[str]]:
    """(rows, notes) of the extra KPIs: computed, failed, or skipped because an input
    (a table, a column of the log) is absent."""
    rows: list[list[str]] = []
    notes: list[str] = []
    waiting: dict[str, list[str]] = {}
    for kpi in EXTRA_KPIS:
        fn = getattr(metrics, kpi.function, None)
        if fn is None:
            continue
        missing = tuple(n for n in kpi.needs if getattr(inputs, n) is None)
        if missing:
            waiting.setdefault(needs_table(*missing), []).append(kpi.label)
            continue
        try:
            result = kpi.compute(fn, inputs)
        except Exception as e:  # one KPI failing must not hide the others
            why = skip_reason(e)
            if why is not None:
                waiting.setdefault(why, []).append(kpi.label)
                continue
            rows.append([kpi.label, "error", "see below"])
            notes.append(f"{kpi.label} failed: {error_line(e)}")
            continue
        rows += (kpi.rows or value_row)(kpi.label, result)
    for why, labels in waiting.items():
        notes.append(f"{', '.join(labels)}: skipped, {why}.")
    return rows, notes


def kpis(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    blocks: list[Block] = []
    notes: list[str] = []
    failed: Exception | None = None
    if getattr(metrics, "period_kpis", None) is not None:
        try:
            b, n = period_blocks(inputs)
        except Exception as e:  # the other KPIs still show
            failed = e
            notes.append(f"KPIs per {inputs.period} failed: {error_line(e)}")
        else:
            blocks += b
            notes += n
    rows, extra_notes = extra_rows(inputs)
    if rows:
        blocks.append(
            Table(
                ["KPI", "value", "detail"],
                rows,
                caption="other KPIs (events up to as_of; survey KPIs over every answer)",
                key="other-kpis",
            )
        )
    notes += extra_notes
    if not blocks and failed is not None:
        raise failed
    if not blocks:
        raise Skip("needs fidelite.period_kpis or at least one other KPI function")
    return blocks, purchase_hint(notes)
