"""What counts as a purchase and as revenue, per event, for every metric family.

A purchase is an event of type ``purchase_event`` (default ``"purchase"``); in a log
without an event column every event is a purchase. Revenue is net revenue: purchase
amounts plus refunds (negative amounts of any event type), as the per-customer summary
counts it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..eventlog import EventLog
from ..exceptions import MissingColumnError

EventTypes = str | Sequence[str] | None


def purchase_types(log: EventLog, purchase_event: EventTypes) -> EventTypes:
    """The event types that are purchases, None = every event: the case of a log without
    an event column and of ``purchase_event=None``."""
    return None if purchase_event is None or not log.has("event") else purchase_event


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


def net_revenue(log: EventLog, purchase: np.ndarray, metric: str) -> np.ndarray:
    """Revenue per event (grouped order): the amount of purchases, plus refunds (negative
    amounts of any event type); 0 for other events."""
    amount = amounts(log, metric)
    return np.where(purchase | (amount < 0), amount, 0.0)
