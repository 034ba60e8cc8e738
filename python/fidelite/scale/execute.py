"""Run a metric partition by partition, then merge the partials as it declares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..eventlog import COLUMN_KEYWORDS, EventLog
from ..query import parse
from .parquet import total_report
from .registry import Declaration, declaration_of, evaluate
from .segmented import each_of, run_segmented, wants_segments


def run(metric: Callable[..., Any], logs: Sequence[EventLog], **kwargs: Any) -> Any:
    """``metric`` over the customers of ``logs`` (one log per partition: each customer in
    exactly one), merged as its declaration says; equal to ``metric`` on the whole data.

    Every partition's query covers the whole data's time range, starts its axes at the
    whole data's first instant and has the same ``as_of`` (the latest event when not
    given), so partial results line up cell by cell. Partials merge in partition order.

    >>> import fidelite
    >>> from fidelite.scale import split_frame
    >>> events = fidelite.datasets.demo_shop(300, seed=1, frame="pandas").events
    >>> logs = [fidelite.EventLog(f) for f in split_frame(events, "customer_id", 3)]
    >>> m = run(fidelite.retention, logs, period="quarter")
    >>> bool((m.counts == fidelite.retention(events, period="quarter").counts).all())
    True
    """
    declaration = declaration_of(metric)
    if not logs:
        raise ValueError("no partition to run on: the data holds no customer")
    span = (min(log.t_min for log in logs), max(log.t_max for log in logs))
    if wants_segments(kwargs):
        return run_segmented(metric, each_of(logs), span, total_report([log.report for log in logs]), kwargs)
    queries = [parse(log, {}, t_range=span, start=span[0]) for log in logs]

    def one_pass(d: Declaration) -> Any:
        return d.merge([d.partial(metric, q, kwargs) for q in queries])

    return evaluate(declaration, one_pass)


def run_frames(metric: Callable[..., Any], frames: Sequence[Any], **kwargs: Any) -> Any:
    """:func:`run` on one frame (or anything :class:`~fidelite.EventLog` accepts) per
    partition; the column keywords and ``tz`` among ``kwargs`` build each partition's log
    and the rest go to the metric. Empty partitions are skipped. A metric over a side
    table (its declaration ``gather``) runs once on the frames concatenated."""
    if declaration_of(metric).gather:  # a side table: the partitions concatenated, one call
        return metric(concat_frames(frames), **kwargs)
    columns = {k: kwargs.pop(k) for k in list(kwargs) if k in COLUMN_KEYWORDS}
    tz = kwargs.get("tz")
    logs = [EventLog(f, tz=tz or "UTC", **columns) for f in frames if len(f)]
    return run(metric, logs, **kwargs)


def concat_frames(frames: Sequence[Any]) -> Any:
    """Frames of one table, one after the other (pandas, polars or Arrow, by the first)."""
    import narwhals as nw

    return nw.to_native(nw.concat([nw.from_native(f, eager_only=True) for f in frames]))
