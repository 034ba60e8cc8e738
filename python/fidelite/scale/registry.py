"""How each public metric runs on partitions of the customers: one declaration per metric,
grouped by metric module, keyed by the metric's public name.

A declaration names the partial (by default the metric itself, run on one partition's
query) and the merge (:mod:`.merges`). ``tests/test_scale.py`` runs every public metric of
``fidelite.__all__`` partitioned and in memory and compares them: a metric with no
declaration here fails it (unless it is on that test's visible list of metrics still to
declare).

A metric whose partial and last step need its own internals (the per-customer step and
the population-wide step of ``rfm``, ``at_risk``, ``survival``, ``predicted_clv``...)
declares itself from its module (layers import downward: ``scale`` never imports
``metrics``): decorated by :func:`in_steps` (or :func:`in_two_passes`, for
``programme_impact``), its public function is its one signature and its partition step
(rows and counts, :class:`.merges.Gathered`, finished once after the merge); or with
:func:`declare` and :func:`per_customer`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ParamSpec, TypeVar

from ..exceptions import FideliteError
from ..query import Query
from . import merges

P = ParamSpec("P")
R = TypeVar("R")


class NotPartitionedError(FideliteError, NotImplementedError):
    """The metric has no declared partial and merge yet: it runs in memory only."""


def as_merged(result: Any) -> Any:
    """The default last step: the merged result as it is."""
    return result


def on_partition(metric: Callable[..., Any], query: Query, kwargs: dict[str, Any]) -> Any:
    """The default partial: the metric itself on one partition's query."""
    return metric(query, **kwargs)


@dataclass(frozen=True)
class Declaration:
    """How a metric runs partitioned: ``partial(metric, query, kwargs)`` on each
    partition's query, ``merge(partials)`` (in partition order; merged results merge
    again, for a tree reduction), then ``finish(merged)``: the population-wide steps
    (ranks, quintiles, fits, trimming the axes to the data) on the whole result."""

    merge: Callable[[Sequence[Any]], Any]
    partial: Callable[[Callable[..., Any], Query, dict[str, Any]], Any] = on_partition
    finish: Callable[..., Any] = as_merged  # (prior, merged) in a pass after a first pass
    #: The metric's data is a side table (surveys, programme, customers, subscriptions),
    #: not events: partitioned input is gathered whole (:func:`gathered`) and the metric
    #: runs once on it. Memory: the side table's rows (one or a few per customer).
    gather: bool = False
    #: A first pass over the partitions, for a metric whose partials need something of
    #: the whole population (``programme_impact``: every member's join day and features,
    #: to match them against each partition's non-members). Its merged, finished result
    #: (the "prior") reaches this pass as the first argument of its share (a
    #: :class:`Then`) and of its ``finish``: :meth:`given`, :func:`evaluate`.
    first: Declaration | None = None

    def __call__(self, partials: Sequence[Any]) -> Any:
        """The result of the whole data from every partition's partial."""
        return self.finish(self.merge(partials))

    def given(self, prior: Any) -> Declaration:
        """This pass once its first pass is done: ``prior`` bound as the first argument of
        its share and of its last step."""
        if not isinstance(self.partial, Then):
            raise TypeError("a pass after a first pass takes its prior through a Then partial")
        return replace(
            self,
            partial=replace(self.partial, prior=(prior,)),
            finish=functools.partial(self.finish, prior),
            first=None,
        )


def evaluate(declaration: Declaration, one_pass: Callable[[Declaration], Any]) -> Any:
    """A declared metric over the partitions: ``one_pass(d)`` runs ``d``'s partial on every
    partition and merges them (in partition order; each backend its own way); the first
    pass, if any, runs before, its finished result given to the next (:meth:`Declaration.given`)."""
    if declaration.first is not None:
        declaration = declaration.given(evaluate(declaration.first, one_pass))
    return declaration.finish(one_pass(declaration))


def with_n(metric: Callable[..., Any], query: Query, kwargs: dict[str, Any]) -> Any:
    """The partial of a top-``n`` table: the metric on the partition, ``n`` noted in its
    ``meta`` for the merge (:func:`.merges.top_customers`)."""
    result = metric(query, **kwargs)
    result.meta["n"] = int(kwargs.get("n", inspect.signature(metric).parameters["n"].default))
    return result


