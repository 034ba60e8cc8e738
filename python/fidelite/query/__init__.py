"""The query layer: what every metric does before its own computation, in one place.

- :func:`parse` reads the shared parameters of a metric call once (the log built from
  anything :class:`~fidelite.EventLog` accepts, the zone, ``as_of``, the calendar, the
  column keywords) into a :class:`Query`; an unknown keyword is a clear error.
- Building blocks that several metric families share, so that no metric module imports
  another: the purchase mask and net revenue (:mod:`.purchases`), the per-customer
  summary arrays, signup instants and segments (:mod:`.customers`), and the activity
  bitmaps (:mod:`.bitmaps`).
"""

from __future__ import annotations

from . import segments
from .customers import MISSING, Signups, Summary, attribute, event_types, signups, summary
from .params import Query, check_keywords, choice, keywords, log_of, parse, positive_ints, resolve_as_of
from .purchases import EventTypes, amounts, lacks_purchases, net_revenue, overflow_note, purchase_mask, purchase_types

__all__ = [
    "MISSING",
    "EventTypes",
    "Query",
    "Signups",
    "Summary",
    "amounts",
    "attribute",
    "check_keywords",
    "choice",
    "positive_ints",
    "event_types",
    "keywords",
    "lacks_purchases",
    "log_of",
    "net_revenue",
    "overflow_note",
    "parse",
    "purchase_mask",
    "purchase_types",
    "resolve_as_of",
    "segments",
    "signups",
    "summary",
]
