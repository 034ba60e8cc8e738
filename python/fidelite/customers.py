"""Customer-base metrics (METRICS.md, "Customer base and CRM" and "Customer states"):
activation rate and time-to-value, completeness of the customers table, churn reasons."""

from __future__ import annotations

import math
import re
from typing import Any, Sequence

import numpy as np

from . import _ingest
from ._calendar import duration_us, to_instant
from ._deps import import_optional, loaded
from .eventlog import EventLog, RowReport
from .exceptions import EmptyInputError, MissingTableError, RejectedRowsError
from .purchases import purchase_mask
from .results import TableResult, ValueResult, safe_ratio
from .retention import _match_id_type

US_PER_DAY = _ingest.US_PER_DAY
NULL_ID = "null customer id"
NULL_CREATED = "null created date"
BAD_CREATED = "unparseable created date (expected ISO 8601)"
#: The six churn reasons of METRICS.md (seed 004), then "other".
CHURN_REASONS = ("context change", "no problem/solution fit", "problem/solution misalignment", "quality",
                 "customer experience", "weak activation", "other")
#: The reasons a company controls (the last three of the six).
CONTROLLABLE = ("quality", "customer experience", "weak activation")
_I64_MAX = np.iinfo(np.int64).max


def _table(customers: Any, metric: str, needs: str) -> _ingest.Table:
    if customers is None:
        raise MissingTableError(f"{metric} needs the customers table: pass a table with {needs}")
    return _ingest.read_table(customers, what="customers table")


# ----------------------------------------------------------------------------- activation


class ActivationResult(ValueResult):
    """Activation rate (``.value``, %) with ``time_to_value`` (one row per customer with a
    first value event at or after ``created``) and the customers-table ``report``."""

    def __init__(self, value: float, *, parts: dict[str, Any], reason: str | None, time_to_value: TableResult,
                 report: RowReport) -> None:
        super().__init__(value, title="activation rate", unit="%", parts=parts, reason=reason)
        self.time_to_value = time_to_value
        self.report = report


def _signups(table: _ingest.Table, customer: str, created: str, tz: str,
             strict: bool) -> tuple[np.ndarray, np.ndarray, RowReport]:
    """(distinct ids ascending, earliest created µs per id, report) of a customers table."""
    ids, null_id = _ingest.id_nulls(table.get(customer, "customer"))
    ts, null_t, bad_t = _ingest.times_us(table.get(created, "created"), tz)
    rejected_any = np.zeros(table.n_rows, bool)
    rejected: dict[str, int] = {}
    for why, mask in ((NULL_ID, null_id), (NULL_CREATED, null_t), (BAD_CREATED, bad_t)):
        fresh = mask & ~rejected_any
        if fresh.any():
            rejected[why] = int(fresh.sum())
            rejected_any |= fresh
    report = RowReport(read=table.n_rows, used=table.n_rows - int(rejected_any.sum()), rejected=rejected)
    if strict and rejected:
        raise RejectedRowsError(
            f"{report.n_rejected:,} of {report.read:,} customers rows were rejected "
            f"({'; '.join(f'{v:,} {k}' for k, v in rejected.items())}). Fix or drop them, or pass strict=False.",
            report,
        )
    if report.used == 0:
        raise EmptyInputError(f"the {table.source} has no usable row: {report}")
    keep = ~rejected_any
    f = _ingest.factorize_ids(ids, keep)
    first = np.full(len(f.labels), _I64_MAX)
    np.minimum.at(first, f.codes, ts[keep])
    return f.labels, first, report


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
) -> ActivationResult:
    """Activation rate = prospects with a first purchase / prospects x 100, and time-to-value.

    Prospects are the distinct customers of the customers table (``customer_id``,
    ``created``: lead / signup date; a repeated id keeps its earliest date) created at or
    before ``as_of`` (default: the latest event or created date). A prospect is activated
    by a purchase (events of type ``purchase_event``, see :func:`fidelite.repeat_rate`) at
    or after ``created`` and at or before ``as_of``; purchases before ``created`` do not
    count. With ``within=`` (a duration), the purchase must come at most ``within`` after
    ``created``, and prospects created less than ``within`` before ``as_of`` are left out
    of the base (``parts["not_mature"]``).

    Time-to-value (seed 004) = first value event at or after ``created`` - ``created``, in
    days, where the value event is the first purchase, or the first event of type
    ``key_event`` when given; over the prospects of the base (within ``within`` when given).
    ``parts`` has its median and 90th percentile (numpy's linear interpolation);
    ``.time_to_value`` lists it per customer (customer_id, created, first_value, days).

    Rows with a null id or an unparseable / null ``created`` are rejected and counted in
    ``.report``. Event column keywords (``customer=``, ``time=``, ``event=``, ...) are those
    of :class:`EventLog`; ``customer=`` also names the customers-table id column.

    >>> import fidelite
    >>> people = {"customer_id": [1, 2, 3, 4], "created": ["2024-01-01", "2024-01-01", "2024-01-10", "2024-02-01"]}
    >>> events = {"customer_id": [1, 2, 3], "timestamp": ["2024-01-03", "2023-12-30", "2024-01-20"]}
    >>> r = fidelite.activation(people, events=events)
    >>> r.value, r.parts["median_ttv_days"]
    (50.0, 6.0)
    """
    table = _table(customers, "activation", "customer_id and created (signup date), plus events=<event log>")
    if events is None:
        raise MissingTableError("activation needs events=<event log> to find each prospect's first purchase")
    log = EventLog.of(events, tz=tz, **columns)
    tz = tz or log.tz
    ids, signed, report = _signups(table, columns.get("customer", "customer_id"), created, tz, strict)
    ids = _match_id_type(log, ids)
    end = max(log.t_max, int(signed.max())) if as_of is None else to_instant(as_of, tz)
    span = duration_us(within, "within") if within is not None else None

    # created instant of each log customer (i64 max: not a prospect)
    pos = np.searchsorted(log.customer_ids, ids)
    found = (pos < log.n_customers) & (log.customer_ids[np.minimum(pos, log.n_customers - 1)] == ids)
    created_of = np.full(log.n_customers, _I64_MAX)
    created_of[pos[found]] = signed[found]
    after = (log._ts >= np.repeat(created_of, np.diff(log._indptr))) & (log._ts <= end)
    first_buy = np.minimum.reduceat(np.where(after & purchase_mask(log, purchase_event), log._ts, _I64_MAX),
                                    log._indptr[:-1])
    value_mask = purchase_mask(log, purchase_event) if key_event is None else log.event_mask(key_event)
    assert value_mask is not None
    first_value = np.minimum.reduceat(np.where(after & value_mask, log._ts, _I64_MAX), log._indptr[:-1])

    # per prospect (ascending id)
    buy = np.full(len(ids), _I64_MAX)
    buy[found] = first_buy[pos[found]]
    val = np.full(len(ids), _I64_MAX)
    val[found] = first_value[pos[found]]
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
    parts.update(prospects=int(base.sum()), activated=int(activated.sum()),
                 median_ttv_days=float(np.median(days)) if len(days) else math.nan,
                 p90_ttv_days=float(np.percentile(days, 90)) if len(days) else math.nan)
    ttv = TableResult({"customer_id": ids[has_value], "created": signed[has_value].view("datetime64[us]"),
                       "first_value": val[has_value].view("datetime64[us]"), "days": days},
                      title="time to value (days)")
    return ActivationResult(rate, parts=parts, reason=reason and "no prospect in the base", time_to_value=ttv,
                            report=report)


