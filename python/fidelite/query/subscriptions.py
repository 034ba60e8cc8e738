"""The one reader of a subscriptions table (customer id, start, end, mrr), shared by
revenue retention and survival: rows that cannot be read are rejected with a counted
reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import MissingTableError
from ..io import KeyedTable, RowReport

NULL_START = "null start"
BAD_START = "unparseable start (expected ISO 8601)"
BAD_END = "unparseable end (expected ISO 8601)"
NULL_MRR = "null mrr"
BAD_MRR = "negative or infinite mrr"
END_BEFORE_START = "end before start"
#: The end of a running subscription (no end yet).
RUNNING = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Subscriptions:
    """The kept rows of a subscriptions table: ``codes`` (int64) into ``ids`` (the
    distinct customer ids, ascending), ``start`` and ``end`` in µs (:data:`RUNNING` for a
    running row), ``mrr``, and the row accounting ``report``."""

    codes: np.ndarray
    ids: np.ndarray
    start: np.ndarray
    end: np.ndarray
    mrr: np.ndarray
    report: RowReport


def read_subscriptions(
    subscriptions: Any,
    *,
    metric: str,
    customer: str = "customer_id",
    start: str = "start",
    end: str = "end",
    mrr: str | None = "mrr",
    tz: str = "UTC",
    strict: bool = False,
) -> Subscriptions:
    """:class:`Subscriptions` of a table with an id, ``start``, ``end`` (null = running)
    and, unless ``mrr`` is None, an ``mrr`` column. Rejected (counted in ``report``;
    ``strict=True`` raises): a null id or start, an unparseable date, a null, negative or
    infinite mrr, an end before the start. ``metric`` names the caller in the message
    when the table is missing."""
    if subscriptions is None:
        needs = "customer_id, start, end (null = running)" + (", mrr" if mrr is not None else "")
        raise MissingTableError(f"{metric} needs the subscriptions table: pass a table with columns {needs}")
    table = KeyedTable(
        subscriptions,
        what="subscriptions table",
        customer=customer,
        noun="subscription rows",
        empty="pass at least one subscription",
    )
    acc = table.accounting
    t0, null_t0, bad_t0 = table.instants(start, "start", tz)
    t1, null_t1, bad_t1 = table.instants(end, "end", tz)
    acc.reject(NULL_START, null_t0)
    acc.reject(BAD_START, bad_t0)
    acc.reject(BAD_END, bad_t1)
    if mrr is not None:
        value, null_v = table.floats(mrr, "mrr")
        acc.reject(NULL_MRR, null_v)
        acc.reject(BAD_MRR, ~null_v & ((value < 0) | np.isinf(value)))
    else:
        value = np.zeros(table.n_rows)
    acc.reject(END_BEFORE_START, ~null_t1 & (t1 < t0))
    report = table.finish(strict=strict)
    keep = acc.keep if acc.keep is not None else np.ones(table.n_rows, bool)
    f = table.factorize(keep)
    t1 = np.where(null_t1, RUNNING, t1)
    return Subscriptions(f.codes.astype(np.int64), f.labels, t0[keep], t1[keep], value[keep], report)
