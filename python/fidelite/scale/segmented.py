"""``segment=`` / ``bins=`` on partitioned data: the same
:class:`~fidelite.results.SegmentedResult` as in memory (docs/segments.md).

In memory, a segmented call runs the metric once per segment on that segment's customers
alone, with the whole data's ``as_of``. Partitioned, in three steps:

1. the population-wide segmentation: every partition's customer ids (and the customers
   table's) gathered, their attributes read from the customers table, the bins' quantile
   edges computed on all of them (:func:`fidelite.query.segments.resolve`);
2. each segment's time range, from every partition's events of its customers;
3. per partition, one partial per segment present (the partition's events of that
   segment's customers, with the segment's range), merged per segment in partition order
   and finished as the metric declares.

Attributes come from the customers table (``customers=``): a partition cannot read an
attribute of the events for the whole population.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..eventlog import CANONICAL, EventLog
from ..exceptions import EmptyInputError, ParameterError
from ..query import parse, segments
from .registry import declaration_of

#: The keywords of a segmented call (the rest go to the metric).
SEGMENT_KEYWORDS = ("segment", "bins", "customers")

#: Applies a function to every partition's log: ``each(fn, *args)`` -> one result per
#: partition, in partition order (a list comprehension, or Dask tasks).
Each = Callable[..., list[Any]]


def wants_segments(kwargs: dict[str, Any]) -> bool:
    """Whether a call asks for segments."""
    return kwargs.get("segment") is not None or kwargs.get("bins") is not None


def customer_ids(log: EventLog) -> np.ndarray:
    """A partition's customer ids."""
    return log.customer_ids


def segment_spans(log: EventLog, seg: segments.Segmentation) -> dict[int, tuple[int, int]]:
    """Per segment index present in the partition: the first and last instant of its
    customers' events."""
    code = seg.segment_of(log.customer_ids, None)
    layout = log.grouped()
    first, last = layout.ts[layout.indptr[:-1]], layout.ts[layout.indptr[1:] - 1]
    out: dict[int, tuple[int, int]] = {}
    for s in np.unique(code[code >= 0]).tolist():
        mine = code == s
        out[s] = (int(first[mine].min()), int(last[mine].max()))
    return out


def segment_partials(
    log: EventLog,
    seg: segments.Segmentation,
    spans: dict[int, tuple[int, int]],
    metric: Callable[..., Any],
    kwargs: dict[str, Any],
) -> dict[int, Any]:
    """Per segment index present in the partition: the metric's partial on the events of
    the segment's customers (merged once, so that it holds no partition's log), or the
    message of the error that made it impossible (``EmptyInputError``,
    ``ParameterError``, as in memory)."""
    declaration = declaration_of(metric)
    code = seg.segment_of(log.customer_ids, None)
    export = log.to_native(backend="numpy")
    rows = code[log.codes_of(export[CANONICAL["customer"]])]
    out: dict[int, Any] = {}
    for s in np.unique(code[code >= 0]).tolist():
        mask = rows == s
        sub = EventLog({k: v[mask] for k, v in export.items()}, tz=log.tz)
        q = parse(sub, {}, t_range=spans[s], start=spans[s][0])
        try:
            out[s] = declaration.merge([declaration.partial(metric, q, kwargs)])
        except (EmptyInputError, ParameterError) as e:
            out[s] = e
    return out


def run_segmented(
    metric: Callable[..., Any], each: Each, t_range: tuple[int, int], report: Any, kwargs: dict[str, Any]
) -> Any:
    """``metric(..., segment=, bins=, customers=)`` over partitioned data (``each`` applies
    a function to every partition), equal to the in-memory segmented call."""
    from ..results.segmented import SegmentedResult

    declaration = declaration_of(metric)
    kwargs = dict(kwargs)
    segment, bins, customers = (kwargs.pop(k, None) for k in SEGMENT_KEYWORDS)
    if "customers" in inspect.signature(inspect.unwrap(metric)).parameters:
        kwargs["customers"] = customers
    if "segment" in inspect.signature(inspect.unwrap(metric)).parameters or declaration.gather or declaration.first:
        raise ParameterError(
            f"{metric.__name__}(segment=...) does not run on partitioned data (a Dask DataFrame or a Parquet "
            "dataset) yet: load the data in memory"
        )
    if customers is None:
        raise ParameterError(
            "segment= on partitioned data reads the attributes from the customers table: pass customers=<table>"
        )
    customer = kwargs.get("customer", "customer_id")
    ids = np.concatenate([*each(customer_ids), segments.population(None, customers, customer)])
    seg = segments.resolve(segment, bins, customers=customers, customer=customer, extra_ids=_unique(ids))
    if kwargs.get("as_of") is None and "as_of" in inspect.signature(metric).parameters:
        kwargs["as_of"] = np.datetime64(t_range[1], "us")  # the whole data's, for every segment (as in memory)
    spans: dict[int, tuple[int, int]] = {}
    for part in each(segment_spans, seg):
        for s, (lo, hi) in part.items():
            old = spans.get(s, (lo, hi))
            spans[s] = (min(lo, old[0]), max(hi, old[1]))
    partials: dict[int, list[Any]] = {}
    for part in each(segment_partials, seg, spans, metric, kwargs):
        for s, p in part.items():
            partials.setdefault(s, []).append(p)
    results, skipped = {}, {}
    for s, key in enumerate(seg.keys):
        got = [p for p in partials.get(s, []) if not isinstance(p, Exception)]
        if s not in partials:
            skipped[key] = "no event of its customers"
        elif not got:  # no partition could compute it (a partition that cannot adds nothing)
            skipped[key] = str(partials[s][0])
        else:
            results[key] = declaration(got)
    if not results:
        raise ParameterError(f"no segment could be computed: {next(iter(skipped.values()), 'no segment')}")
    return SegmentedResult(
        seg.attributes,
        results,
        customers=dict(zip(seg.keys, seg.counts.tolist())),
        skipped=skipped,
        edges=seg.edges,
        metric=metric.__name__,
        report=report,
    )


def _unique(ids: np.ndarray) -> np.ndarray:
    """Distinct ids, ascending (each customer once: a customer lives in one partition,
    and the customers table's ids without an event come once)."""
    return np.unique(ids) if ids.dtype != object else np.array(sorted(set(ids.tolist())), dtype=object)


def each_of(logs: Sequence[EventLog] | Callable[[], Any]) -> Each:
    """``each`` over in-memory logs, or over a callable giving them one at a time."""

    def each(fn: Callable[..., Any], *args: Any) -> list[Any]:
        return [fn(log, *args) for log in (logs() if callable(logs) else logs)]

    return each
