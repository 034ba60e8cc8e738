"""Built-in sections: data accounting, cohort retention, lifecycle.

Each builder takes :class:`~fidelite.report.model.ReportInputs` and returns
``(blocks, notes)``; it raises :class:`~fidelite.report.model.Skip` when an input is missing.
"""

from __future__ import annotations

import math

import numpy as np

from .. import io, metrics
from ..metrics.lifecycle import lifecycle
from ..metrics.retention import retention
from ..results import LifecycleResult, RetentionMatrix
from ..results.formatting import formatted, has_instants, instant, num, pct, zone_name
from .model import OPTIONAL_TABLES, Block, Figure, ReportInputs, Table, Text, build_parts, error_line

#: Cohort rows shown as text when the full matrix is too large for one page.
MAX_COHORT_ROWS = 48
#: Largest matrix (cells) rendered whole in HTML.
MAX_HTML_CELLS = 40_000
#: Lifecycle periods listed in the table (the chart shows them all).
LIFECYCLE_ROWS = 24


def as_of_text(inputs: ReportInputs) -> str:
    """``2024-12-31 23:59 (Europe/Paris), the latest event``: as_of in local time."""
    shown = instant(inputs.as_of_us, inputs.tz)
    if inputs.as_of is None:
        return f"{shown}, the latest event"
    return f"{shown} (as_of {inputs.as_of})"


def retention_matrix(inputs: ReportInputs) -> RetentionMatrix:
    """The report's cohort matrix (first-event cohorts, criterion "on"), computed once."""
    return inputs.cached("retention", lambda: retention(inputs.log, **inputs.kw(period=True)))


def lifecycle_result(inputs: ReportInputs) -> LifecycleResult:
    return inputs.cached("lifecycle", lambda: lifecycle(inputs.log, **inputs.kw(period=True)))


# ---------------------------------------------------------------- 1. data accounting


