"""Input: any supported table read into raw columns, each column normalised once (ids,
instants, floats, labels, flags) with the masks of the rows it could not read, and the row
accounting of every table. The bottom layer of the package above the compiled kernels:
it imports nothing of fidelite but ``_core``, ``_deps`` and ``exceptions``.
"""

from __future__ import annotations

from .accounting import Accounting, RowReport
from .columns import (
    MAX_US,
    MIN_US,
    US_PER_DAY,
    all_false,
    bounds,
    flags,
    float_column,
    floats,
    labels,
    missing_mask,
    no_rows,
    objects,
    to_arrow,
)
from .instants import instants, times_us
from .keyed import INEXACT_ID, NULL_ID, KeyedTable, SortedIds
from .tables import Table, read_table

__all__ = [
    "INEXACT_ID",
    "MAX_US",
    "MIN_US",
    "NULL_ID",
    "US_PER_DAY",
    "Accounting",
    "KeyedTable",
    "RowReport",
    "SortedIds",
    "Table",
    "all_false",
    "bounds",
    "flags",
    "float_column",
    "floats",
    "instants",
    "labels",
    "missing_mask",
    "no_rows",
    "objects",
    "read_table",
    "times_us",
    "to_arrow",
]
