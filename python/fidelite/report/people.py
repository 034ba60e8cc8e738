"""Sections about customers and indices: RFM segments, the at-risk list, the best
customers, and every registered loyalty index whose inputs are available."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import metrics, plugins
from ..results import style
from ..results.formatting import DASH, num, pct, value
from .model import (
    Block,
    Figure,
    ReportInputs,
    Skip,
    Table,
    Text,
    error_line,
    needs_column,
    needs_table,
    purchase_hint,
    skip_reason,
)
from .sections import describe_table

#: Customers listed in the best-customer and at-risk tables.
TOP = 10


def _rfm(inputs: ReportInputs, fn: Callable[..., Any]) -> list[Block]:
    r = fn(inputs.log, **inputs.kw(purchases=True))
    seg = r.segments
    rows = [
        [str(name), num(n), pct(share), num(rev)]
        for name, n, share, rev in zip(seg["segment"], seg["customers"], seg["share"], seg["revenue"])
    ]
    labels, counts = [str(v) for v in seg["segment"]], np.asarray(seg["customers"])

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        y = np.arange(len(labels))
        ax.barh(y, counts, color=style.PRIMARY)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel("customers")
        style.finish(ax)

    return [
        Table(
            ["segment", "customers", "share", "revenue"],
            rows,
            key="rfm-segments",
            caption=f"RFM segments of {num(len(r))} buyers",
            data=dict(seg.columns),
        ),
        Figure("rfm-segments", "Buyers per RFM segment", draw, (7.0, 3.5)),
    ]


def at_risk_rule(meta: dict[str, Any], period: str) -> str:
    """The at-risk rule in words, with its parameters and why the list depends on the period."""
    factor, lapse = meta.get("factor", 2.0), meta.get("lapse_after", 3)
    return (
        f"At risk: a buyer whose days since the last purchase exceed {factor:g} x their usual gap between purchases "
        f"(their median gap; the population's median for one-time buyers), and who is not lapsed: at least one event "
        f"in the last {lapse} {period}s (factor={factor:g}, lapse_after={lapse} periods). lapse_after counts "
        f"periods, so the list changes with --period: {lapse} months, weeks or quarters are different spans."
    )


def _at_risk(inputs: ReportInputs, fn: Callable[..., Any]) -> list[Block]:
    r = fn(inputs.log, **inputs.kw(purchases=True, period=True))
    cols = {k: r[k] for k in ("customer_id", "last_purchase", "days_since", "expected_gap_days", "revenue")}
    caption = (
        f"{num(len(r))} customers at risk of {num(r.meta.get('eligible', 0))} recent buyers "
        f"(no purchase for more than {r.meta.get('factor', 2):g} x their usual gap, an event in the last "
        f"{r.meta.get('lapse_after', 3)} {inputs.period}s), by revenue"
    )
    return [
        describe_table(cols, key="at-risk", caption=caption, max_rows=TOP, tz=inputs.tz),
        Text(at_risk_rule(r.meta, inputs.period)),
    ]


def _best(inputs: ReportInputs, fn: Callable[..., Any]) -> list[Block]:
    r = fn(inputs.log, n=TOP, **inputs.kw(purchases=True))
    cols = {k: r[k] for k in ("rank", "customer_id", "revenue", "n_purchases", "last_purchase", "recency_days")}
    return [describe_table(cols, key="best-customers", caption=f"best {len(r)} customers by net revenue", tz=inputs.tz)]


def _patterns(inputs: ReportInputs, fn: Callable[..., Any]) -> list[Block]:
    r = fn(inputs.log, **inputs.kw(period=True))
    rows = [[str(p), num(n), pct(share)] for p, n, share in zip(r["pattern"], r["customers"], r["share"])]
    caption = f"retention pattern of each customer (lapsed: no event in the last {r.meta.get('lapse_after', 3)} {inputs.period}s)"
    return [
        Table(["pattern", "customers", "share"], rows, caption=caption, key="retention-patterns", data=dict(r.columns))
    ]


def _churn_reasons(inputs: ReportInputs, fn: Callable[..., Any]) -> list[Block]:
    r = fn(inputs.customers)
    rows = [
        [str(why), num(n), pct(share), "yes" if c else "no"]
        for why, n, share, c in zip(r["reason"], r["customers"], r["share"], r["controllable"])
    ]
    caption = f"reasons given by {num(r.meta.get('churned', 0))} churned customers; controllable share {pct(r.value)}"
    return [Table(["reason", "customers", "share", "controllable"], rows, caption=caption, key="churn-reasons")]


#: The parts of the customers section: (function of fidelite, needs an amount column,
#: optional tables it needs, builder).
CUSTOMER_PARTS: list[tuple[str, bool, tuple[str, ...], Callable[[ReportInputs, Callable[..., Any]], list[Block]]]] = [
    ("rfm", True, (), _rfm),
    ("at_risk", False, (), _at_risk),
    ("best_customers", True, (), _best),
    ("retention_patterns", False, (), _patterns),
    ("churn_reasons", False, ("customers",), _churn_reasons),
]


def customers_section(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    blocks: list[Block] = []
    notes: list[str] = []
    errors: list[Exception] = []
    for name, needs_amount, tables, build in CUSTOMER_PARTS:
        fn = getattr(metrics, name, None)
        if fn is None:
            continue
        label = name.replace("_", " ")
        if needs_amount and not inputs.log.has("amount"):
            notes.append(f"{label}: skipped, {needs_column('amount')}.")
            continue
        missing = [t for t in tables if getattr(inputs, t) is None]
        if missing:
            notes.append(f"{label}: skipped, {needs_table(*missing)}.")
            continue
        try:
            blocks += build(inputs, fn)
        except Exception as e:  # one failing part must not hide the others
            why = skip_reason(e)
            if why is not None:
                notes.append(f"{label}: skipped, {why}.")
                continue
            errors.append(e)
            notes.append(f"{label} failed: {error_line(e)}")
    if not blocks:
        if errors:
            raise errors[0]
        raise Skip(f"{needs_column('amount')} for RFM segments and best customers")
    notes.append("Revenue is net (purchases plus refunds) and recency is measured at as_of.")
    return blocks, purchase_hint(notes)


# ---------------------------------------------------------------- 6. loyalty indices


def _shown(result: Any) -> str:
    """One cell for an index result: the number, or a summary of its table."""
    unit = result.info.unit
    if result.columns is None:
        return DASH if result.value is None or np.isnan(result.value) else value(result.value, unit)
    v = np.asarray(result["value"], float)
    ok = v[~np.isnan(v)]
    level = result.info.level
    if not len(ok):
        return DASH
    if level == "period":
        key = result.columns.get("period")
        last = "" if key is None else f" ({key[~np.isnan(v)][-1]})"
        return f"latest {value(ok[-1], unit)}{last}"
    return f"median {value(float(np.median(ok)), unit)} over {num(len(ok))} {level}s"


def _index_note(result: Any) -> str:
    notes = []
    if result.reason:
        notes.append(str(result.reason))
    report = getattr(result.raw, "report", None)
    rejected = int(getattr(report, "n_rejected", 0) or 0)
    if rejected:
        notes.append(f"{num(rejected)} input rows rejected")
    return "; ".join(notes)


def index_outcomes(inputs: ReportInputs) -> list[tuple[Any, Any]]:
    """``(info, result or exception)`` for every index whose input tables were given,
    in registry order: the one place the report computes indices (a per-index time budget
    goes here)."""
    tables = inputs.tables()
    out: list[tuple[Any, Any]] = []
    for info in plugins.available_indices(set(tables)):
        params = {k: v for k, v in inputs.kw(purchases=True).items() if k in info.parameters}
        try:
            tabled = {t: tables[t] for t in info.inputs}
            out.append((info, plugins.compute_index(info.name, **tabled, timeout=inputs.index_timeout, **params)))
        except Exception as e:  # each failing index shows its error; the others still render
            out.append((info, e))
    return out


def indices_section(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    tables = inputs.tables()
    everything = plugins.indices()
    rows: list[list[str]] = []
    notes: list[str] = []
    skipped: list[str] = []
    failed = 0
    outcomes = index_outcomes(inputs)
    for info, outcome in outcomes:
        provider = f"{info.package} {info.version}".strip()
        if isinstance(outcome, BaseException):
            why = skip_reason(outcome)
            if why is not None:
                skipped.append(f"{info.name}: skipped, {why}.")
                continue
            failed += 1
            shown = "timed out" if isinstance(outcome, TimeoutError) else "error"
            rows.append([info.name, shown, info.level, provider, "see below"])
            notes.append(f"{info.name} failed: {error_line(outcome)}")
            continue
        rows.append([info.name, _shown(outcome), info.level, provider, _index_note(outcome)])
    computed = {info.name for info, _ in outcomes}
    for i in everything:
        if i.name not in computed:
            missing = [t for t in i.inputs if t not in tables]
            skipped.append(f"{i.name}: skipped, {needs_table(*missing)}.")
    notes += skipped
    for problem in getattr(everything, "problems", []):
        notes.append(f"broken plugin, left out: {problem}")
    if not rows and not skipped:
        raise Skip("needs at least one registered loyalty index (fidelite indices lists them)")
    total = len(rows) + len(skipped)
    summary = f"{total} indices: {len(rows) - failed} computed, {len(skipped)} skipped (inputs absent)" + (
        f", {failed} failed" if failed else ""
    )
    blocks: list[Block] = [Text(summary)]
    if rows:
        columns = ["index", "value", "level", "provider", "note"]
        if not any(r[-1] for r in rows):
            columns, rows = columns[:-1], [r[:-1] for r in rows]
        blocks.append(Table(columns, rows, caption=f"indices of the tables given ({', '.join(tables)})", key="indices"))
    return blocks, notes