def without_n(result: Any) -> Any:
    """The last step of a top-``n`` table: the ``n`` noted for the merge taken off."""
    del result.meta["n"]
    return result


def gathered() -> Declaration:
    """The declaration of a metric over a side table: the partitions concatenated, then
    the metric once on the whole table (its merge is never called)."""
    return Declaration(merge=_no_merge, gather=True)


@dataclass(frozen=True)
class Share:
    """The partial of a metric finished once on the whole population: ``share(query,
    **kwargs)`` gives the partition's share (a :class:`~.merges.Gathered`: its customers'
    rows and counts; or a per-customer table), validating ``kwargs`` as the metric does."""

    share: Callable[..., Any]

    def __call__(self, metric: Callable[..., Any], query: Query, kwargs: dict[str, Any]) -> Any:
        return self.share(query, **kwargs)


def read_step(metric: Callable[..., Any], query: Query, kwargs: dict[str, Any]) -> Any:
    """The partial of a metric written in steps (:func:`in_steps`): its first step, the
    function under its decorators (the metric's one signature: it reads and checks the
    arguments), on the partition's query."""
    return inspect.unwrap(metric)(query, **kwargs)


def beside_events(metric: Callable[..., Any], query: Query, kwargs: dict[str, Any]) -> Any:
    """:func:`read_step` of a metric over a side table and the events (``campaigns``,
    ``activation``): the side table (its first parameter, given by name) whole, the
    events the partition's."""
    step = inspect.unwrap(metric)
    rest = dict(kwargs)
    table = rest.pop(next(iter(inspect.signature(step).parameters)), None)
    return step(table, events=query, **rest)


@dataclass(frozen=True)
class Then:
    """The partial of a metric read in a first step (:func:`read_step`), then shared by
    ``share(inputs)``; after a first pass, ``share(prior, inputs)`` (``prior`` bound by
    :meth:`Declaration.given`)."""

    share: Callable[..., Any]
    prior: tuple[Any, ...] = ()

    def __call__(self, metric: Callable[..., Any], query: Query, kwargs: dict[str, Any]) -> Any:
        return self.share(*self.prior, read_step(metric, query, kwargs))


def in_steps(
    finish: Callable[[Any], R], *, partial: Callable[[Callable[..., Any], Query, dict[str, Any]], Any] = read_step
) -> Callable[[Callable[P, merges.Gathered]], Callable[P, R]]:
    """Decorator of a metric whose last step needs every customer: the decorated function
    is its one signature and docstring, reads and checks the arguments and gives the
    customers' rows and counts (:class:`~.merges.Gathered`), on the whole data or on a
    partition's query (``partial``); the metric is ``finish`` of it. Declared
    :func:`per_customer`: partitioned, the partitions' rows are merged, then finished
    once."""

    def wrap(step: Callable[P, merges.Gathered]) -> Callable[P, R]:
        @functools.wraps(step)
        def metric(*args: P.args, **kwargs: P.kwargs) -> R:
            return finish(step(*args, **kwargs))

        _returns(metric, finish)
        declare(metric, Declaration(merges.gather_rows, partial=partial, finish=finish))
        return metric

    return wrap


def in_two_passes(
    first: Callable[[Any], merges.Gathered],
    prior: Callable[[merges.Gathered], Any],
    share: Callable[[Any, Any], merges.Gathered],
    finish: Callable[[Any, merges.Gathered], R],
) -> Callable[[Callable[P, Any]], Callable[P, R]]:
    """Decorator of a metric whose partials need something of the whole population: the
    decorated function is its one signature and docstring and reads and checks the
    arguments into its inputs (on the whole data or on a partition's query); then
    ``first(inputs)`` gives a partition's rows, merged and made into the ``prior`` once
    (``prior(rows)``), then ``share(prior, inputs)`` gives each partition's rows, merged
    and finished (``finish(prior, rows)``). In memory: the same steps on one partition,
    the arguments read once."""

    def wrap(read: Callable[P, Any]) -> Callable[P, R]:
        @functools.wraps(read)
        def metric(*args: P.args, **kwargs: P.kwargs) -> R:
            inputs = read(*args, **kwargs)
            known = prior(merges.gather_rows([first(inputs)]))
            return finish(known, merges.gather_rows([share(known, inputs)]))

        _returns(metric, finish)
        before = Declaration(merges.gather_rows, partial=Then(first), finish=prior)
        declare(metric, Declaration(merges.gather_rows, partial=Then(share), finish=finish, first=before))
        return metric

    return wrap


