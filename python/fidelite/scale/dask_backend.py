"""The Dask backend: a ``dask.dataframe.DataFrame`` shuffled once by customer, one
prepared :class:`~fidelite.EventLog` per partition persisted on the workers, the
metric's partial per partition and the merges in a tree reduction.

The shuffle is Dask's ``shuffle(on=customer)``: p2p on a distributed client, disk or
tasks otherwise (Dask's own choice). Dask is imported when a frame is given, never by
``import fidelite``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._deps import import_optional
from ..eventlog import COLUMN_KEYWORDS, EventLog
from ..query import parse
from .parquet import total_report
from .registry import Declaration, declaration_of, evaluate
from .segmented import run_segmented, wants_segments


def _log(frame: Any, tz: str, columns: dict[str, Any]) -> EventLog | None:
    """One partition's prepared log (None for a partition the shuffle left empty)."""
    if len(frame) == 0:
        return None
    log = EventLog(frame, tz=tz, **columns)
    log.prepare()
    return log


def _span(log: EventLog | None) -> tuple[int, int] | None:
    return None if log is None else (log.t_min, log.t_max)


def _report(log: EventLog | None) -> Any:
    return None if log is None else log.report


def _partial(
    declaration: Declaration,
    metric: Callable[..., Any],
    log: EventLog,
    t_range: tuple[int, int],
    kwargs: dict[str, Any],
) -> Any:
    """One partition's partial, merged once on its worker: a partial may hold its
    partition's log (a retention matrix does), which would travel with it otherwise."""
    query = parse(log, {}, t_range=t_range, start=t_range[0])
    return declaration.merge([declaration.partial(metric, query, kwargs)])


class DaskLog:
    """A Dask DataFrame of events, shuffled by customer once and prepared: one log per
    partition, persisted, answering many queries (:meth:`run`) with the same numbers as
    the in-memory path. ``report`` sums the partitions' row accounting.

    ``EventLog.from_dask`` is this class; metrics called on a Dask DataFrame build one
    for the call.
    """

    def __init__(self, ddf: Any, *, tz: str = "UTC", split_every: int = 8, **columns: Any) -> None:
        dask = import_optional("dask", "run on Dask DataFrames")
        customer = columns.get("customer", "customer_id")
        if customer not in ddf.columns:
            from ..exceptions import ColumnNotFoundError

            raise ColumnNotFoundError(f"no column {customer!r} in the Dask DataFrame: pass customer=<column>")
        self.tz = tz
        self.split_every = split_every
        self.shuffled = ddf.shuffle(on=customer)
        build = dask.delayed(_log, pure=True)
        logs = dask.persist(*[build(part, tz, columns) for part in self.shuffled.to_delayed()])
        spans, reports = dask.compute(
            [dask.delayed(_span)(log) for log in logs], [dask.delayed(_report)(log) for log in logs]
        )
        kept = [i for i, s in enumerate(spans) if s is not None]
        if not kept:
            from ..exceptions import EmptyInputError

            raise EmptyInputError("the Dask DataFrame holds no event")
        self.logs = [logs[i] for i in kept]
        self.t_range = (min(spans[i][0] for i in kept), max(spans[i][1] for i in kept))
        self.report = total_report([reports[i] for i in kept])

    def run(self, metric: Callable[..., Any], **kwargs: Any) -> Any:
        """``metric`` over every partition, the partials merged in a tree reduction (in
        partition order at every level)."""
        dask = import_optional("dask", "run on Dask DataFrames")
        if wants_segments(kwargs):

            def each(fn: Callable[..., Any], *args: Any) -> list[Any]:
                return list(dask.compute(*[dask.delayed(fn)(log, *args) for log in self.logs]))

            return run_segmented(metric, each, self.t_range, self.report, kwargs)

        def one_pass(d: Declaration) -> Any:
            # the declaration's functions go into the graph one by one
            partial, merge = dask.delayed(_partial), dask.delayed(d.merge)
            level = [partial(d, metric, log, self.t_range, kwargs) for log in self.logs]
            while True:  # at least one merge, however few partitions
                level = [merge(level[i : i + self.split_every]) for i in range(0, len(level), self.split_every)]
                if len(level) == 1:
                    break
            return level[0].compute()

        return evaluate(declaration_of(metric), one_pass)


def run_dask(metric: Callable[..., Any], ddf: Any, **kwargs: Any) -> Any:
    """``metric`` on a Dask DataFrame: shuffled by customer, run, merged. The column
    keywords and ``tz`` among ``kwargs`` build each partition's log."""
    columns = {k: kwargs.pop(k) for k in list(kwargs) if k in COLUMN_KEYWORDS}
    return DaskLog(ddf, tz=kwargs.get("tz") or "UTC", **columns).run(metric, **kwargs)
