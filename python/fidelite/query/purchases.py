"""What counts as a purchase and as revenue, per event, for every metric family.

A purchase is an event of type ``purchase_event`` (default ``"purchase"``); in a log
without an event column every event is a purchase. Revenue is net revenue: purchase
amounts plus refunds (negative amounts of any event type), as the per-customer summary
counts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..eventlog import EventLog
from ..exceptions import MissingColumnError, ParameterError

EventTypes = str | Sequence[str] | None


def purchase_types(log: EventLog, purchase_event: EventTypes) -> EventTypes:
    """The event types that are purchases, None = every event: the case of a log without
    an event column and of ``purchase_event=None``. A log without events of these types
    (an activity log of visits and logins) is a :class:`ParameterError` saying that the
    metric needs ``purchase_event=`` and listing the log's event types."""
    reason = lacks_purchases(log, purchase_event)
    if reason:
        raise ParameterError(
            f"this metric counts purchases, but {reason}; pass purchase_event=<the event type(s) that are purchases>"
        )
    return None if purchase_event is None or not log.has("event") else purchase_event


def lacks_purchases(log: EventLog, purchase_event: EventTypes) -> str | None:
    """Why the log has no purchase at all (None when it has some, or when every event is
    one): activity metrics then leave their purchase columns empty with this reason.

    >>> import fidelite
    >>> log = fidelite.EventLog({"customer_id": [1], "timestamp": ["2024-01-01"], "event": ["visit"]})
    >>> lacks_purchases(log, "purchase")
    "the log has no event of type 'purchase' (its event types: 'visit')"
    """
    if purchase_event is None or not log.has("event"):
        return None
    wanted = [purchase_event] if isinstance(purchase_event, str) else list(purchase_event)
    known = log.labels("event")
    if any(w in known for w in wanted):
        return None
    return (
        f"the log has no event of type {', '.join(map(repr, wanted))} "
        f"(its event types: {', '.join(map(repr, known)) or 'none'})"
    )


def purchase_mask(log: EventLog, purchase_event: EventTypes = "purchase") -> np.ndarray:
    """Boolean mask (grouped order) of purchases (every event when
    :func:`purchase_types` is None)."""
    mask = log.event_mask(purchase_types(log, purchase_event))
    return np.ones(log.n_events, bool) if mask is None else mask


def amounts(log: EventLog, metric: str) -> np.ndarray:
    """The amount column in grouped order (carried through the grouping if it happens
    now), or a ParameterError saying that ``metric`` needs one."""
    if not log.has("amount"):
        raise MissingColumnError(
            f"{metric} needs an amount column (revenue per event): pass amount=<column name>", "amount"
        )
    return log.grouped(columns=("amount",)).columns["amount"]


def overflow_note(columns: Mapping[str, Any]) -> str | None:
    """A note naming the sums among ``columns`` that overflowed to ±inf (the log's amounts
    are finite, so an infinite sum is an overflow of float64, never a real value); None
    when there is none.

    >>> overflow_note({"revenue": np.array([1.0, np.inf]), "orders": np.array([1, 2])})
    'revenue overflowed float64 (a sum beyond ±1.8e308 is inf): the amounts are too large; rescale them (e.g. to thousands)'
    """
    over = [k for k, v in columns.items() if np.asarray(v).dtype.kind == "f" and np.isinf(v).any()]
    if not over:
        return None
    return (
        f"{', '.join(over)} overflowed float64 (a sum beyond ±1.8e308 is inf): the amounts are too large; "
        "rescale them (e.g. to thousands)"
    )


def net_revenue(log: EventLog, purchase: np.ndarray, metric: str) -> np.ndarray:
    """Revenue per event (grouped order): the amount of purchases, plus refunds (negative
    amounts of any event type); 0 for other events."""
    amount = amounts(log, metric)
    return np.where(purchase | (amount < 0), amount, 0.0)
