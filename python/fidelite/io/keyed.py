"""The one reader of side tables keyed by customer id: customers, contacts, subscriptions.

:class:`KeyedTable` reads the table, prepares its id column and starts the row accounting
with the rows that have no id; a metric then reads the columns it needs, rejects rows
with its own reasons (:attr:`KeyedTable.accounting`), and factorises the ids of the rows
it keeps. Matching those ids to an event log's customers is the log's job
(:meth:`fidelite.EventLog.codes_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import EmptyInputError
from . import ids as io_ids
from .accounting import Accounting, RowReport
from .columns import flags, floats, labels
from .instants import times_us
from .tables import Table, read_table

NULL_ID = "null customer id"
INEXACT_ID = "customer id a float that is not exactly an integer (read the ids as integers or text)"


@dataclass(frozen=True)
class SortedIds:
    """Customer ids of some rows of a side table as dense codes into their distinct ids,
    ``labels`` in ascending order (int64 / uint64 numpy, or an object array of str)."""

    codes: np.ndarray  # uint32
    labels: np.ndarray


def sorted_ids(ids: io_ids.Ids) -> SortedIds:
    """``ids`` (no null among them) renumbered so that codes follow ascending ids.

    >>> sorted_ids(io_ids.factorize(np.array(["b", "a", "b"], dtype=object)))
    SortedIds(codes=array([1, 0, 1], dtype=uint32), labels=array(['a', 'b'], dtype=object))
    """
    index = ids.index
    if index.ascending:
        return SortedIds(ids.codes, index.labels())
    order = index.sorted_order()
    rank = np.empty(len(order), np.uint32)
    rank[order] = np.arange(len(order), dtype=np.uint32)
    return SortedIds(rank[ids.codes], index.take(order))


class KeyedTable:
    """A side table whose rows belong to customers.

    Parameters
    ----------
    data : anything :func:`~fidelite.io.tables.read_table` reads.
    what : the table's name in messages ("contacts table").
    customer : the id column.
    noun : what a row is, in messages ("contact rows").
    empty : when given, a table without rows is an
        :class:`~fidelite.exceptions.EmptyInputError` whose message ends with it.

    >>> t = KeyedTable({"customer_id": [3, None, 3], "mrr": [1.0, 2.0, None]}, what="subscriptions table")
    >>> mrr, null = t.floats("mrr", "mrr")
    >>> t.accounting.reject("null mrr", null)
    >>> ids = t.factorize(t.accounting.keep)
    >>> ids.labels.tolist(), t.finish().rejected
    ([3], {'null customer id': 1, 'null mrr': 1})
    """

    def __init__(
        self, data: Any, *, what: str, customer: str = "customer_id", noun: str = "rows", empty: str | None = None
    ) -> None:
        self.table: Table = read_table(data, what=what, ids=customer)
        if empty is not None and self.table.n_rows == 0:
            raise EmptyInputError(f"the {self.table.source} has no rows; {empty}")
        self.customer = customer
        self.accounting = Accounting(self.table.n_rows, self.table.source, noun=noun, lines=self.table.lines)
        self._ids = io_ids.factorize(self.table.get(customer, "customer"))
        self.accounting.reject(NULL_ID, self._ids.null)
        self.accounting.reject(INEXACT_ID, self._ids.inexact)
        #: Rows without a readable id (null, or a float that is not an integer id).
        self.null_id: np.ndarray = self._ids.null | self._ids.inexact if self._ids.n_inexact else self._ids.null

    @property
    def n_rows(self) -> int:
        return self.table.n_rows

    @property
    def source(self) -> str:
        return self.table.source

    def has(self, column: str) -> bool:
        return self.table.has(column)

    def column(self, name: str, role: str) -> Any:
        """The raw column ``name`` (``role`` names its keyword in messages)."""
        return self.table.get(name, role)

    def instants(self, name: str, role: str, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(µs since the epoch, null mask, unparseable mask) of a time column."""
        return times_us(self.column(name, role), tz)

    def floats(self, name: str, role: str) -> tuple[np.ndarray, np.ndarray]:
        """(float64 values, null mask) of a numeric column."""
        return floats(self.column(name, role), role)

    def flags(self, name: str, role: str) -> tuple[np.ndarray, np.ndarray]:
        """(bool values, null mask) of a true/false column (nulls read as False)."""
        return flags(self.column(name, role), role)

    def labels(self, name: str, role: str) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
        """(int32 codes into sorted labels, labels, null mask) of a label column."""
        return labels(self.column(name, role), role)

    def factorize(self, keep: np.ndarray | None) -> SortedIds:
        """The ids of the rows of ``keep`` (None: every row with an id) as dense codes into
        the distinct ids, ascending."""
        if keep is None:
            keep = ~self.null_id if self._ids.n_null or self._ids.n_inexact else None
        ids = self._ids if keep is None or keep.all() else io_ids.keep_rows(self._ids, keep)
        return sorted_ids(ids)

    def finish(self, *, strict: bool = False, rule: str = "") -> RowReport:
        """The row accounting (see :meth:`Accounting.finish`)."""
        return self.accounting.finish(strict=strict, rule=rule)
