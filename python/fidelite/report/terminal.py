"""Terminal rendering of a report with rich (tables fitted to the console width)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._deps import import_optional
from ..results.formatting import numeric
from .model import Table, Text

if TYPE_CHECKING:
    from .model import ReportData, Section

#: Rows of one table printed in the terminal (the HTML report has them all).
MAX_TERMINAL_ROWS = 60
#: Tables wider than this many columns (matrices) lose their last columns rather than wrap.
WIDE = 8
#: Cells up to this long never wrap.
SHORT = 18


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


def fitting_columns(table: Table, width: int) -> int:
    """How many leading columns of a wide table fit in ``width`` characters (at least
    two); narrower tables keep every column and wrap their long text cells."""
    if len(table.columns) <= WIDE:
        return len(table.columns)
    used = 1  # left border
    for j, name in enumerate(table.columns):
        cells = [name] + [r[j] for r in table.rows[:MAX_TERMINAL_ROWS]] + [r[j] for r in table.footer]
        need = max(len(c) for c in cells) + 3  # padding and a border
        if used + need > width and j >= 2:
            return j
        used += need
    return len(table.columns)


def render_table(table: Table, console: Any) -> None:
    from rich import box
    from rich.table import Table as RTable
    from rich.text import Text as RText

    keep = fitting_columns(table, console.width)
    rows = table.rows[-MAX_TERMINAL_ROWS:] if len(table.rows) > MAX_TERMINAL_ROWS else table.rows
    caption = table.caption
    if len(rows) < len(table.rows):
        caption += f"; latest {len(rows)} of {len(table.rows)} rows shown"
    if keep < len(table.columns):
        caption += f"; {len(table.columns) - keep} more columns in the HTML report (--html)"
    headless = not any(table.columns)
    out = RTable(
        box=box.SIMPLE_HEAD,
        show_header=not headless,
        caption=RText(caption.strip("; ")) if caption else None,
        caption_justify="left",
        pad_edge=False,
    )
    for j, name in enumerate(table.columns[:keep]):
        cells = [r[j] for r in rows] + [r[j] for r in table.footer]
        short = j == 0 or max([len(c) for c in cells] + [0]) <= SHORT
        out.add_column(RText(name), justify="right" if j and numeric(cells) else "left", no_wrap=short, overflow="fold")
    for i, row in enumerate(rows):
        out.add_row(
            *(RText(c, style="dim" if c.endswith("*") else "") for c in row[:keep]),
            end_section=i == len(rows) - 1 and bool(table.footer),
        )
    for row in table.footer:
        out.add_row(*(RText(c, style="bold") for c in row[:keep]))
    console.print(out)
