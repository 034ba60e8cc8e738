"""Terminal rendering of a report with rich: captions above their tables, and tables
fitted to the console width without ever cutting a value.

A column is never narrower than its longest value (numbers, ids, labels) or, for text
that reads as words (details, notes, instants), than its longest word: such text wraps
between words. A table that does not fit even so loses its last columns, and a note
under it says which and where to find them. Piped output is 80 columns wide unless
``COLUMNS`` says otherwise (rich's rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._deps import import_optional
from ..results.formatting import numeric
from .model import Table, Text

if TYPE_CHECKING:
    from .model import ReportData, Section

#: Rows of one table printed in the terminal (the HTML report has them all).
MAX_TERMINAL_ROWS = 60
#: Spaces between two columns.
GAP = 2


def render_terminal(report: ReportData, console: Any = None) -> None:
    """Print every terminal section of ``report`` (charts and the methods appendix are
    HTML only). ``console`` is a ``rich.console.Console`` (default: stdout)."""
    import_optional("rich", "print the terminal report")
    from rich.console import Console
    from rich.rule import Rule
    from rich.text import Text as RText

    console = console or Console()
    console.print(Rule(RText(report.title, style="bold")))
    for section in report.sections:
        if not section.html_only:
            render_section(section, console)


def render_section(section: Section, console: Any) -> None:
    from rich.rule import Rule
    from rich.text import Text as RText

    console.print()
    console.print(Rule(RText(section.title, style="bold cyan"), align="left"))
    if section.status == "skipped":
        console.print(RText(f"skipped: {section.message}", style="yellow"))
    elif section.status == "error":
        console.print(RText(f"error: {section.message}", style="bold red"))
    for block in section.blocks:
        if isinstance(block, Table):
            render_table(block, console)
        elif isinstance(block, Text):
            console.print(RText(block.text))
    for note in section.notes:
        console.print(RText(note, style="dim"))


@dataclass(frozen=True)
class Layout:
    """How a table fits a width: the columns kept and the width of each."""

    keep: int
    widths: list[int]


def _words(text: str) -> int:
    """The longest piece of ``text`` that may not wrap: a word, or a path segment."""
    return max((len(w) + 1 for w in text.replace("/", "/ ").split()), default=0)


def fold_path(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters after a "/", when it is
    a path (no spaces) longer than ``width``: rich would cut it anywhere, file names
    included. A segment longer than ``width`` is left for rich to fold.

    >>> fold_path("/tmp/exports/2024/orders.parquet", 16)
    '/tmp/exports/\\n2024/\\norders.parquet'
    """
    if len(text) <= width or " " in text or "/" not in text.strip("/"):
        return text
    lines = [""]
    for part in re.split("(?<=/)", text):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


def layout(table: Table, rows: list[list[str]], width: int) -> Layout:
    """The columns of ``table`` (with ``rows`` shown) that fit in ``width`` characters,
    and their widths. Each column gets its natural width (its longest cell or header)
    when the table fits; else text columns narrow, down to their longest word (a column
    of text with spaces longer than 20 characters, or of instants, wraps between words;
    headers always may), never below their longest value otherwise. When even that does
    not fit, the last columns are dropped; the first one always stays."""
    n = len(table.columns)
    natural, headed, minimum = [], [], []
    for j in range(n):
        cells = [r[j] for r in rows] + [r[j] for r in table.footer]
        longest = max([len(c) for c in cells] + [0])
        wrap = not numeric(cells) and any(
            (" " in c and (len(c) > 20 or c[:4].isdigit())) or "/" in c.strip("/") for c in cells
        )
        natural.append(max(longest, len(table.columns[j]), 1))
        headed.append(max(longest, _words(table.columns[j]), 1))  # the header wrapped, no cell
        minimum.append(max(_words(table.columns[j]), max([_words(c) for c in cells] + [0]) if wrap else longest, 1))
    keep, used = 0, -GAP
    for j in range(n):
        if j and used + GAP + minimum[j] > width:
            break
        used += GAP + minimum[j]
        keep = j + 1
    widths = natural[:keep]
    excess = sum(widths) + GAP * (keep - 1) - width
    for floor in (headed, minimum):  # wrap headers first, then text cells
        while excess > 0:  # narrow the column with the most room to give, one character at a time
            j = max(range(keep), key=lambda c: widths[c] - floor[c])
            if widths[j] <= floor[j]:
                break
            widths[j] -= 1
            excess -= 1
    return Layout(keep, widths)


def render_table(table: Table, console: Any) -> None:
    from rich import box
    from rich.table import Table as RTable
    from rich.text import Text as RText

    rows = table.rows[-MAX_TERMINAL_ROWS:] if len(table.rows) > MAX_TERMINAL_ROWS else table.rows
    fit = layout(table, rows, console.width)
    keep = fit.keep
    if table.caption:
        console.print(RText(table.caption, style="italic"))
    headless = not any(table.columns)
    out = RTable(
        box=box.SIMPLE_HEAD,
        show_header=not headless,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for j, name in enumerate(table.columns[:keep]):
        cells = [r[j] for r in rows] + [r[j] for r in table.footer]
        out.add_column(
            RText(name),
            justify="right" if j and numeric(cells) else "left",
            width=fit.widths[j],
            overflow="fold",
        )
    for i, row in enumerate(rows):
        out.add_row(
            *(RText(fold_path(c, w), style="dim" if c.endswith("*") else "") for c, w in zip(row, fit.widths)),
            end_section=i == len(rows) - 1 and bool(table.footer),
        )
    for row in table.footer:
        out.add_row(*(RText(c, style="bold") for c in row[:keep]))
    console.print(out)
    more = []
    if len(rows) < len(table.rows):
        more.append(f"latest {len(rows)} of {len(table.rows)} rows shown")
    if keep < len(table.columns):
        dropped = table.columns[keep:]
        names = ", ".join(dropped) if len(dropped) <= 4 else f"{dropped[0]} to {dropped[-1]}"
        plural = len(dropped) > 1
        more.append(
            f"{len(dropped)} more column{'s' if plural else ''}{f' ({names})' if names.strip(', ') else ''} "
            f"{'do' if plural else 'does'} not fit {console.width} characters: widen the terminal "
            f"(COLUMNS=...), or see them in the HTML report (--html) or as CSV (--format csv --section "
            f"{table.key.replace('-', '_')})"
        )
    if more:
        console.print(RText("; ".join(more), style="dim"))
