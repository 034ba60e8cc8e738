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
