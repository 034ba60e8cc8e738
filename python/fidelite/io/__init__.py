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
    Ids,
    all_false,
    bounds,
    factorize_ids,
    flags,
    float_column,
    floats,
    id_column,
    labels,
    missing_mask,
    no_rows,
    objects,
    to_arrow,
)
from .instants import instants, times_us
from .keyed import NULL_ID, KeyedTable
from .tables import Table, read_table

__all__ = [
    "MAX_US",
    "MIN_US",
    "NULL_ID",
    "US_PER_DAY",
    "Accounting",
    "Ids",
    "KeyedTable",
    "RowReport",
    "Table",
    "all_false",
    "bounds",
    "factorize_ids",
    "flags",
    "float_column",
    "floats",
    "id_column",
    "instants",
    "labels",
    "missing_mask",
    "no_rows",
    "objects",
    "read_table",
    "times_us",
    "to_arrow",
]
