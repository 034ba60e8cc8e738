"""The merges a metric declares (:mod:`.registry`): partial results, in partition order,
into the result of the whole data.

Additive merges add counts cell by cell, in partition order: integer counts are exact;
float sums (revenue) add the partitions' sums, so they can differ from the in-memory sum
in the last bits (the in-memory kernels add per piece of 4096 customers). Concatenating
merges list every partition's customers, then order them by id as the in-memory results do.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
        return _table(first, cols)

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


def _nan_ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``num / den * scale`` per cell, NaN where ``den`` is 0 (as the metrics compute it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1) * scale, np.nan)


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts * (100.0 / total) if total else np.full(len(counts), np.nan)


def _table(like: TableResult, cols: dict[str, Any], **changes: Any) -> TableResult:
    """A table like ``like`` (its class and what that class adds, such as a
    :class:`~fidelite.results.series.PeriodSeries`' plotted series; title, value, reason,
    meta, units) with ``cols``."""
    keep = dict(title=like.title, value=like.value, reason=like.reason, meta=like.meta, units=like.units)
    out = copy.copy(like)
    TableResult.__init__(out, cols, **{**keep, **changes})
    return out


def concat_tables(parts: Sequence[TableResult], key: str = "customer_id") -> TableResult:
    """Per-customer tables: every partition's rows, in ascending ``key`` order."""
    first = parts[0]
    return _table(first, by_id({name: np.concatenate([p[name] for p in parts]) for name in first}, key))


def _reasons(parts: Sequence[Any], empty: bool, prefix: str = "empty base") -> str | None:
    """The partials' reasons (``"; "``-joined notes), the empty-base note kept only when
    the merged base is empty somewhere (``empty``): it holds in every partial then."""
    notes: list[str] = []
    for p in parts:
        for note in (p.reason or "").split("; "):
            if note and note not in notes and (empty or not note.startswith(prefix)):
                notes.append(note)
    return "; ".join(notes) or None


_KPI_COUNTS = ("active_start", "active_end", "new", "kept", "lost", "gained", "customers_start", "net_result")


def add_period_kpis(parts: Sequence[TableResult]) -> TableResult:
    """:func:`~fidelite.period_kpis`: the counts, revenue and orders added per period; the
    rates computed again from the sums."""
    first = parts[0]
    summed = {*_KPI_COUNTS, "active", "revenue", "orders"}
    rates = {"retention_rate", "kept_rate", "churn_rate", "revenue_per_active", "orders_per_active"}
    cols = {
        name: _total([p[name] for p in parts], name)
        if name in summed
        else first[name]
        if name in rates  # computed below
        else _same([p[name] for p in parts], name)
        for name in first
    }
    s, e, new, kept = (cols[k] for k in ("active_start", "active_end", "new", "kept"))
    cols["retention_rate"] = _nan_ratio(e - new, s, 100.0)
    cols["kept_rate"] = _nan_ratio(kept, s, 100.0)
    cols["churn_rate"] = _nan_ratio(cols["lost"], cols.get("customers_start", s), 100.0)
    cols["revenue_per_active"] = _nan_ratio(cols["revenue"], cols["active"])
    cols["orders_per_active"] = _nan_ratio(cols["orders"], cols["active"])
    return _table(first, cols, reason=_reasons(parts, bool((s == 0).any())))


def concat_patterns(parts: Sequence[Any]) -> Any:
    """:func:`~fidelite.retention_patterns`: customers per pattern added, shares from the
    sums; the per-customer table concatenated in id order."""
    from ..results.customers import PatternResult

    first = parts[0]
    counts = _total([p["customers"] for p in parts], "customers")
    seen = [p for p in parts if p.reason is None]
    return PatternResult(
        {"pattern": first["pattern"], "customers": counts, "share": _shares(counts)},
        per_customer=concat_tables([p.per_customer for p in parts]),
        meta=first.meta,
        reason=None if seen else first.reason,
    )


def concat_clv_summaries(parts: Sequence[Any]) -> Any:
    """:func:`~fidelite.clv_summary`: the customers' rows concatenated in id order, the
    customers left out added per reason. The merged summary holds no tracking data (the
    purchases per period come from the events, which stay in the partitions)."""
    from ..results.predict import ClvSummary

    first = parts[0]
    meta = dict(first.meta)
    meta["left_out"] = {why: sum(p.meta["left_out"][why] for p in parts) for why in first.meta["left_out"]}
    cols = by_id({name: np.concatenate([p[name] for p in parts]) for name in first})
    return ClvSummary(cols, meta=meta, reason=first.reason)


