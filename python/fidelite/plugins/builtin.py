"""fidelite's own plugin: the built-in loyalty indices and the database loaders,
registered through the same hooks as any plugin.

Each compute function imports its metric when called, so that loading the plugins stays
cheap; the metrics themselves live in :mod:`fidelite.metrics` (docs/metrics.md defines
every one), the loaders' read functions in :mod:`fidelite.io.loaders`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..eventlog import EventLog
from .hookspecs import hookimpl
from .index import Index

#: Modules registered as plugins before any installed plugin (by module name): this one,
#: and the ``fidelite plugins`` command (:mod:`fidelite.plugins.listing`).
DEFAULT_PLUGINS = ("fidelite.plugins.builtin", "fidelite.plugins.listing")


def nps(surveys: Any, question: str = "recommend") -> Any:
    from ..metrics.surveys import nps

    return nps(surveys, question=question)


def loyalty_index(surveys: Any, questions: Sequence[str] = ("recommend", "buy_again", "try_new")) -> Any:
    from ..metrics.surveys import loyalty_index

    return loyalty_index(surveys, questions=questions)


def engagement(
    events: EventLog,
    window: Any = 90,
    key_events: str | Sequence[str] | None = None,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    population: str = "active",
    as_of: Any = None,
) -> Any:
    from ..metrics.engagement import engagement
    from ..results import TableResult

    t = engagement(events, window=window, key_events=key_events, weights=weights, population=population, as_of=as_of)
    cols = {("value" if k == "engagement" else k): v for k, v in t.columns.items()}
    return TableResult(cols, title=t.title, value=t.value, reason=t.reason, meta=t.meta)


def repeat_rate(events: EventLog, within: Any = None, purchase_event: str = "purchase", as_of: Any = None) -> Any:
    from ..metrics.purchases import repeat_rate

    return repeat_rate(events, within=within, purchase_event=purchase_event, as_of=as_of)


def upsell_rate(events: EventLog, purchase_event: str = "purchase", as_of: Any = None) -> Any:
    from ..metrics.purchases import upsell_rate

    return upsell_rate(events, purchase_event=purchase_event, as_of=as_of)


@hookimpl
def fidelite_register_indices(register: Any) -> None:
    register(
        Index(
            name="nps",
            compute=nps,
            inputs=("surveys",),
            level="overall",
            unit="points",
            range=(-100, 100),
            description="Net Promoter Score: % promoters (9-10) - % detractors (0-6) of the answers to "
            "'would you recommend us?'.",
        )
    )
    register(
        Index(
            name="loyalty_index",
            compute=loyalty_index,
            inputs=("surveys",),
            level="overall",
            unit="points",
            range=(-100, 100),
            description="Customer loyalty index: mean of the NPS-style net scores of the questions recommend, "
            "buy again and try new products.",
        )
    )
    register(
        Index(
            name="engagement",
            compute=engagement,
            inputs=("events",),
            level="customer",
            unit="score",
            range=(0, 100),
            description="Engagement per customer over the last 90 days: percentile ranks (0-100) of active days, "
            "time spent and key actions (purchases), combined by weights (equal by default).",
        )
    )
    register(
        Index(
            name="repeat_rate",
            compute=repeat_rate,
            inputs=("events",),
            level="overall",
            unit="%",
            range=(0, 100),
            description="Repeat-purchase rate: customers with two or more purchases / customers with one or more.",
        )
    )
    register(
        Index(
            name="upsell_rate",
            compute=upsell_rate,
            inputs=("events",),
            level="overall",
            unit="ratio",
            range=(0, None),
            description="Upsell rate: customers who bought two or more distinct products / customers who bought "
            "exactly one.",
        )
    )
    register(
        Index(
            name="health",
            compute=health,
            inputs=("events",),
            level="customer",
            unit="score",
            range=(0, 100),
            description="Customer health: weighted mean of the percentile ranks of recency (inverted), the purchase "
            "trend (last 90 days vs the 90 before), engagement and the latest NPS answer; missing parts dropped.",
        )
    )


#: The components of the health index, in the order of its weights.
HEALTH_COMPONENTS = ("recency", "trend", "engagement", "nps")


def health(
    events: EventLog,
    surveys: Any = None,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    period: Any = 90,
    question: str = "recommend",
    as_of: Any = None,
) -> Any:
    """Customer health 0-100: the weighted mean of four percentile ranks (0-100, ties
    averaged, as the engagement index ranks) among the customers with an event at or
    before ``as_of`` (default: the latest event):

    - ``recency``: days since the last event, inverted (the most recent ranks highest);
    - ``trend``: purchases in the last ``period`` (days, a timedelta or ``"90D"``) minus
      purchases in the ``period`` before it;
    - ``engagement``: the engagement index over the last ``period`` (active days, time
      spent when the log has a duration column, key actions = purchases), every customer
      counted (inactive ones score zeros); in a log without purchases the trend is
      missing and engagement has no key actions;
    - ``nps``: the customer's latest answer (0-10) to ``question`` at or before ``as_of``,
      ranked among the customers who answered (needs ``surveys``).

    ``weights``: a mapping by component or four numbers (default equal). A component a
    customer lacks (no answer, or no surveys table at all) is dropped from her mean and
    the other weights renormalised. Columns: customer_id, the raw components
    (recency_days, trend, engagement, nps_score), their ``*_pct`` ranks, ``value``.
    """
    import numpy as np

    from ..calendar import duration_us
    from ..exceptions import ParameterError
    from ..metrics.engagement import component_weights, percentile_ranks
    from ..metrics.engagement import engagement as engagement_index
    from ..metrics.surveys import answers
    from ..query import lacks_purchases, parse, purchase_mask
    from ..results import TableResult

    w = component_weights(weights, HEALTH_COMPONENTS, "health")
    q = parse(events, {}, as_of=as_of)
    log, end = q.log, q.as_of
    span = duration_us(period, "period")
    if span <= 0:
        raise ParameterError(f"period must be a positive duration, got {period!r}")
    layout = q.grouped()
    codes = layout.customer_of_event()
    seen = layout.ts <= end
    members = np.bincount(codes[seen], minlength=log.n_customers) > 0
    rows = log.codes_by_id(members)
    last = np.full(log.n_customers, np.iinfo(np.int64).min)
    np.maximum.at(last, codes[seen], layout.ts[seen])
    recency = (end - last[rows]) / 86_400_000_000
    no_purchases = lacks_purchases(log, "purchase") is not None  # an activity log: no trend, no key actions
    buy = np.zeros(len(codes), bool) if no_purchases else purchase_mask(log, "purchase")
    now = buy & (layout.ts > end - span) & seen
    before = buy & (layout.ts > end - 2 * span) & (layout.ts <= end - span)
    trend = (
        np.bincount(codes[now], minlength=log.n_customers) - np.bincount(codes[before], minlength=log.n_customers)
    )[rows]
    parts = {
        "recency": percentile_ranks(-recency),
        "trend": np.full(len(rows), np.nan) if no_purchases else percentile_ranks(trend.astype(np.float64)),
    }
    mix = {
        "frequency": 1.0,
        "duration": 1.0 if log.has("duration") else 0.0,
        "key_actions": 0.0 if no_purchases else 1.0,
    }
    e = engagement_index(
        log,
        window=span / 86_400_000_000,
        weights=mix,
        key_events=list(log.labels("event")) if no_purchases else None,
        population="all",
        as_of=np.datetime64(end, "us"),
    )
    score_of = dict(zip(e["customer_id"].tolist(), e["engagement"].tolist()))
    eng = np.array([score_of.get(i, np.nan) for i in log.customer_ids[rows].tolist()])
    parts["engagement"] = eng
    nps_score = np.full(len(rows), np.nan)
    if surveys is not None:
        a = answers(surveys, "health", (question,), tz=q.tz)
        keep = a.ts <= end
        if keep.any():
            cust, sc = a.customer[keep], a.scores[keep]
            latest = np.flatnonzero(np.append(cust[1:] != cust[:-1], True))  # sorted by customer, time
            code = log.codes_of(a.ids[cust[latest]], "surveys table")
            position = np.full(log.n_customers, -1)
            position[rows] = np.arange(len(rows))
            found = code >= 0
            at = position[code[found]]
            nps_score[at[at >= 0]] = sc[latest][found][at >= 0]
    answered = np.isfinite(nps_score)
    nps_pct = np.full(len(rows), np.nan)
    nps_pct[answered] = percentile_ranks(nps_score[answered])
    parts["nps"] = nps_pct
    stack = np.stack([parts[c] for c in HEALTH_COMPONENTS], axis=1)
    have = np.isfinite(stack)
    weight = np.where(have, w, 0.0)
    total = weight.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(total > 0, (np.nan_to_num(stack) * weight).sum(axis=1) / np.where(total > 0, total, 1), np.nan)
    cols = {
        "customer_id": log.customer_ids[rows],
        "recency_days": recency,
        "trend": trend,
        "engagement": eng,
        "nps_score": nps_score,
        **{f"{c}_pct": parts[c] for c in ("recency", "trend", "nps")},
        "value": value,
    }
    meta = {
        "weights": dict(zip(HEALTH_COMPONENTS, w.tolist())),
        "period_days": span / 86_400_000_000,
        "as_of": np.datetime64(end, "us"),
        "tz": q.tz,
    }
    return TableResult(cols, title="customer health", meta=meta)


@hookimpl
def fidelite_register_loaders(register: Any) -> None:
    from ..io import loaders

    register(
        "postgresql",
        loaders.read_postgresql,
        schemes=("postgresql", "postgres"),
        needs_query=True,
        description="PostgreSQL through ADBC (the sql extra): postgresql://user@host/db with query=.",
    )
    register(
        "sqlite",
        loaders.read_sqlite,
        schemes=("sqlite",),
        suffixes=(".sqlite", ".sqlite3", ".db"),
        needs_query=True,
        description="SQLite files through ADBC (the sql extra): sqlite:///path or a .sqlite file, with query=.",
    )
    register(
        "duckdb",
        loaders.read_duckdb,
        schemes=("duckdb",),
        suffixes=(".duckdb",),
        needs_query=True,
        description="DuckDB database files, opened read-only: duckdb:///path or a .duckdb file, with query=.",
    )