# ----------------------------------------------------------------------------- completeness


def _missing_object(v: Any) -> bool:
    if v is None or (isinstance(v, float) and v != v):
        return True
    if isinstance(v, str):
        return not v.strip()
    pd = loaded("pandas")
    return pd is not None and (v is pd.NaT or v is getattr(pd, "NA", None))


def missing_mask(col: Any) -> np.ndarray:
    """Cells that are missing: null, NaN / NaT, or a string that is empty or only spaces."""
    arr = _ingest._to_arrow(col)
    if arr is not None:
        pa = import_optional("pyarrow")
        pc = import_optional("pyarrow.compute")
        missing = pc.is_null(arr, nan_is_null=True)
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type):
            blank = pc.equal(pc.utf8_trim_whitespace(arr), "")
            missing = pc.or_(missing, pc.fill_null(blank, True))
        return missing.to_numpy(zero_copy_only=False).astype(bool)
    v = np.asarray(col)
    if v.dtype.kind == "f":
        return np.isnan(v)
    if v.dtype.kind in "Mm":
        return np.isnat(v)
    if v.dtype.kind in "US":
        return np.char.strip(v.astype(str)) == ""
    if v.dtype.kind == "O":
        return np.array([_missing_object(x) for x in v.tolist()], bool)  # mixed cells, one by one
    return np.zeros(len(v), bool)


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
    missing = np.array([int(missing_mask(table.get(name, "fields")).sum()) for name in names], np.int64)
    filled = n - missing
    rates = filled * (100.0 / n) if n else np.full(len(names), math.nan)
    value, reason = safe_ratio(int(filled.sum()), n * len(names), 100.0)
    return TableResult({"field": np.array(names, dtype=object), "filled": filled, "missing": missing, "rate": rates},
                       title="completeness per field", value=value, reason=reason and "the customers table has no rows",
                       meta={"customers": n})


# ----------------------------------------------------------------------------- churn reasons


def _normalise(label: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", label.lower()).strip()


_KNOWN = {_normalise(r): r for r in CHURN_REASONS[:-1]}


def churn_reasons(
    customers: Any,
    *,
    column: str = "churn_reason",
) -> TableResult:
    """Churned customers by reason (seed 004) and the controllable share.

    A customer (row) is churned when its ``column`` is filled (not null, not blank). Labels
    match the six reasons of METRICS.md case-insensitively, with any run of spaces or
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
    codes, labels, null = _ingest.labels(table.get(column, "column"), column)
    norm = [_normalise(lab) for lab in labels]  # distinct labels only
    lut = np.array([CHURN_REASONS.index(_KNOWN[s]) if s in _KNOWN else (-1 if not s else len(CHURN_REASONS) - 1)
                    for s in norm] + [-1], np.int64)
    reason_of = lut[np.where(null, len(labels), codes)]
    churned = reason_of[reason_of >= 0]
    counts = np.bincount(churned, minlength=len(CHURN_REASONS)).astype(np.int64)
    total = int(counts.sum())
    controllable = np.array([r in CONTROLLABLE for r in CHURN_REASONS])
    share = counts * (100.0 / total) if total else np.full(len(CHURN_REASONS), math.nan)
    value, why = safe_ratio(int(counts[controllable].sum()), total, 100.0)
    return TableResult({"reason": np.array(CHURN_REASONS, dtype=object), "customers": counts, "share": share,
                        "controllable": controllable},
                       title="churn reasons", value=value, reason=why and "no churned customer (no churn reason filled)",
                       meta={"customers": table.n_rows, "churned": total})
