"""Row accounting: every input row is used or rejected with one counted reason.

:class:`Accounting` collects the reasons of one table in the order they are checked (a
row is counted under the first that applies) and the notes on used rows, then gives the
:class:`RowReport` and, in strict mode, the error. The event log and every side table
(customers, surveys, contacts, subscriptions) account for their rows through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import EmptyInputError, RejectedRowsError
from .columns import all_false


@dataclass
class RowReport:
    """What became of every input row: ``read == used + sum(rejected.values())``.

    ``notes`` counts rows that were used but deserve a mention (refunds, missing amounts).
    ``examples`` gives, for each reason, the first few rejected rows: 1-based line numbers
    in a CSV file (the header is line 1) when ``where == "line"``, else 0-based row
    positions (``where == "row"``).

    >>> r = RowReport(3, 2, {"null timestamp": 1}, examples={"null timestamp": [3]}, where="line")
    >>> print(r)
    3 rows read, 2 used, 1 rejected
      rejected: 1 null timestamp (line 3)
    """

    read: int
    used: int
    rejected: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[int]] = field(default_factory=dict)
    where: str = "row"

    @property
    def n_rejected(self) -> int:
        return sum(self.rejected.values())

    def example_text(self, reason: str) -> str:
        """Where the first rows rejected for ``reason`` are: ``"lines 3, 9, 12, ..."``."""
        at = self.examples.get(reason, [])
        if not at:
            return ""
        more = ", ..." if self.rejected.get(reason, 0) > len(at) else ""
        return (
            f"{self.where}{'s' if len(at) > 1 else ''} {', '.join(str(i) for i in at)}{more}"  # labels: no separators
        )

    def __str__(self) -> str:
        lines = [f"{self.read:,} rows read, {self.used:,} used, {self.n_rejected:,} rejected"]
        for why, n in self.rejected.items():
            at = self.example_text(why)
            lines.append(f"  rejected: {n:,} {why}" + (f" ({at})" if at else ""))
        lines += [f"  note: {n:,} {what}" for what, n in self.notes.items()]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The accounting as an HTML table."""
        rows = "".join(
            f"<tr><td>rejected: {why}</td><td>{n:,}</td><td>{self.example_text(why)}</td></tr>"
            for why, n in self.rejected.items()
        )
        rows += "".join(f"<tr><td>note: {what}</td><td>{n:,}</td></tr>" for what, n in self.notes.items())
        return (
            "<table class='fidelite-report'><tr><td>rows read</td><td>"
            f"{self.read:,}</td></tr><tr><td>used</td><td>{self.used:,}</td></tr>{rows}</table>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


class Accounting:
    """The row accounting of one table of ``n_rows`` rows.

    >>> acc = Accounting(4, "contacts table")
    >>> acc.reject("null customer id", np.array([True, False, False, False]))
    >>> acc.reject("null timestamp", np.array([True, True, False, False]))
    >>> acc.note("null cost counted as 0", np.array([False, False, True, False]))
    >>> r = acc.report()
    >>> r.used, r.rejected, r.notes
    (2, {'null customer id': 1, 'null timestamp': 1}, {'null cost counted as 0': 1})
    """

    #: Rejected rows kept as examples per reason.
    EXAMPLES = 3

    def __init__(
        self, n_rows: int, source: str, *, noun: str = "rows", lines: Callable[[int], int] | None = None
    ) -> None:
        self.n_rows = n_rows
        self.source = source
        self.noun = noun
        #: The 1-based line of the file where a row starts (see :class:`~fidelite.io.tables.Table`).
        self.lines = lines
        self.rejected: dict[str, int] = {}
        self.examples: dict[str, list[int]] = {}
        self._any: np.ndarray | None = None  # rows rejected so far; None: none yet
        self._notes: list[tuple[str, int, Callable[[], np.ndarray]]] = []
        self._excluded: tuple[str, np.ndarray] | None = None

    def exclude(self, what: str, mask: np.ndarray) -> None:
        """Leave the rows of ``mask`` out of the accounting altogether: they are not part of
        what this table is read for (e.g. answers to other questions), so they are neither
        read nor used, only noted as ``what``. Call it before any :meth:`reject`."""
        self._excluded = (what, np.asarray(mask, bool))
        self._any = np.array(mask, bool)

    def reject(self, reason: str, mask: np.ndarray) -> None:
        """Reject the rows of ``mask`` not rejected yet, counted under ``reason``."""
        if all_false(mask):
            return
        fresh = mask if self._any is None else mask & ~self._any
        count = int(np.count_nonzero(fresh))
        if not count:
            return
        self.rejected[reason] = self.rejected.get(reason, 0) + count
        kept = self.examples.setdefault(reason, [])
        if len(kept) < self.EXAMPLES:
            kept.extend(self.place(int(i)) for i in np.flatnonzero(fresh)[: self.EXAMPLES - len(kept)])
            kept.sort()
        self._any = np.array(fresh, bool) if self._any is None else self._any | fresh

    def note(self, what: str, mask: np.ndarray | Callable[[], np.ndarray], count: int | None = None) -> None:
        """Note the rows of ``mask`` (counted among the used rows only). ``mask`` may be a
        function building it and ``count`` its count over all rows: the mask is then only
        built when some rows are rejected."""
        build: Callable[[], np.ndarray] = mask if callable(mask) else (lambda: mask)
        total = int(np.count_nonzero(build())) if count is None else int(count)
        if total:
            self._notes.append((what, total, build))

    @property
    def keep(self) -> np.ndarray | None:
        """Mask of the used rows; None when every row is used."""
        return None if self._any is None else ~self._any

    @property
    def rejected_rows(self) -> np.ndarray:
        """Mask of the rejected rows."""
        return np.zeros(self.n_rows, bool) if self._any is None else self._any

    @property
    def n_read(self) -> int:
        """Rows read (every row but those excluded)."""
        return self.n_rows - (int(self._excluded[1].sum()) if self._excluded is not None else 0)

    @property
    def n_used(self) -> int:
        return self.n_read - sum(self.rejected.values())

    def report(self) -> RowReport:
        notes: dict[str, int] = {}
        for what, total, build in self._notes:
            n = total if self._any is None else int(np.count_nonzero(build() & ~self._any))
            if n:
                notes[what] = notes.get(what, 0) + n
        if self._excluded is not None and self._excluded[1].any():
            notes[self._excluded[0]] = int(self._excluded[1].sum())
        return RowReport(
            read=self.n_read,
            used=self.n_used,
            rejected=dict(self.rejected),
            notes=notes,
            examples={k: list(v) for k, v in self.examples.items()},
            where="row" if self.lines is None else "line",
        )

    def place(self, row: int) -> int:
        """Row ``row`` (0-based) as users find it: its line in the file, else ``row``."""
        return row if self.lines is None else self.lines(row)

    def check_strict(self, rule: str = "") -> None:
        """Raise :class:`~fidelite.exceptions.RejectedRowsError` if a row was rejected
        (``rule``, the rule the rows broke, is added to the message)."""
        if not self.rejected:
            return
        report = self.report()
        rejected = self.rejected_rows if self._excluded is None else self.rejected_rows & ~self._excluded[1]
        first = int(np.flatnonzero(rejected)[0])
        reasons = "; ".join(f"{v:,} {k}" for k, v in self.rejected.items())
        raise RejectedRowsError(
            f"{report.n_rejected:,} of {report.read:,} {self.noun} were rejected ({reasons}); the first is "
            f"{'row' if self.lines is None else 'line'} {self.place(first)}"
            f"{'; ' + rule if rule else ''}. Fix or drop them, or pass strict=False to skip them.",
            report,
        )

    def finish(self, *, strict: bool = False, rule: str = "") -> RowReport:
        """The report; raises :class:`~fidelite.exceptions.RejectedRowsError` when ``strict``
        and a row was rejected (see :meth:`check_strict`), and
        :class:`~fidelite.exceptions.EmptyInputError` when no row is left."""
        if self.n_rows == 0:
            raise EmptyInputError(f"the {self.source} has no rows")
        if strict:
            self.check_strict(rule)
        report = self.report()
        if report.used == 0:
            raise EmptyInputError(f"all {report.read:,} rows of the {self.source} were rejected: {report}")
        return report
