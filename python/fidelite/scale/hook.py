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


def partitioned_input(metric: F) -> F:
    """``metric``, also accepting a Dask DataFrame or a Parquet dataset as its first
    argument (run partition by partition and merged: :mod:`fidelite.scale`; a metric
    over a side table gathers the table and runs once on it), or as ``events=`` beside a
    side table in memory (``activation(customers, events=ddf)``)."""

    first = next(iter(inspect.signature(metric).parameters))  # data, or surveys, programme...

    @functools.wraps(metric)
    def call(*args: Any, **kwargs: Any) -> Any:
        data: Any = args[0] if args else kwargs.get(first)
        rest = {k: v for k, v in kwargs.items() if k != first}
        events = kwargs.get("events")
        if not (is_dask(data) or is_dataset(data)) and (is_dask(events) or is_dataset(events)):
            # a metric over a side table and the events (activation, campaigns): the events
            # are partitioned, the side table goes to every partition under its name
            rest = {k: v for k, v in rest.items() if k != "events"}
            rest[first] = data
            data, args = events, (events, *args[1:])
        if (is_dask(data) or is_dataset(data)) and declaration_of(metric).gather:
            table = data.compute() if is_dask(data) else read_dataset(data)
            return metric(table, *args[1:], **{k: v for k, v in rest.items() if k not in SPILL_KEYWORDS})
        if is_dask(data):
            from .dask_backend import run_dask

            return run_dask(metric, data, *args[1:], **rest)
        if is_dataset(data):
            from .parquet import run_dataset

            return run_dataset(metric, data, *args[1:], **rest)
        return metric(*args, **kwargs)

    return cast(F, call)
