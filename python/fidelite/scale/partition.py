"""Which partition a customer lives in: a stable hash of its id, the same for every table
of a call (events, customers, surveys, contacts, subscriptions) and on every machine."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._deps import import_optional


def partition_of(ids: Any, n_partitions: int) -> np.ndarray:
    """The partition (0 .. n_partitions - 1, int64) of each id in ``ids``.

    The hash is pandas' ``hash_array`` (SipHash with a fixed key): stable across processes,
    machines and runs, so a worker and a spill file agree on where a customer lives. An
    id hashes by value and type: ``1`` and ``"1"`` are different customers, as they are for
    :class:`~fidelite.EventLog`.

    >>> partition_of(["a", "b", "a"], 4).tolist() == partition_of(["a", "b", "a"], 4).tolist()
    True
    """
    if n_partitions < 1:
        raise ValueError(f"n_partitions must be at least 1, got {n_partitions}")
    pd = import_optional("pandas", "scale")
    values = np.asarray(ids)
    if values.dtype.kind in "USO":
        values = values.astype(object)
    hashed = pd.util.hash_array(values, categorize=False)
    return (hashed % np.uint64(n_partitions)).astype(np.int64)


def split_frame(frame: Any, customer: str, n_partitions: int) -> list[Any]:
    """A pandas DataFrame split into ``n_partitions`` frames by the hash of its ``customer``
    column (row order kept within each; a partition may be empty)."""
    part = partition_of(frame[customer].to_numpy(), n_partitions)
    return [frame[part == i] for i in range(n_partitions)]
