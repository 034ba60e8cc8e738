"""The metrics, one module per family; no metric module imports another (what they
share lives in :mod:`fidelite.query`). docs/metrics.md defines every one of them.

Registering a metric is one line here: import it and list it in ``__all__``; the package
then exports it (``fidelite.<name>``) and the API reference documents it, and its results
carry the dataframe library of its input (``result.to_native()``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from .. import frames
from ..eventlog import EventLog
from ..exceptions import EmptyInputError, ParameterError
from ..query import Query, segments
from ..results import Result
from ..results.segmented import SegmentedResult
from ..scale.hook import partitioned_input
from .activity import active_customers, period_kpis, rolling_active
from .crm import campaigns
from .customers import activation, churn_reasons, completeness
from .engagement import engagement, engagement_over_time
from .lifecycle import lifecycle
from .predict import clv_summary, predicted_clv
from .programme import near_next_tier, programme_impact, programme_kpis, programme_points, tier_migration
from .purchases import clv, repeat_rate, upsell_rate
from .retention import retention
from .states import at_risk, best_customers, retention_patterns, rfm
from .stickiness import stickiness
from .subscriptions import revenue_retention
from .summary import customer_summary
from .surveys import loyalty_index, loyalty_index_over_time, nps, nps_behaviour, nps_over_time, nps_transitions
from .survival import survival


def native(metric: Callable[..., Any]) -> Callable[..., Any]:
    """``metric`` whose result carries the dataframe library of its data (its first
    argument): what :meth:`~fidelite.results.Result.to_native` gives back."""
    first = next(iter(inspect.signature(metric).parameters))

    @functools.wraps(metric)
    def call(*args: Any, **kwargs: Any) -> Any:
        result = metric(*args, **kwargs)
        if isinstance(result, Result):
            data = args[0] if args else kwargs.get(first)
            log = data.log if isinstance(data, Query) else data
            result.carry(log.native_backend if isinstance(log, EventLog) else frames.backend_of(log))
        return result

    return call


def segmentable(metric: Callable[..., Any]) -> Callable[..., Any]:
    """``metric``, also taking ``segment=`` (attribute names) and ``bins=`` (numeric
    attributes binned), and ``customers=`` (the table holding the attributes) when it does
    not take it already: then it runs once per segment, on that segment's customers alone
    (:func:`fidelite.query.segments.split_call`), and returns a
    :class:`~fidelite.results.SegmentedResult`. A segment the metric cannot compute
    (no event, no purchase among its events...) is listed in ``skipped`` with the error's
    message; when no segment can be computed, the first error is raised. A metric with its own ``segment``
    parameter segments itself (``retention``: one pass, shared axes) and is returned as is.
    docs/segments.md says what each metric means per segment."""
    signature = inspect.signature(metric)
    if "segment" in signature.parameters:
        return metric

    @functools.wraps(metric)
    def call(*args: Any, segment: Any = None, bins: Any = None, **kwargs: Any) -> Any:
        if segment is None and bins is None:
            return metric(*args, **kwargs)
        split = segments.split_call(metric, args, kwargs, segment, bins)
        results, skipped, failed = {}, dict(split.skipped), []
        for key, (a, kw) in split.calls.items():
            try:
                results[key] = metric(*a, **kw)
            except (EmptyInputError, ParameterError) as e:  # nothing to compute on in this segment
                skipped[key] = str(e)
                failed.append(e)
        if failed and not results:  # the call itself is wrong, not one segment's data
            raise failed[0]
        return SegmentedResult(
            split.segmentation.attributes,
            results,
            customers=split.customers,
            skipped=skipped,
            edges=split.segmentation.edges,
            metric=metric.__name__,
            report=split.report,
        )

    params = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    added = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None) for n in ("segment", "bins")]
    if "customers" not in signature.parameters:
        added.append(inspect.Parameter("customers", inspect.Parameter.KEYWORD_ONLY, default=None))
    rest = [p for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD]
    call.__signature__ = signature.replace(parameters=[*params, *added, *rest])  # type: ignore[attr-defined]
    return call


__all__ = [
    "activation",
    "active_customers",
    "at_risk",
    "best_customers",
    "campaigns",
    "churn_reasons",
    "clv",
    "clv_summary",
    "completeness",
    "customer_summary",
    "predicted_clv",
    "engagement",
    "engagement_over_time",
    "lifecycle",
    "near_next_tier",
    "programme_impact",
    "programme_kpis",
    "programme_points",
    "tier_migration",
    "loyalty_index",
    "loyalty_index_over_time",
    "nps",
    "nps_behaviour",
    "nps_over_time",
    "nps_transitions",
    "period_kpis",
    "repeat_rate",
    "retention",
    "retention_patterns",
    "revenue_retention",
    "rfm",
    "rolling_active",
    "stickiness",
    "survival",
    "upsell_rate",
]
# every registered metric, so that a new one cannot forget it: its result carries the
# dataframe library of its input, and it also takes a Dask DataFrame or a Parquet dataset
# as its data (the one hook of fidelite.scale; dask is imported only when given one)
# (and segment= / bins= on each: one result per segment, docs/segments.md)
globals().update({_name: partitioned_input(native(segmentable(globals()[_name]))) for _name in __all__})
