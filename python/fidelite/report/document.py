"""A built report (:class:`Report`) with its renderings: terminal, HTML, JSON, CSV, Jupyter."""

from __future__ import annotations

from typing import Any

from . import export
from .html import render_body, render_html
from .model import ReportData, Table
from .terminal import render_section, render_terminal


class Report(ReportData):
    """A built report: ``print()`` it in a terminal, ``to_html()`` it, export it
    (``to_json()``, ``to_csv(table)``), or display it in Jupyter (``_repr_html_``)."""

    def to_html(self) -> str:
        """The whole report as one self-contained HTML page (no external resource)."""
        return render_html(self)

    def write_html(self, path: Any) -> None:
        """Write :meth:`to_html` to ``path`` (UTF-8)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_html())

    def print(self, console: Any = None, *, section: str | None = None) -> None:
        """Print the terminal report with rich (to ``console``, default stdout); only the
        section named (or holding the table named) ``section`` when given."""
        if section is None:
            render_terminal(self, console)
            return
        from rich.console import Console

        render_section(export.find_section(self, section), console or Console())

    def to_json(self, section: str | None = None) -> str:
        """The report (or one section) as JSON (see :mod:`fidelite.report.export`)."""
        return export.to_json(self, section)

    def to_csv(self, table: str) -> str:
        """One table as CSV, every row (``report.to_csv("at_risk")``: the whole at-risk list)."""
        return export.to_csv(self, table)

    def table(self, name: str) -> Table:
        """The table named ``name`` (``"at_risk"``, ``"cohorts"``...)."""
        return export.find_table(self, name)

    def tables(self) -> dict[str, list[str]]:
        """Each section's key with the keys of its tables (the names ``table`` takes)."""
        return export.names(self)

    def _repr_html_(self) -> str:
        return render_body(self)
