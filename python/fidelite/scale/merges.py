"""The merges a metric declares (:mod:`.registry`): partial results, in partition order,
into the result of the whole data.

Additive merges add counts cell by cell, in partition order: integer counts are exact;
float sums (revenue) add the partitions' sums, so they can differ from the in-memory sum
in the last bits (the in-memory kernels add per piece of 4096 customers). Concatenating
merges list every partition's customers, then order them by id as the in-memory results do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any

import numpy as np

from ..results import CustomerSummary, LifecycleResult, RetentionMatrix, TableResult, ValueResult
from ..results.base import safe_ratio


def _total(arrays: Sequence[np.ndarray], what: str) -> np.ndarray:
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"partial {what} do not line up: shapes {sorted(shapes)} (partitions need the same axes)")
    return reduce(np.add, arrays)


def _same(values: Sequence[Any], what: str) -> Any:
    first = values[0]
    for v in values[1:]:
        if not np.array_equal(np.asarray(v), np.asarray(first)):
            raise ValueError(f"partial {what} differ between partitions: the axes were not agreed before the run")
    return first


def add_matrices(parts: Sequence[RetentionMatrix]) -> RetentionMatrix:
    """Cohort matrices: counts and sizes added; rates, averages and intervals computed
    again from the merged counts. Merged matrices merge again (a tree reduction); the
    merged matrix keeps no link to the partitions' logs:
    :meth:`~fidelite.RetentionMatrix.customers` is not available on it."""
    first = parts[0]
    return _matrix(
        first,
        counts=_total([p.counts for p in parts], "counts"),
        sizes=_total([p.sizes for p in parts], "sizes"),
        complete=_same([p.complete for p in parts], "completeness"),
        observed=_same([p.observed for p in parts], "observed cells"),
        cohorts=_same([p.cohorts for p in parts], "cohorts"),
        cohort_labels=first.cohort_labels,
    )


def present_cohorts(m: RetentionMatrix) -> RetentionMatrix:
    """The last step of a partitioned matrix: the partitions' axes run over the whole
    data's range; keep the cohorts from the first to the last one present (the in-memory
    definition), dropping empty cohorts at either end."""
    present = np.flatnonzero(m.sizes)
    if not len(present) or (present[0] == 0 and present[-1] == len(m.sizes) - 1):
        return m
    rows = slice(present[0], present[-1] + 1)
    return _matrix(
        m,
        counts=m.counts[rows],
        sizes=m.sizes[rows],
        complete=m.complete[rows],
        observed=m.observed[rows],
        cohorts=m.cohorts[rows],
        cohort_labels=m.cohort_labels[rows],
    )


def _matrix(like: RetentionMatrix, **arrays: Any) -> RetentionMatrix:
    return RetentionMatrix(
        **arrays,
        offsets=like.offsets,
        offset_labels=like.offset_labels,
        params=like.params,
        as_of=int(like.as_of.astype("datetime64[us]").astype(np.int64)),
        ci=like.ci_level,
        average=like.average_kind,
        segment=like.segment,
        segment_code=like.segment_code,
    )


def add_lifecycle(parts: Sequence[LifecycleResult]) -> LifecycleResult:
    """Lifecycle counts added per period; the quick ratio computed from the sums."""
    first = parts[0]
    counts = {
        name: _total([getattr(p, name) for p in parts], name) for name in ("new", "returning", "resurrected", "dormant")
    }
    periods = _same([p.periods for p in parts], "periods")
    return LifecycleResult(
        periods, first.labels, counts, _same([p.complete for p in parts], "completeness"), first.params
    )


def add_columns(*summed: str) -> Any:
    """A merge of tables whose rows are the same axis in every partition (days, periods):
    the ``summed`` columns added, every other column the same in all partitions."""

    def merge(parts: Sequence[TableResult]) -> TableResult:
        first = parts[0]
        cols = {
            name: _total([p[name] for p in parts], name) if name in summed else _same([p[name] for p in parts], name)
            for name in first
        }
        return TableResult(cols, title=first.title, value=first.value, reason=first.reason, meta=first.meta)

    merge.__doc__ = f"Tables added column by column ({', '.join(summed)}), the other columns shared."
    return merge


def by_id(columns: dict[str, np.ndarray], key: str = "customer_id") -> dict[str, np.ndarray]:
    """Per-customer columns concatenated from several partitions, in ascending id order
    (each id is in one partition, so the order is total)."""
    order = np.argsort(columns[key], kind="stable")
    return {name: values[order] for name, values in columns.items()}


def concat_summaries(parts: Sequence[CustomerSummary]) -> CustomerSummary:
    """Per-customer summaries: every partition's rows, in ascending id order."""
    first = parts[0]
    cols = by_id({name: np.concatenate([p[name] for p in parts]) for name in first})
    as_of = int(first.as_of.astype("datetime64[us]").astype(np.int64))
    reason = next((p.reason for p in parts if p.reason), None)
    return CustomerSummary(cols, as_of=as_of, params=first.meta, reason=reason)


def add_ratio(
    numerator: str,
    denominator: str,
    *,
    scale: float,
    summed: Sequence[str],
    shares: Mapping[str, tuple[str, Sequence[str]]] = {},
) -> Any:
    """A merge of headline ratios (:class:`~fidelite.ValueResult`): the ``summed`` parts
    added, the value ``numerator / denominator x scale`` computed from the sums (NaN with
    the partials' reason when the merged base is empty), each of ``shares`` (part name ->
    (numerator part, denominator parts)) a percentage of the sums; other parts are the
    same in every partition."""

    shares = dict(shares or {})

    def merge(parts: Sequence[ValueResult]) -> ValueResult:
        first = parts[0]
        p = {
            k: sum(x.parts[k] for x in parts) if k in summed else _same([x.parts[k] for x in parts], k)
            for k in first.parts
            if k not in shares
        }
        for name, (num, dens) in shares.items():
            p[name], _ = safe_ratio(p[num], sum(p[d] for d in dens), 100.0)
        value, empty = safe_ratio(p[numerator], p[denominator], scale)
        merged = {k: p[k] for k in first.parts}  # the partials' order of parts
        return ValueResult(
            value, title=first.title, unit=first.unit, parts=merged, reason=first.reason if empty else None
        )

    merge.__doc__ = f"{numerator} / {denominator} of the summed parts ({', '.join(summed)})."
    return merge