def accounting(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    log, r = inputs.log, inputs.log.report
    rows = [["rows read", num(r.read)], ["rows used", num(r.used)], ["rows rejected", num(r.n_rejected)]]
    rows += [[f"rejected: {why}", num(n)] for why, n in r.rejected.items()]
    rows += [[f"note: {what}", num(n)] for what, n in r.notes.items()]
    facts = [
        ["source", inputs.source or log.source],
        ["customers", num(log.n_customers)],
        ["events used", num(log.n_events)],
        ["first event", instant(log.t_min, inputs.tz)],
        ["last event", instant(log.t_max, inputs.tz)],
        ["as of", as_of_text(inputs)],
        [
            "period",
            f"{inputs.period} (calendar, {inputs.tz}"
            + (f", weeks start on {inputs.week_start})" if inputs.period == "week" else ")"),
        ],
    ]
    for name in OPTIONAL_TABLES:
        table = getattr(inputs, name)
        facts.append([f"{name} table", "not given" if table is None else f"{num(io.read_table(table).n_rows)} rows"])
    notes = ["Every input row of the event log is either used or rejected with its reason; read = used + rejected."]
    if r.n_rejected:
        rows_text = "row is" if r.n_rejected == 1 else "rows are"
        notes.append(
            f"{num(r.n_rejected)} rejected {rows_text} left out of every figure below "
            "(strict mode, --strict, stops on them instead)."
        )
    blocks: list[Block] = [
        Table(["rows", "count"], rows, caption="row accounting", key="row-accounting"),
        Table(["", ""], facts, caption="data covered", key="data-covered"),
    ]
    examples = [[why, r.example_text(why)] for why in r.rejected if r.examples.get(why)]
    if examples:  # where the first rejected rows are, to find and fix them
        where = (
            "their line in the file, the header being line 1"
            if r.where == "line"
            else "their 0-based position in the input"
        )
        blocks.insert(
            1,
            Table(
                ["rejected for", "first rejected rows"],
                examples,
                caption=f"first rejected rows ({where})",
                key="rejected-rows",
            ),
        )
    if inputs.customers is not None and hasattr(metrics, "completeness"):
        try:
            c = metrics.completeness(inputs.customers)
        except Exception as e:  # data quality is a bonus: say why it is missing
            notes.append(f"customers table completeness failed: {error_line(e)}")
        else:
            blocks.append(
                Table(
                    ["field", "filled", "missing", "rate"],
                    [
                        [str(f), num(a), num(b), pct(v)]
                        for f, a, b, v in zip(c["field"], c["filled"], c["missing"], c["rate"])
                    ],
                    caption=f"customers table completeness (overall {pct(c.value)})",
                    key="completeness",
                )
            )
    notes.append(
        "The optional tables are checked by the metrics that read them; their rejected rows are "
        "counted beside those metrics."
    )
    return blocks, notes


# ---------------------------------------------------------------- 3. cohort retention


def cohort_table(m: RetentionMatrix, max_rows: int = MAX_COHORT_ROWS) -> Table:
    """Rates as percentages, ``*`` on incomplete cells, the average row as footer; the
    latest ``max_rows`` cohorts when there are more."""
    k, b = m.shape
    pct_cells = m.measure == "customers"

    def cell(r: float, done: bool = True) -> str:
        if math.isnan(r):
            return ""
        text = pct(r, fraction=True) if pct_cells else num(r)
        return text if done else text + "*"

    first = max(0, k - max_rows)
    rows = [
        [m.cohort_labels[i], num(m.sizes[i])] + [cell(m.rates[i, j], bool(m.complete[i, j])) for j in range(b)]
        for i in range(first, k)
    ]
    footer = [["average", num(int(m.sizes.sum()))] + [cell(a) for a in m.average]]
    shown = f"latest {k - first} of {k} cohorts; " if first else ""
    caption = f"{shown}share of each {m.params['period']} cohort active at each offset"
    html = m.to_html() if k * b <= MAX_HTML_CELLS else None
    return Table(
        ["cohort", "size"] + list(m.offset_labels),
        rows,
        caption=caption,
        footer=footer,
        html=html,
        key="cohorts",
        data=m.to_dict(),
        units={"rate": "fraction"},
    )


def cohorts(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    m = retention_matrix(inputs)
    p = inputs.period
    width, height = min(2 + 0.3 * m.shape[1], 14), min(1.5 + 0.25 * m.shape[0], 12)
    blocks: list[Block] = [
        cohort_table(m),
        Figure("retention-heatmap", "Cohort retention heatmap", lambda fig: m.plot(ax=fig.subplots()), (width, height)),
    ]
    notes = [
        f"Cohort = the {p} of a customer's first event; a cell counts the cohort's customers with at least one "
        f"event in that {p} (offset), divided by the cohort size. Offset 0 is the cohort itself (100 %).",
        f"* = the {p} had not fully elapsed at as_of ({as_of_text(inputs)}): incomplete, left out of the average.",
        "The average row weights each complete cell by its cohort size.",
    ]
    return blocks, notes


# ---------------------------------------------------------------- 4. lifecycle


def lifecycle_section(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    lc = lifecycle_result(inputs)
    n = len(lc.labels)
    first = max(0, n - LIFECYCLE_ROWS)
    rows = [
        [
            lc.labels[i] + ("" if lc.complete[i] else "*"),
            num(lc.new[i]),
            num(lc.returning[i]),
            num(lc.resurrected[i]),
            num(lc.dormant[i]),
            num(lc.active[i]),
            num(lc.quick_ratio[i]),
        ]
        for i in range(first, n)
    ]
    caption = (f"latest {n - first} of {n} periods" if first else f"{n} periods") + " (* = incomplete at as_of)"
    width = min(3 + 0.3 * n, 16)
    blocks: list[Block] = [
        Table(
            ["period", "new", "returning", "resurrected", "dormant", "active", "quick ratio"],
            rows,
            caption=caption,
            key="lifecycle",
            data=lc.to_dict(),
        ),
        Figure("lifecycle-chart", "Lifecycle", lambda fig: lc.plot(ax=fig.subplots()), (width, 4.5)),
    ]
    notes = [
        "new: first event ever in the period; returning: active in the period and the previous one; "
        "resurrected: active, not in the previous period, active before; dormant: active in the previous period, not in this one.",
        "quick ratio = (new + resurrected) / dormant (above 1: the active base grows).",
    ]
    try:  # one failing part is a note; the lifecycle still shows
        more, failed = build_parts(
            [("stickiness", lambda: _stickiness(inputs)), ("engagement", lambda: _engagement(inputs))]
        )
    except Exception as e:
        more, failed = [], [f"stickiness and engagement failed: {error_line(e)}"]
    return blocks + more, notes + failed


def _stickiness(inputs: ReportInputs) -> list[Block]:
    """DAU/MAU per month (:func:`fidelite.stickiness`)."""
    s = metrics.stickiness(inputs.log, **inputs.kw())
    caption = f"stickiness (DAU/MAU, %) of the latest complete month: {pct(s.value)}"
    return [
        Figure.of(
            "stickiness",
            "Stickiness: daily over monthly active customers (%)",
            s,
            (min(3 + 0.3 * len(s), 14), 3.2),
        ),
        Text(caption),
    ]


def _engagement(inputs: ReportInputs) -> list[Block]:
    """Active days and key actions per active customer per period (:func:`fidelite.engagement_over_time`)."""
    e = metrics.engagement_over_time(inputs.log, by=inputs.period, week_start=inputs.week_start, **inputs.kw())
    return [
        Figure.of(
            "engagement-over-time",
            f"Engagement per {inputs.period}: per active customer",
            e,
            (min(4 + 0.3 * len(e), 14), 3.5),
        )
    ]


def describe_table(
    columns: dict[str, np.ndarray],
    *,
    key: str,
    caption: str = "",
    max_rows: int = 20,
    units: dict[str, str] | None = None,
    tz: str | None = None,
) -> Table:
    """A :class:`Table` of the first ``max_rows`` rows of equal-length columns, formatted
    as every result is (ids as they are, instants in local time to the minute); the
    whole columns go with it for the CSV and JSON exports."""
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    rows = formatted(columns, range(min(n, max_rows)), units=units, tz=tz)
    if n > max_rows:
        caption = (
            caption + "; " if caption else ""
        ) + f"first {max_rows} of {n:,} rows (--format csv --section {key.replace('-', '_')} lists them all)"
    if tz and has_instants(columns):
        caption += f"{'; ' if caption else ''}times in {zone_name(tz)}"
    return Table(
        [c.replace("_", " ") for c in names],
        rows,
        caption=caption,
        key=key,
        data=dict(columns),
        units=dict(units or {}),
        tz=tz,
    )
