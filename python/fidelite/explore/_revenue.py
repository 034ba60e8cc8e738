"""The explorer's "Revenue (MRR)" tab: revenue retention
(:func:`fidelite.revenue_retention`) of the subscriptions table. The NRR, GRR and revenue churn of the latest complete period, the MRR
bridge per period as a chart (gains above zero, losses below, NRR and GRR as lines;
incomplete periods marked) and as a table, and the NRR per cohort (the cohort matrix,
as a heatmap and a table), each part failing alone."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ..results.formatting import html_table, num, pct
from ._html import block, chart_html, parts_html
from ._state import ExplorerState

#: Periods listed in the bridge table (latest first); the chart shows them all.
PERIOD_ROWS = 24


def headline_html(r: Any) -> str:
    """NRR, GRR and revenue churn of the latest complete period, or why there is none."""
    labels = r.meta["labels"]
    done = np.flatnonzero(r["complete"])
    rejected = r.report.n_rejected
    note = f"; {rejected:,} subscription rows rejected" if rejected else ""
    if not len(done):
        why = html.escape(f"{r.reason or 'no complete period yet'}{note}")
        return block("Revenue retention", "fidelite-revenue-headline", f"<p>{why}</p>")
    k = int(done[-1])
    rows = {
        "KPI": np.array(["net revenue retention (NRR)", "gross revenue retention (GRR)", "revenue churn"], object),
        labels[k]: np.array([pct(r["nrr"][k]), pct(r["grr"][k]), pct(r["revenue_churn"][k])], object),
    }
    title = f"latest complete {r.period}: start MRR {num(r['start_mrr'][k])}, end MRR {num(r['end_mrr'][k])}{note}"
    return block(
        "Revenue retention",
        "fidelite-revenue-headline",
        html_table(rows, title=title, css="fidelite-table fidelite-index-table"),
        nrr=repr(float(r["nrr"][k])),
        period=labels[k],
        rejected=rejected,
    )


def bridge_html(r: Any) -> str:
    """The bridge chart and table (latest period first)."""
    complete = np.asarray(r["complete"], bool)
    chart = chart_html(
        "mrr-bridge",
        lambda ax: r.plot(ax=ax),
        hooks={"period": r.period, "periods": len(r), "incomplete": int((~complete).sum())},
        alt=f"MRR bridge per {r.period}",
        size=(9.0, 3.8),
    )
    order = np.arange(len(r))[::-1]
    cols = ("start_mrr", "new", "reactivation", "expansion", "contraction", "churned", "end_mrr")
    table: dict[str, Any] = {
        "period": np.array([f"{lab}{'' if c else '*'}" for lab, c in zip(r.meta["labels"], complete)], object)
    }
    table.update({c: np.asarray(r[c]) for c in cols})
    table.update({c: np.asarray(r[c]) for c in ("revenue_churn", "grr", "nrr")})
    table = {k: v[order] for k, v in table.items()}
    title = f"MRR bridge per {r.period}, latest first (* = incomplete at as-of: the state at as-of)"
    return block(
        "MRR bridge",
        "fidelite-mrr-bridge",
        chart + html_table(table, title=title, units=r.units, max_rows=PERIOD_ROWS),
        periods=len(r),
    )


def cohort_matrix_html(r: Any, column: str = "nrr") -> str:
    """The NRR of each cohort at each offset (:attr:`RevenueRetention.cohorts`): a heatmap
    (incomplete cells crossed) and the matrix, latest cohorts first."""
    c = r.cohorts
    grid = c.matrix(column)
    done = c.matrix("complete")
    n = len(c.cohort_labels)
    chart = chart_html(
        "mrr-cohorts",
        lambda ax: c.plot(column, ax=ax),
        hooks={"cohorts": n, "column": column},
        alt=f"{column.upper()} per cohort",
        size=(9.0, min(2.6 + 0.25 * n, 9.0)),
    )
    order = np.arange(n)[::-1][:PERIOD_ROWS]
    table: dict[str, Any] = {"cohort": np.array(c.cohort_labels, object)[order]}
    for j in range(n):
        shown = [
            pct(v) + ("" if d == 1 else "*") if np.isfinite(v) else "" for v, d in zip(grid[order, j], done[order, j])
        ]
        table[str(j)] = np.array(shown, object)
    title = f"{column.upper()} (%) per {r.period} cohort at each offset, latest cohorts first (* = incomplete at as-of)"
    return block(
        f"{column.upper()} per cohort",
        "fidelite-mrr-cohorts",
        chart + html_table(table, title=title, max_rows=PERIOD_ROWS),
        cohorts=n,
    )


def revenue_tab_html(state: ExplorerState) -> str:
    """The tab's HTML (raises :class:`~fidelite.exceptions.MissingTableError` without a
    subscriptions table: the tab then says what it needs)."""
    r = state.revenue_retention()
    return parts_html([lambda: headline_html(r), lambda: bridge_html(r), lambda: cohort_matrix_html(r)])
