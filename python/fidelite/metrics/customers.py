"""Customer-base metrics (docs/metrics.md, "Customer base and CRM" and "Customer states"):
activation rate and time-to-value, completeness of the customers table, churn reasons."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import io
from ..calendar import duration_us
from ..exceptions import MissingTableError
from ..io import US_PER_DAY, KeyedTable
from ..query import check_keywords, keywords, parse, purchase_mask, resolve_as_of
from ..results.base import TableResult, safe_ratio
from ..results.customers import ActivationResult
from ..scale.merges import Gathered
from ..scale.registry import beside_events, in_steps

NULL_CREATED = "null created date"
BAD_CREATED = "unparseable created date (expected ISO 8601)"
#: The six churn reasons (docs/metrics.md, "Customer base"), then "other".
CHURN_REASONS = (
    "context change",
    "no problem/solution fit",
    "problem/solution misalignment",
    "quality",
    "customer experience",
    "weak activation",
    "other",
)
#: The reasons a company controls (the last three of the six).
CONTROLLABLE = ("quality", "customer experience", "weak activation")
_I64_MAX = np.iinfo(np.int64).max


def _table(customers: Any, metric: str, needs: str) -> io.Table:
    if customers is None:
        raise MissingTableError(f"{metric} needs the customers table: pass a table with {needs}")
    return io.read_table(customers, what="customers table")


# ----------------------------------------------------------------------------- activation


def _activation_rates(firsts: Gathered) -> ActivationResult:
    """The population-wide step of :func:`activation`: the base, the rate, the medians."""
    ids, signed, end, span, report = (firsts.same[k] for k in ("ids", "created", "end", "span", "report"))
    at = np.searchsorted(ids, firsts.rows["customer_id"])  # both in ascending id order
    # per prospect (ascending id)
    buy = np.full(len(ids), _I64_MAX)
    buy[at] = firsts.rows["buy"]
    val = np.full(len(ids), _I64_MAX)
    val[at] = firsts.rows["value"]
    base = signed <= end
    parts: dict[str, Any] = {}
    limit = np.full(len(ids), end)
    if span is not None:
        mature = signed <= end - span
        parts["not_mature"] = int((base & ~mature).sum())
        base &= mature
        limit = np.minimum(end, signed + span)
    activated = base & (buy <= limit)
    has_value = base & (val <= limit)
    days = (val[has_value] - signed[has_value]) / US_PER_DAY
    rate, reason = safe_ratio(int(activated.sum()), int(base.sum()), 100.0)
    parts.update(
        prospects=int(base.sum()),
        activated=int(activated.sum()),
        median_ttv_days=float(np.median(days)) if len(days) else math.nan,
        p90_ttv_days=float(np.percentile(days, 90)) if len(days) else math.nan,
    )
    ttv = TableResult(
        {
            "customer_id": ids[has_value],
            "created": signed[has_value].view("datetime64[us]"),
            "first_value": val[has_value].view("datetime64[us]"),
            "days": days,
        },
        title="time to value (days)",
    )
    return ActivationResult(
        rate, parts=parts, reason=reason and "no prospect in the base", time_to_value=ttv, report=report
    )


@in_steps(_activation_rates, partial=beside_events)
def activation(
    customers: Any,
    *,
    events: Any = None,
    within: Any = None,
    key_event: str | list[str] | None = None,
    purchase_event: str | Sequence[str] = "purchase",
    created: str = "created",
    as_of: Any = None,
    tz: str | None = None,
    strict: bool = False,
    **columns: Any,
) -> Gathered:
    """Activation rate = prospects with a first purchase / prospects x 100, and time-to-value.

    Prospects are the distinct customers of the customers table (``customer_id``,
    ``created``: lead / signup date; a repeated id keeps its earliest date) created at or
    before ``as_of`` (default: the latest event or created date). A prospect is activated
    by a purchase (events of type ``purchase_event``, see :func:`fidelite.repeat_rate`) at
    or after ``created`` and at or before ``as_of``; purchases before ``created`` do not
    count. With ``within=`` (a duration), the purchase must come at most ``within`` after
    ``created``, and prospects created less than ``within`` before ``as_of`` are left out
    of the base (``parts["not_mature"]``).

    Time-to-value = first value event at or after ``created`` - ``created``, in
    days, where the value event is the first purchase, or the first event of type
    ``key_event`` when given; over the prospects of the base (within ``within`` when given).
    ``parts`` has its median and 90th percentile (numpy's linear interpolation);
    ``.time_to_value`` lists it per customer (customer_id, created, first_value, days).

    Rows with a null id or an unparseable / null ``created`` are rejected and counted in
    ``.report``. Event column keywords (``customer=``, ``time=``, ``event=``, ...) are those
    of :class:`~fidelite.EventLog`; ``customer=`` also names the customers-table id column.

    >>> import fidelite
    >>> people = {"customer_id": [1, 2, 3, 4], "created": ["2024-01-01", "2024-01-01", "2024-01-10", "2024-02-01"]}
    >>> events = {"customer_id": [1, 2, 3], "timestamp": ["2024-01-03", "2023-12-30", "2024-01-20"]}
    >>> r = fidelite.activation(people, events=events)
    >>> r.value, r.parts["median_ttv_days"]
    (50.0, 6.0)
    """
    check_keywords(columns, activation)
    if customers is None:
        raise MissingTableError(
            "activation needs the customers table: pass a table with customer_id and created "
            "(signup date), plus events=<event log>"
        )
    if events is None:
        raise MissingTableError("activation needs events=<event log> to find each prospect's first purchase")
    q = parse(events, columns, metric=activation, tz=tz)
    log = q.log
    table = KeyedTable(
        customers, what="customers table", customer=columns.get("customer", "customer_id"), noun="customers rows"
    )
    created_us, null_t, bad_t = table.instants(created, "created", q.tz)
    table.accounting.reject(NULL_CREATED, null_t)
    table.accounting.reject(BAD_CREATED, bad_t)
    report = table.finish(strict=strict)
    keep = table.accounting.keep
    f = table.factorize(keep)
    ids = f.labels  # the prospects, ascending id; a repeated id keeps its earliest date
    signed = np.full(len(ids), _I64_MAX)
    np.minimum.at(signed, f.codes, created_us if keep is None else created_us[keep])
    code = log.codes_of(ids)
    end = resolve_as_of(as_of, q.tz, max(q.t_range[1], int(signed.max())))  # the whole data's latest event
    span = duration_us(within, "within") if within is not None else None

    # created instant of each log customer (i64 max: not a prospect)
    found = code >= 0
    created_of = np.full(log.n_customers, _I64_MAX)
    created_of[code[found]] = signed[found]
    layout = q.grouped()
    after = (layout.ts >= np.repeat(created_of, layout.sizes())) & (layout.ts <= end)
    buys = purchase_mask(log, purchase_event)
    first_buy = layout.first_per_customer(after & buys)
    value_mask = buys if key_event is None else log.event_mask(key_event)
    assert value_mask is not None
    first_value = layout.first_per_customer(after & value_mask)

    mine = np.flatnonzero(found)
    rows = {"customer_id": ids[mine], "buy": first_buy[code[mine]], "value": first_value[code[mine]]}
    same = {"ids": ids, "created": signed, "end": end, "span": span, "report": report}
    return Gathered(rows, same=same)


# ----------------------------------------------------------------------------- completeness


@keywords
def completeness(
    customers: Any,
    *,
    fields: Sequence[str] | None = None,
    customer: str = "customer_id",
) -> TableResult:
    """Completeness rate per field = customers (rows) with the field filled / customers x 100.

    A cell is missing when it is null, NaN / NaT, or a string that is empty or only
    whitespace; ``False`` and 0 are filled. ``fields`` defaults to every column but the
    ``customer`` id. The table has field, filled, missing, rate; ``.value`` is the overall
    rate (filled cells / cells x 100, the mean of the field rates). An empty table gives NaN
    rates with a ``reason``.

    >>> import fidelite
    >>> r = fidelite.completeness({"customer_id": [1, 2, 3, 4], "email": ["a@x", "", None, "d@x"],
    ...                            "country": ["FR", "DE", "FR", " "]})
    >>> r["rate"].tolist(), r.value
    ([50.0, 75.0], 62.5)
    """
    table = _table(customers, "completeness", "one row per customer and the fields to check")
    names = [c for c in table.columns if c != customer] if fields is None else list(fields)
    if not names:
        raise MissingTableError(f"the {table.source} has no field besides {customer!r} to check")
    n = table.n_rows
    missing = np.array([int(io.missing_mask(table.get(name, "fields")).sum()) for name in names], np.int64)
    filled = n - missing
    rates = filled * (100.0 / n) if n else np.full(len(names), math.nan)
    value, reason = safe_ratio(int(filled.sum()), n * len(names), 100.0)
    return TableResult(
        {"field": np.array(names, dtype=object), "filled": filled, "missing": missing, "rate": rates},
        title="completeness per field",
        value=value,
        reason=reason and "the customers table has no rows",
        meta={"customers": n},
        units={"rate": "%"},
    )


# ----------------------------------------------------------------------------- churn reasons


def _normalise(label: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", label.lower()).strip()


_KNOWN = {_normalise(r): r for r in CHURN_REASONS[:-1]}


@keywords
def churn_reasons(
    customers: Any,
    *,
    column: str = "churn_reason",
) -> TableResult:
    """Churned customers by reason and the controllable share.

    A customer (row) is churned when its ``column`` is filled (not null, not blank). Labels
    match the six reasons of docs/metrics.md case-insensitively, with any run of spaces or
    punctuation read as one space ("Weak-Activation", "no problem / solution fit" match);
    anything else, "other" included, is "other". The table has reason, customers, share
    (% of churned) and controllable; ``.value`` = controllable share = (quality + customer
    experience + weak activation) / churned x 100, NaN with a ``reason`` when nobody churned.

    >>> import fidelite
    >>> r = fidelite.churn_reasons({"churn_reason": ["Quality", "weak activation", "price", None, "context change"]})
    >>> r["customers"].tolist(), r.value
    ([1, 0, 0, 1, 0, 1, 1], 50.0)
    """
    table = _table(customers, "churn_reasons", f"a {column!r} column (the reason given by churned customers)")
    codes, labels, null = io.labels(table.get(column, "column"), column)
    norm = [_normalise(lab) for lab in labels]  # distinct labels only
    lut = np.array(
        [CHURN_REASONS.index(_KNOWN[s]) if s in _KNOWN else (-1 if not s else len(CHURN_REASONS) - 1) for s in norm]
        + [-1],
        np.int64,
    )
    reason_of = lut[np.where(null, len(labels), codes)]
    churned = reason_of[reason_of >= 0]
    counts = np.bincount(churned, minlength=len(CHURN_REASONS)).astype(np.int64)
    total = int(counts.sum())
    controllable = np.array([r in CONTROLLABLE for r in CHURN_REASONS])
    share = counts * (100.0 / total) if total else np.full(len(CHURN_REASONS), math.nan)
    value, why = safe_ratio(int(counts[controllable].sum()), total, 100.0)
    return TableResult(
        {
            "reason": np.array(CHURN_REASONS, dtype=object),
            "customers": counts,
            "share": share,
            "controllable": controllable,
        },
        title="churn reasons",
        value=value,
        reason=why and "no churned customer (no churn reason filled)",
        meta={"customers": table.n_rows, "churned": total},
    )


# ----------------------------------------------------------------------------- partitioned (fidelite.scale)
