"""The report's building blocks: inputs, sections and their content, and the runner.

A report is a list of :class:`SectionBuilder` run in order on one :class:`ReportInputs`.
Each builder returns a :class:`Section` made of blocks (:class:`Text`, :class:`Table`,
:class:`Figure`) and notes, or raises :class:`Skip` ("skipped: needs X"). A builder that
fails becomes a section showing its error; the other sections still render.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..cache import Cache
from ..eventlog import EventLog
from ..exceptions import MissingColumnError, MissingTableError

#: The optional tables a report can use besides the event log (docs/metrics.md, "Inputs").
OPTIONAL_TABLES = ("customers", "surveys", "contacts", "subscriptions")


class Skip(Exception):
    """Raised by a section builder whose inputs are missing: ``Skip("needs surveys")``."""


@dataclass
class Text:
    """A paragraph."""

    text: str


@dataclass
class Table:
    """A table of formatted cells.

    ``footer`` rows are set apart (an average row); ``html`` is an optional richer HTML
    rendering of the same table (e.g. the retention matrix's own); ``key`` is a stable
    name for ``data-table`` in HTML and for ``--section`` on the command line. ``data``
    holds the table's raw columns when the cells show only part of them (the top 10 of a
    customer list): the CSV and JSON exports write every row from it, ``units`` and ``tz``
    say how its values read.
    """

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    footer: list[list[str]] = field(default_factory=list)
    html: str | None = None
    key: str = ""
    data: dict[str, np.ndarray] | None = field(default=None, repr=False)
    units: dict[str, str] = field(default_factory=dict, repr=False)
    tz: str | None = None


@dataclass
class Figure:
    """A matplotlib chart, drawn only by the HTML renderer: ``draw(fig)`` fills a
    ``matplotlib.figure.Figure`` of ``size`` inches."""

    key: str
    title: str
    draw: Callable[[Any], Any]
    size: tuple[float, float] = (8.0, 4.0)
    rendered: Any = field(default=None, repr=False, compare=False)  # the HTML renderer's cache

    @classmethod
    def of(cls, key: str, title: str, result: Any, size: tuple[float, float] = (8.0, 4.0)) -> Figure:
        """The chart of a result: its ``.plot()`` on the figure's one Axes."""
        return cls(key, title, lambda fig: result.plot(fig.subplots()), size)


Block = Text | Table | Figure


@dataclass
class Section:
    """One titled part of the report (``key`` is its stable ``data-section`` name).

    ``status`` is ``"ok"``, ``"skipped"`` (``message`` says what it needs) or ``"error"``
    (``message`` holds the error).
    """

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    status: str = "ok"
    message: str = ""
    html_only: bool = False


@dataclass
class ReportInputs:
    """What the section builders read: the event log, the optional tables, the calendar
    (``period``, ``tz``: the report's zone, the log's by default).

    ``cache`` lets sections share results (the KPI trend and the cohort section reuse one
    computation); use :meth:`cached`. ``segment`` / ``bins`` ask each section for its
    metric per segment too (:mod:`fidelite.report.segments`).
    """

    log: EventLog
    period: str = "month"
    tz: str = ""
    as_of: Any = None
    customers: Any = None
    surveys: Any = None
    contacts: Any = None
    subscriptions: Any = None
    programme: Any = None
    tiers: Mapping[str, float] | None = None
    source: str = ""
    purchase_event: str | None = None
    week_start: str = "monday"
    index_timeout: float | None = None
    segment: Any = None
    bins: Any = None
    cache: Cache = field(default_factory=Cache)

    def __post_init__(self) -> None:
        if not self.tz:
            self.tz = self.log.tz

    def kw(self, *, purchases: bool = False, period: bool = False) -> dict[str, Any]:
        """Keywords shared by the metric calls: ``tz``, ``as_of`` when given,
        ``purchase_event`` when given and the metric counts ``purchases``, and the
        report's ``period`` and ``week_start`` for a metric cut in ``period``s."""
        out: dict[str, Any] = {"tz": self.tz}
        if self.as_of is not None:
            out["as_of"] = self.as_of
        if purchases and self.purchase_event is not None:
            out["purchase_event"] = self.purchase_event
        if period:
            out["period"] = self.period
            out["week_start"] = self.week_start
        return out

    @property
    def as_of_us(self) -> int:
        """The as-of instant in force (µs since the epoch, UTC)."""
        from ..calendar import to_instant

        return self.log.t_max if self.as_of is None else to_instant(self.as_of, self.tz)

    def segment_kw(self) -> dict[str, Any]:
        """``segment=`` and ``bins=`` for the per-segment comparisons (empty without a
        segment or bins)."""
        out: dict[str, Any] = {}
        if self.segment is not None:
            out["segment"] = self.segment
        if self.bins is not None:
            out["bins"] = self.bins
        return out

    def tables(self) -> dict[str, Any]:
        """The available tables by name: ``events`` (the log) and the optional ones given."""
        out: dict[str, Any] = {"events": self.log}
        out.update({name: getattr(self, name) for name in OPTIONAL_TABLES if getattr(self, name) is not None})
        return out

    def need(self, *names: str) -> None:
        """Raise :class:`Skip` naming the optional tables that are missing."""
        missing = [n for n in names if getattr(self, n) is None]
        if missing:
            raise Skip(needs_table(*missing))

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """The result of ``compute()`` for ``key``, computed once per report."""
        return self.cache.get(key, compute)