def top_customers(parts: Sequence[TableResult]) -> TableResult:
    """:func:`~fidelite.best_customers`: the top ``n`` of the partitions' top ``n`` (each
    customer's revenue is whole in its partition, so the top of the union is the top of
    all), by revenue then ascending id; ``n`` rides in ``meta`` (see
    :func:`.registry.with_n`)."""
    first = parts[0]
    cols = by_id({name: np.concatenate([p[name] for p in parts]) for name in first})
    order = np.argsort(-cols["revenue"], kind="stable")[: first.meta["n"]]
    cols = {name: values[order] for name, values in cols.items()}
    cols["rank"] = np.arange(1, len(order) + 1)
    return _table(first, cols)


def _latest_complete(values: np.ndarray, complete: np.ndarray) -> float:
    """The value of the latest complete period where it is not NaN (NaN if none)."""
    done = np.flatnonzero(complete & ~np.isnan(values))
    return float(values[done[-1]]) if len(done) else float("nan")


def add_stickiness(parts: Sequence[Any]) -> Any:
    """:func:`~fidelite.stickiness`: the active customers of every period and unit added
    (a unit's count is the mean over its period times its units, a whole number), the
    histogram's customers added; the means, ratios and shares computed again."""
    from ..results.activity import StickinessResult

    first = parts[0]
    units = _same([p["units"] for p in parts], "units")
    active = _total([p["active"] for p in parts], "active")
    unit_active = _total([np.rint(np.nan_to_num(p["mean_short_active"]) * units) for p in parts], "unit active")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(units > 0, unit_active / np.maximum(units, 1), np.nan)
        ratio = np.where((units > 0) & (active > 0), mean / np.maximum(active, 1) * 100.0, np.nan)
    cols = {**first.columns, "active": active, "mean_short_active": mean, "stickiness": ratio}
    h = first.histogram
    customers = _total([p.histogram["customers"] for p in parts], "histogram")
    per_row = active[np.searchsorted(first["period"], h["period"])]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(per_row > 0, customers / np.maximum(per_row, 1) * 100.0, np.nan)
    histogram = _table(h, {**h.columns, "customers": customers, "share": share})
    value = _latest_complete(ratio, cols["complete"])
    return StickinessResult(
        cols, histogram=histogram, value=value, reason=first.reason if np.isnan(value) else None, meta=first.meta
    )


def add_engagement_over_time(parts: Sequence[TableResult]) -> TableResult:
    """:func:`~fidelite.engagement_over_time`: per period, the active customers and the
    sums of their components added (a mean times the active count is the period's sum),
    the means computed again. Every partial runs to the period of ``as_of`` from its own
    first event's period, so they line up at the end: the longest one is the axis."""
    axis = max(parts, key=len)
    n = len(axis)
    active = np.zeros(n, np.int64)
    sums = {name: np.zeros(n) for name in ("active_days", "duration", "key_actions")}
    for p in parts:
        if not np.array_equal(p["period"], axis["period"][n - len(p) :]):
            raise ValueError("partial periods do not line up: the partitions need the same as_of")
        rows = slice(n - len(p), n)
        active[rows] += p["active"]
        for name, total in sums.items():
            part = np.nan_to_num(p[name]) * p["active"]
            total[rows] += part if name == "duration" else np.rint(part)
    if all(np.isnan(p["duration"]).all() for p in parts):
        sums["duration"][:] = np.nan  # no duration column
    cols = {"period": axis["period"], "active": active}
    cols.update(
        {name: np.where(active > 0, total / np.where(active > 0, active, 1), np.nan) for name, total in sums.items()}
    )
    cols["complete"] = axis["complete"]
    done = np.flatnonzero(cols["complete"] & (active > 0))
    value = float(cols["active_days"][done[-1]]) if len(done) else float("nan")
    return _table(axis, cols, value=value, reason=None if len(done) else axis.reason)


@dataclass
class Gathered:
    """One partition's share of a metric whose last step needs the whole population
    (ranks, quintiles, medians, model fits): its customers' ``rows`` (one per customer,
    with a ``customer_id`` column; or one per answer, ... with another ``key``), its ``counts`` (added across partitions) and what is
    ``same`` in every partition (the parameters, ``as_of``, meta). The metric's module
    declares how a partition's ``Gathered`` is made and how the merged one is finished
    (:func:`fidelite.scale.registry.declare`)."""

    rows: dict[str, np.ndarray] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    same: dict[str, Any] = field(default_factory=dict)
    #: The column the merged rows are ordered by (unique across partitions).
    key: str = "customer_id"


def gather_rows(parts: Sequence[Gathered]) -> Gathered:
    """Partitions' :class:`Gathered` into one: the rows concatenated in ascending ``key``
    order (each customer is in one partition, so the order is total, the same as in
    memory's ``codes_by_id``), the counts added in partition order, the rest from the first."""
    first = parts[0]
    rows = first.rows
    if first.rows:
        rows = by_id({name: np.concatenate([p.rows[name] for p in parts]) for name in first.rows}, first.key)
    counts = {name: sum((p.counts[name] for p in parts[1:]), start=first.counts[name]) for name in first.counts}
    return Gathered(rows, counts, first.same, first.key)
