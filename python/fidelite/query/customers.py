"""Per-customer building blocks every metric family may use: the per-customer summary
arrays (one kernel pass), signup instants and attributes from a customers table (the
segment of every customer is :mod:`.segments`).

Arrays are in the log's customer code order; customers of a customers table who have no
event (signup cohorts) follow, numbered from ``log.n_customers`` in ascending id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core, io
from ..io import KeyedTable, RowReport
from .params import Query
from .purchases import EventTypes, lacks_purchases, purchase_types

#: The segment value of customers without one.
MISSING = "(missing)"


@dataclass(frozen=True)
class Summary:
    """The per-customer summary of a query (arrays in customer code order, instants as
    datetime64[us]); ``reason`` says why revenue is NaN when it is."""

    columns: dict[str, np.ndarray]
    reason: str | None


def summary(q: Query, purchase_event: EventTypes = "purchase", *, activity: bool = False) -> Summary:
    """Per-customer summary of the events at or before ``q.as_of``: ``first``, ``last``,
    ``n_events``, ``n_purchases``, ``n_periods`` (distinct periods of the query's
    calendar), ``revenue``, ``n_products``, ``first_purchase``, ``last_purchase``,
    ``median_gap_days``, ``recency_days``, ``tenure_days`` (see
    :func:`fidelite.customer_summary`). A log not grouped yet is summarised from its rows,
    partition by partition, without grouping it. With ``activity``, a log without
    purchases (visits and logins) has empty purchase columns and a ``reason``; without,
    it is a ParameterError (:func:`purchase_types`)."""
    log = q.log
    lacking = lacks_purchases(log, purchase_event) if activity else None
    ev = q.events(None if lacking else purchase_types(log, purchase_event), columns=("amount", "product"))
    product = ev.columns.get("product")
    cols = _core.customer_summary(
        ev,
        q,
        purchase_mask=np.zeros(len(ev.ts), bool) if lacking else ev.mask,
        amount=ev.columns.get("amount"),
        product=product,
        n_products=len(log.labels("product")) if product is not None else 0,
    )
    reason = None if log.has("amount") else "the log has no amount column: revenue is NaN (pass amount=<column>)"
    if lacking:
        cols = {**cols, "revenue": np.full(len(cols["revenue"]), np.nan)}
        reason = f"{lacking}: no purchases, so the purchase columns are empty; pass purchase_event= to count them"
    return Summary(cols, reason)


# ----------------------------------------------------------------------------- customers table


@dataclass(frozen=True)
class Signups:
    """Signup instants from a customers table, for every customer: the log's (code order),
    then ``extra_ids`` (customers of the table without an event). ``signup`` is the
    earliest signup instant of each (the minimum int64 when none); ``report`` the table's
    row accounting."""

    signup: np.ndarray
    extra_ids: np.ndarray
    report: RowReport


def signups(q: Query, customers: Any, customer: str, column: str) -> Signups:
    """:class:`Signups` of the customers table ``customers`` (id column ``customer``,
    signup date column ``column``). Rows without an id or a readable signup date are
    rejected and counted."""
    log = q.log
    table = KeyedTable(customers, what="customers table", customer=customer)
    ts, null_t, bad_t = table.instants(column, "signup", q.tz)
    table.accounting.reject(f"null {column}", null_t)
    table.accounting.reject(f"unparseable {column}", bad_t)
    report = table.accounting.report()
    keep = table.accounting.keep
    f = table.factorize(keep)
    first = np.full(len(f.labels), np.iinfo(np.int64).max)
    np.minimum.at(first, f.codes, ts if keep is None else ts[keep])  # earliest signup per distinct id
    code = log.codes_of(f.labels)
    in_log = code >= 0
    signup = np.full(log.n_customers, np.iinfo(np.int64).min)
    signup[code[in_log]] = first[in_log]
    extra_ids = f.labels[~in_log]
    without = int((signup == np.iinfo(np.int64).min).sum())
    if without:
        report.notes["customers of the event log without a signup date (in no cohort)"] = without
    if len(extra_ids):
        report.notes["customers who signed up but have no event"] = len(extra_ids)
    return Signups(np.concatenate([signup, first[~in_log]]), extra_ids, report)


def attribute(customers: Any, customer: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(distinct ids, value of column ``column`` per id) of a customers table: the value
    of the id's last row; rows without an id are left out."""
    table = KeyedTable(customers, what="customers table", customer=customer)
    f = table.factorize(None)
    values = io.objects(table.column(column, "segment"))
    if table.null_id.any():
        values = values[~table.null_id]
    per_id = np.empty(len(f.labels), dtype=object)
    per_id[f.codes] = values  # repeated ids: the last row wins
    return f.labels, per_id


def event_types(names: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """Event types as a sorted tuple (a cache key), None for every event."""
    return None if names is None else tuple(sorted([names] if isinstance(names, str) else names))
