"""Partitioned execution: the same metric calls on data split by customer.

Every customer lives in exactly one partition (a hash of its id decides which), each
partition is its own :class:`~fidelite.EventLog`, and a metric runs on each partition with
the whole data's time range, axis origin and ``as_of`` (:func:`fidelite.query.parse`'s
``t_range`` and ``start``), so that partial results line up cell by cell. The partials are
then merged, in partition order, as the metric declares in :mod:`.registry`: additively
(counts, sizes, lifecycle, rolling series) or by concatenation (per-customer tables).

- :mod:`.partition`: the hash of a customer id and the split of a frame by it;
- :mod:`.merges`: the merges a declaration names;
- :mod:`.registry`: one declaration per public metric (``DECLARATIONS``);
- :mod:`.execute`: :func:`run` (partials, then the merge) over logs already split;
- :mod:`.parquet`: :class:`SpilledLog`, a Parquet dataset larger than memory spilled to
  partitions on local disk;
- :mod:`.dask_backend`: :class:`DaskLog`, a Dask DataFrame shuffled once by customer;
- :mod:`.segmented`: ``segment=`` / ``bins=`` on partitioned data;
- :mod:`.hook`: the decorator through which every public metric accepts both (a metric
  over a side table, surveys or programme, gathers the table and runs once).

A metric given a Dask DataFrame or a Parquet directory / glob goes through them by itself
(``fidelite.retention(ddf)``); build a :class:`DaskLog` or :class:`SpilledLog` to prepare
once and answer many queries (``log.run(fidelite.retention, period="week")``).

docs/scale.md says when to use which path.
"""

from __future__ import annotations

from .dask_backend import DaskLog
from .execute import run, run_frames
from .parquet import SpilledLog
from .partition import partition_of, split_frame
from .registry import DECLARATIONS, Declaration, NotPartitionedError, declaration_of

__all__ = [
    "DECLARATIONS",
    "DaskLog",
    "Declaration",
    "NotPartitionedError",
    "SpilledLog",
    "declaration_of",
    "partition_of",
    "run",
    "run_frames",
    "split_frame",
]
