"""A built report (:class:`Report`) with its renderings: terminal, HTML, Jupyter."""

from __future__ import annotations

from typing import Any

from .html import render_body, render_html
from .model import ReportData
from .terminal import render_terminal


class Report(ReportData):
    """A built report: ``print()`` it in a terminal, ``to_html()`` it, or display it in
    Jupyter (``_repr_html_``)."""

    def to_html(self) -> str:
        """The whole report as one self-contained HTML page (no external resource)."""
        return render_html(self)

    def write_html(self, path: Any) -> None:
        """Write :meth:`to_html` to ``path`` (UTF-8)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_html())

    def print(self, console: Any = None) -> None:
        """Print the terminal report with rich (to ``console``, default stdout)."""
        render_terminal(self, console)

    def _repr_html_(self) -> str:
        return render_body(self)