def _returns(metric: Callable[..., Any], finish: Callable[..., Any]) -> None:
    """The signature of a metric written in steps: its first step's, returning what its
    last step returns."""
    returns = inspect.signature(finish).return_annotation
    metric.__signature__ = inspect.signature(metric).replace(return_annotation=returns)  # type: ignore[attr-defined]
    metric.__annotations__ = {**metric.__annotations__, "return": returns}


def per_customer(share: Callable[..., merges.Gathered], finish: Callable[[merges.Gathered], Any]) -> Declaration:
    """The declaration of a metric whose last step needs every customer (ranks,
    quintiles, medians, a model fit): each partition's rows and counts (``share``),
    concatenated in id order and added (:func:`.merges.gather_rows`), then ``finish`` once
    on the merged rows. Memory: the per-customer rows of the whole population."""
    return Declaration(merges.gather_rows, partial=Share(share), finish=finish)


def declare(metric: Callable[..., Any], declaration: Declaration) -> None:
    """Register ``metric``'s declaration, from the metric's own module (its partial and
    last step use the metric's internals; ``scale`` never imports ``metrics``)."""
    DECLARATIONS[metric.__name__] = declaration


def _no_merge(parts: Sequence[Any]) -> Any:
    raise TypeError("a gathered metric runs once on the whole table: it has no partials to merge")


DECLARATIONS: dict[str, Declaration] = {
    # metrics/retention.py
    "retention": Declaration(merges.add_matrices, finish=merges.present_cohorts),
    # metrics/lifecycle.py
    "lifecycle": Declaration(merges.add_lifecycle),
    # metrics/activity.py
    "active_customers": Declaration(merges.add_columns("active")),
    "rolling_active": Declaration(merges.add_columns("active")),
    # metrics/purchases.py
    "repeat_rate": Declaration(merges.add_ratio("repeaters", "buyers", scale=100.0, summed=("buyers", "repeaters"))),
    "upsell_rate": Declaration(
        merges.add_ratio(
            "multi_product",
            "single_product",
            scale=1.0,
            summed=("multi_product", "single_product", "no_product"),
            shares={"share": ("multi_product", ("multi_product", "single_product"))},
        )
    ),
    "period_kpis": Declaration(merges.add_period_kpis),
    # metrics/stickiness.py
    "stickiness": Declaration(merges.add_stickiness),
    # metrics/engagement.py (engagement: declared there, per customer then ranked)
    "engagement_over_time": Declaration(merges.add_engagement_over_time),
    # metrics/states.py
    "retention_patterns": Declaration(merges.concat_patterns),
    "best_customers": Declaration(merges.top_customers, partial=with_n, finish=without_n),
    # metrics/predict.py
    "clv_summary": Declaration(merges.concat_clv_summaries),
    # metrics/summary.py
    "customer_summary": Declaration(merges.concat_summaries),
    # side tables, gathered: metrics/surveys.py
    "nps": gathered(),
    "nps_over_time": gathered(),
    "nps_transitions": gathered(),
    "loyalty_index": gathered(),
    "loyalty_index_over_time": gathered(),
    # metrics/customers.py (without events)
    "churn_reasons": gathered(),
    "completeness": gathered(),
    # metrics/programme.py (the programme table alone)
    "programme_points": gathered(),
    "tier_migration": gathered(),
    "near_next_tier": gathered(),
    # metrics/subscriptions.py
    "revenue_retention": gathered(),
}


def declaration_of(metric: Callable[..., Any]) -> Declaration:
    """The declaration of a public metric, or :class:`NotPartitionedError` saying it has none."""
    name = getattr(metric, "__name__", repr(metric))
    try:
        return DECLARATIONS[name]
    except KeyError:
        raise NotPartitionedError(
            f"{name}() does not run on partitioned data yet (no partial and merge declared in "
            "fidelite.scale.registry): load the data in memory, e.g. fidelite.EventLog(path)"
        ) from None
