"""Self-contained HTML rendering: inline CSS, charts as base64 PNG drawn by matplotlib's
Agg backend, no external resource of any kind. Every section is a ``<section>`` with
``id="section-<key>"`` and ``data-section="<key>"``; tables carry ``data-table``, charts
``data-chart``."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

from ..results import style
from ..results.formatting import numeric
from .model import Figure, Table, Text, error_line
from .sections import as_of_text

if TYPE_CHECKING:
    from .model import ReportData, Section

CSS = """
.fidelite-report { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24;
  max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
.fidelite-report h1 { font-size: 1.6rem; margin: .2rem 0; }
.fidelite-report h2 { font-size: 1.2rem; border-bottom: 2px solid #2166ac; padding-bottom: .2rem; margin-top: 2rem; }
.fidelite-report .meta { color: #555; margin: 0 0 .6rem; }
.fidelite-report nav a { margin-right: .9rem; color: #2166ac; text-decoration: none; }
.fidelite-report table { border-collapse: collapse; margin: .6rem 0 1rem; font-variant-numeric: tabular-nums; }
.fidelite-report caption { caption-side: top; text-align: left; color: #555; padding-bottom: .3rem; }
.fidelite-report th, .fidelite-report td { padding: .2rem .55rem; border-bottom: 1px solid #e3e6ea; text-align: left;
  vertical-align: top; }
.fidelite-report .num { text-align: right; white-space: nowrap; }
.fidelite-report .fidelite-retention th, .fidelite-report .fidelite-retention td { white-space: nowrap; text-align: right; }
.fidelite-report .fidelite-retention th:first-child { text-align: left; }
.fidelite-report thead th { border-bottom: 2px solid #9aa4af; }
.fidelite-report tfoot td, .fidelite-report tr.average td, .fidelite-report tr.average th { font-weight: 600; border-top: 2px solid #9aa4af; }
.fidelite-report .table-wrap { overflow-x: auto; }
.fidelite-report figure.chart { margin: .8rem 0 1.2rem; }
.fidelite-report figure.chart img { max-width: 100%; height: auto; border: 1px solid #e3e6ea; }
.fidelite-report figcaption { color: #555; font-size: .9rem; }
.fidelite-report ul.notes { color: #555; font-size: .92rem; padding-left: 1.2rem; }
.fidelite-report .skipped { color: #8a6d00; background: #fff8dc; padding: .4rem .6rem; border-radius: 4px; }
.fidelite-report .error { color: #a40000; background: #fdecea; padding: .4rem .6rem; border-radius: 4px; }
"""


def render_html(report: ReportData) -> str:
    """The report as a complete HTML document."""
    title = html.escape(report.title)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title></head><body>{render_body(report)}</body></html>\n"
    )


def render_body(report: ReportData) -> str:
    """The report as one ``<div class='fidelite-report'>`` with its own style (also what
    Jupyter displays)."""
    from .._core import __version__

    inputs = report.inputs
    meta = (
        f"{inputs.source or inputs.log.source}; {inputs.period} periods in {inputs.tz}; as of {as_of_text(inputs)}; "
        f"fidelite {__version__}"
    )
    nav = "".join(f"<a href='#section-{html.escape(s.key)}'>{html.escape(s.title)}</a>" for s in report.sections)
    body = "".join(render_section(s) for s in report.sections)
    return (
        f"<div class='fidelite-report'><style>{CSS}</style><header><h1>{html.escape(report.title)}</h1>"
        f"<p class='meta'>{html.escape(meta)}</p><nav>{nav}</nav></header>{body}</div>"
    )


def render_section(section: Section) -> str:
    key = html.escape(section.key)
    parts = [f"<h2>{html.escape(section.title)}</h2>"]
    if section.status == "skipped":
        parts.append(f"<p class='skipped'>skipped: {html.escape(section.message)}</p>")
    elif section.status == "error":
        parts.append(f"<p class='error' role='alert'>error: {html.escape(section.message)}</p>")
    for block in section.blocks:
        if isinstance(block, Table):
            parts.append(render_table(block))
        elif isinstance(block, Figure):
            parts.append(render_figure(block))
        elif isinstance(block, Text):
            parts.append(f"<p>{html.escape(block.text)}</p>")
    if section.notes:
        parts.append("<ul class='notes'>" + "".join(f"<li>{html.escape(n)}</li>" for n in section.notes) + "</ul>")
    return (
        f"<section class='fidelite-section' id='section-{key}' data-section='{key}' "
        f"data-status='{section.status}'>{''.join(parts)}</section>"
    )


def render_table(table: Table) -> str:
    key = html.escape(table.key)
    if table.html is not None:
        return f"<div class='table-wrap' data-table='{key}'>{table.html}</div>"

    n = len(table.columns)
    right = [j > 0 and numeric([r[j] for r in table.rows + table.footer]) for j in range(n)]

    def row(cells: list[str], tag: str = "td") -> str:
        return (
            "<tr>"
            + "".join(f"<{tag}{' class=num' if right[j] else ''}>{html.escape(c)}</{tag}>" for j, c in enumerate(cells))
            + "</tr>"
        )

    head = f"<thead>{row(table.columns, 'th')}</thead>" if any(table.columns) else ""
    foot = f"<tfoot>{''.join(row(r) for r in table.footer)}</tfoot>" if table.footer else ""
    cap = f"<caption>{html.escape(table.caption)}</caption>" if table.caption else ""
    return (
        f"<div class='table-wrap'><table class='fidelite-table' data-table='{key}' data-rows='{len(table.rows)}'>"
        f"{cap}{head}<tbody>{''.join(row(r) for r in table.rows)}</tbody>{foot}</table></div>"
    )


def render_figure(fig: Figure) -> str:
    """The chart as an inline PNG, or its error in its place."""
    key, title = html.escape(fig.key), html.escape(fig.title)
    try:
        if fig.rendered is None:
            fig.rendered = figure_png(fig)
        data, (w, h) = fig.rendered
    except Exception as e:  # one failing chart must not take the report down
        return f"<figure class='chart' data-chart='{key}'><p class='error'>chart failed: {html.escape(error_line(e))}</p></figure>"
    return (
        f"<figure class='chart' data-chart='{key}'><img src='data:image/png;base64,{data}' alt='{title}' "
        f"width='{w}' height='{h}'><figcaption>{title}</figcaption></figure>"
    )


def figure_png(fig: Figure, dpi: int = style.DPI) -> tuple[str, tuple[int, int]]:
    """(base64 PNG, pixel size) of a chart drawn on a fresh figure of the shared style
    (:func:`fidelite.results.style.figure`: no pyplot state)."""
    mfig = style.figure(fig.size)
    fig.draw(mfig)
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    w, h = (int(round(v * dpi)) for v in fig.size)
    return base64.b64encode(buf.getvalue()).decode("ascii"), (w, h)
