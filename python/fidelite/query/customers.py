"""Per-customer building blocks every metric family may use: the per-customer summary
arrays (one kernel pass), signup instants and attributes from a customers table, and the
segment of every customer.

Arrays are in the log's customer code order; customers of a customers table who have no
event (signup cohorts) follow, numbered from ``log.n_customers`` in ascending id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core, io
from ..exceptions import ParameterError
from ..io import KeyedTable, RowReport
from . import attributes
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


def attribute(q: Query, customers: Any, customer: str, column: str) -> tuple[np.ndarray, np.ndarray]:
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


def segments(
    q: Query,
    attribute_name: str,
    customers: Any = None,
    customer: str = "customer_id",
    extra_ids: np.ndarray | None = None,
) -> tuple[np.ndarray, list[Any]]:
    """The segment of every customer (uint32 codes into the returned values) by
    ``attribute_name``: a column of the customers table, else an event label column
    (event, product, channel) taken at the customer's first event, else a derived
    attribute (:mod:`.attributes`, which plugins register). Customers without a
    value are in ``"(missing)"``, listed last; the others in the order of their text.
    ``extra_ids``: customers of the table without an event (signup cohorts), numbered
    after the log's."""
    log = q.log
    extra = extra_ids if extra_ids is not None else log.customer_ids[:0]
    values = np.full(log.n_customers + len(extra), MISSING, dtype=object)
    table_has = customers is not None and io.read_table(customers, what="customers table").has(attribute_name)
    if table_has:
        ids, per_id = attribute(q, customers, customer, attribute_name)
        code = log.codes_of(ids)
        values[code[code >= 0]] = per_id[code >= 0]
        if len(extra):
            # customers without an event: the table's own ids, in the same ascending order
            at = np.searchsorted(ids, extra)
            values[log.n_customers :] = per_id[at]
    elif log.has(attribute_name):
        if attribute_name not in ("event", "product", "channel"):
            raise ParameterError(
                f"segment={attribute_name!r} is numeric; segment by a label column (event, product, channel) "
                "or a customers-table attribute"
            )
        layout = q.grouped()
        labs = np.array((*log.labels(attribute_name), MISSING), dtype=object)
        first = layout.columns[attribute_name][layout.indptr[:-1]]
        values[: log.n_customers] = labs[np.where(first < 0, len(labs) - 1, first)]
    elif attributes.get(attribute_name) is not None:
        values[: log.n_customers] = attributes.derive(attribute_name, log)
    else:
        where = (
            "the customers table or the event log"
            if customers is not None
            else "the event log (pass customers= for customer attributes)"
        )
        raise ParameterError(f"segment={attribute_name!r} is not a column of {where}")
    values[np.equal(values, np.array(None, dtype=object)) | np.not_equal(values, values)] = MISSING  # None, NaN
    # segments in the order of their text, "(missing)" last
    uniq, first_at, inverse = np.unique(values.astype(str), return_index=True, return_inverse=True)
    order = np.argsort(uniq == MISSING, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank[inverse].astype(np.uint32), [values[first_at[i]] for i in order]


def event_types(names: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """Event types as a sorted tuple (a cache key), None for every event."""
    return None if names is None else tuple(sorted([names] if isinstance(names, str) else names))
