"""The "Revenue retention" section, when a subscriptions table is given: NRR, GRR and
revenue churn of the latest complete period (:func:`fidelite.revenue_retention`) and the
MRR bridge per period (chart and table, incomplete periods starred) and the NRR per cohort
(the cohort matrix: heatmap and table)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import metrics
from ..results.formatting import num, pct
from .kpis import mrr_rows
from .model import Block, Figure, ReportInputs, Table

#: Periods listed in the bridge table (the latest; the chart shows them all).
PERIOD_ROWS = 24


def result(inputs: ReportInputs) -> Any:
    """The revenue retention of the report's subscriptions per period, computed once."""
    return inputs.cached(
        "revenue_retention",
        lambda: metrics.revenue_retention(inputs.subscriptions, period=inputs.period, **inputs.kw()),
    )


def bridge_table(r: Any) -> Table:
    n = len(r)
    first = max(0, n - PERIOD_ROWS)
    labels = r.meta["labels"]
    moves = ("new", "reactivation", "expansion", "contraction", "churned", "end_mrr")
    rows = [
        [labels[i] + ("" if r["complete"][i] else "*"), num(r["start_mrr"][i])]
        + [pct(r[c][i]) for c in ("nrr", "grr", "revenue_churn")]
        + [num(r[c][i]) for c in moves]
        for i in range(first, n)
    ]
    caption = (f"latest {n - first} of {n} {r.period}s" if first else f"{n} {r.period}s") + (
        " (* = incomplete at as_of: the state at as_of)"
    )
    columns = [
        "period",
        "start MRR",
        "NRR",
        "GRR",
        "revenue churn",
    ]  # the rates first: a narrow terminal drops the last
    columns += ["new", "reactivation", "expansion", "contraction", "churned", "end MRR"]
    return Table(columns, rows, caption=caption, key="mrr-bridge", data=r.to_dict(), units=dict(r.units))


def cohort_table(r: Any, column: str = "nrr") -> Table:
    """``column`` (%) of each cohort (rows, the latest :data:`PERIOD_ROWS`) at each offset;
    incomplete cells starred, cells past as_of blank; every cell in the exports."""
    c = r.cohorts
    grid, done = c.matrix(column), c.matrix("complete")
    n = len(c.cohort_labels)
    first = max(0, n - PERIOD_ROWS)
    rows = [
        [c.cohort_labels[i]]
        + ["" if not np.isfinite(grid[i, j]) else pct(grid[i, j]) + ("" if done[i, j] == 1 else "*") for j in range(n)]
        for i in range(first, n)
    ]
    caption = f"{column.upper()} per {r.period} cohort at each offset" + (
        f", the latest {n - first} of {n} cohorts" if first else ""
    )
    caption += " (* = incomplete at as_of)"
    return Table(
        ["cohort", *(str(j) for j in range(n))],
        rows,
        caption=caption,
        key="mrr-cohorts",
        data=c.to_dict(),
        units=dict(c.units),
        tz=c.tz,
    )


def revenue_section(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    inputs.need("subscriptions")
    r = result(inputs)
    width = min(4 + 0.3 * len(r), 14)
    blocks: list[Block] = [
        Table(
            ["KPI", "value", "detail"], mrr_rows("revenue retention", r), caption="latest complete period", key="mrr"
        ),
        Figure("mrr-bridge", f"MRR bridge per {r.period}", lambda fig: r.plot(ax=fig.subplots()), (width, 4.5)),
        bridge_table(r),
    ]
    if r.cohorts is not None and len(r.cohorts.cohort_labels):
        n = len(r.cohorts.cohort_labels)
        blocks += [
            Figure(
                "mrr-cohorts",
                f"NRR per {r.period} cohort (%)",
                lambda fig: r.cohorts.plot("nrr", ax=fig.subplots()),
                (min(4 + 0.4 * n, 14), min(2.5 + 0.3 * n, 10)),
            ),
            cohort_table(r),
        ]
    notes = [
        "A customer's MRR at an instant is the sum of its subscriptions running then; each period compares it at "
        "the period's start and the next period's start: new, reactivation (MRR again after a gap), expansion, "
        "contraction, churned (to zero).",
        "NRR = (start - churned - contraction + expansion) / start MRR; GRR leaves expansion out; revenue churn = "
        "(churned + contraction) / start MRR.",
    ]
    if r.report.n_rejected:
        reasons = ", ".join(f"{why}: {num(k)}" for why, k in r.report.rejected.items())
        notes.append(f"{num(r.report.n_rejected)} subscription rows rejected ({reasons}).")
    if r.reason:
        notes.append(str(r.reason))
    return blocks, notes
