"""The one hook through which every public metric accepts partitioned data: a Dask
DataFrame or a Parquet dataset (a directory or a glob) given as ``data`` goes to the
partitioned paths; anything else reaches the metric unchanged. Dask is never imported
here: a frame is recognised by the module of its type."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

from .parquet import SPILL_KEYWORDS, is_dataset, read_dataset
from .registry import declaration_of

F = TypeVar("F", bound=Callable[..., Any])


def is_dask(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame (without importing Dask)."""
    return type(data).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(data, "npartitions")


#: The keywords naming a side table: one or a few rows per customer, read whole by every
#: partition (and by the in-memory call).
SIDE_TABLES = ("customers", "surveys", "programme", "contacts", "subscriptions")


def is_partitioned(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame or a Parquet dataset (a directory or a glob)."""
    return is_dask(data) or is_dataset(data)


def read_whole(table: Any) -> Any:
    """A Dask DataFrame computed, or a Parquet dataset read as one Arrow table: a side table
    in memory."""
    return table.compute() if is_dask(table) else read_dataset(table)


def collected(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with every side table (:data:`SIDE_TABLES`) given as a Dask DataFrame or a
    Parquet dataset read whole, once, before anything runs (:func:`read_whole`)."""
    return {k: read_whole(v) if k in SIDE_TABLES and is_partitioned(v) else v for k, v in kwargs.items()}


def partitioned_input(metric: F) -> F:
    """``metric``, also accepting a Dask DataFrame or a Parquet dataset as its first
    argument (run partition by partition and merged: :mod:`fidelite.scale`; a metric
    over a side table gathers the table and runs once on it), or as ``events=`` beside a
    side table (``activation(customers, events=ddf)``). A side table given by keyword
    (``surveys=``, ``programme=``, ``contacts=``, ``customers=``, ``subscriptions=``) or
    first (``activation(customers_ddf, events=...)``) as a Dask DataFrame or a Parquet
    dataset is read whole once (``compute()``), on every path: it must fit in memory."""

    first = next(iter(inspect.signature(metric).parameters))  # data, or surveys, programme...

    @functools.wraps(metric)
    def call(*args: Any, **kwargs: Any) -> Any:
        data: Any = args[0] if args else kwargs.get(first)
        given = {first: data} if first in kwargs else {}
        rest = collected({k: v for k, v in kwargs.items() if k != first})
        events = rest.get("events")
        if is_partitioned(events):
            # a metric over a side table and the events (activation, campaigns): the events
            # are partitioned, the side table goes to every partition under its name
            rest = {k: v for k, v in rest.items() if k != "events"}
            rest[first] = read_whole(data) if is_partitioned(data) else data
            data, args = events, (events, *args[1:])
        elif is_partitioned(data) and (declaration_of(metric).gather or first in SIDE_TABLES):
            # a side table (its metric runs once on it), or one beside events in memory
            return metric(read_whole(data), *args[1:], **{k: v for k, v in rest.items() if k not in SPILL_KEYWORDS})
        if is_dask(data):
            from .dask_backend import run_dask

            return run_dask(metric, data, *args[1:], **rest)
        if is_dataset(data):
            from .parquet import run_dataset

            return run_dataset(metric, data, *args[1:], **rest)
        return metric(*args, **given, **rest)

    return cast(F, call)