@dataclass
class SectionBuilder:
    """A named section: ``build(inputs)`` returns the section's blocks and notes."""

    key: str
    title: str
    build: Callable[[ReportInputs], tuple[list[Block], list[str]]]
    html_only: bool = False

    def __call__(self, inputs: ReportInputs) -> Section:
        section = Section(self.key, self.title, html_only=self.html_only)
        try:
            blocks, notes = self.build(inputs)
        except Skip as s:
            section.status, section.message = "skipped", str(s)
        except Exception as e:  # a failing section must not take the report down
            section.status, section.message = "error", error_line(e)
        else:
            section.blocks, section.notes = list(blocks), list(notes)
        return section


def needs_table(*names: str) -> str:
    """``needs the surveys table (--surveys FILE)``."""
    return "needs the " + " and ".join(f"{n} table (--{n} FILE)" for n in names)


def needs_column(role: str) -> str:
    """``needs a product column (--product COL)``."""
    article = "an" if role[:1] in "aeiou" else "a"
    return f"needs {article} {role} column (--{role} COL)"


def skip_reason(e: BaseException) -> str | None:
    """What a metric that raised ``e`` needs, when ``e`` says an input is absent (a
    column of the log, an optional table): it is then skipped, not failed."""
    if isinstance(e, MissingColumnError) and e.column:
        return needs_column(e.column)
    if isinstance(e, MissingTableError):
        found = [t for t in OPTIONAL_TABLES if f"the {t} table" in str(e) or f"{t}=" in str(e)]
        return needs_table(*found[:1]) if found else one_line(str(e))
    return None


def purchase_hint(notes: list[str]) -> list[str]:
    """``notes`` plus a hint when a metric missed the default purchase event type."""
    missed = ("unknown event type(s) ['purchase']", "no event of type 'purchase'")
    if any(m in n for n in notes for m in missed):
        return notes + [
            "Purchases are events of type 'purchase' by default: name yours with "
            "purchase_event= (fidelite report --purchase-event NAME)."
        ]
    return notes


def one_line(text: str) -> str:
    """``text`` on one line: its lines joined by "; ", runs of spaces collapsed."""
    return "; ".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def error_line(e: BaseException) -> str:
    """``Type: message`` on one line."""
    return f"{type(e).__name__}: {one_line(str(e)) or repr(e)}"


def build_parts(parts: Iterable[tuple[str, Callable[[], list[Block]]]]) -> tuple[list[Block], list[str]]:
    """The blocks of each ``(label, build)`` part in turn, and a note per part that failed
    ("<label> failed: <error>"): one failing part must not hide the others. When none
    built anything, the first error is raised."""
    blocks: list[Block] = []
    notes: list[str] = []
    errors: list[Exception] = []
    for label, build in parts:
        try:
            blocks += build()
        except Exception as e:
            errors.append(e)
            notes.append(f"{label} failed: {error_line(e)}")
    if not blocks and errors:
        raise errors[0]
    return blocks, notes


@dataclass
class ReportData:
    """A built report's content: its inputs, sections and title (rendered by
    :class:`fidelite.report.Report`)."""

    inputs: ReportInputs
    sections: list[Section]
    title: str = "fidelite report"

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"no section {key!r}; the report has {[s.key for s in self.sections]}")


def run_sections(
    inputs: ReportInputs, builders: Iterable[SectionBuilder], progress: Callable[[str], Any] | None = None
) -> list[Section]:
    """Run each builder, calling ``progress(title)`` before each."""
    out = []
    for b in builders:
        if progress is not None:
            progress(b.title)
        out.append(b(inputs))
    return out
