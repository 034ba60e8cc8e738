"""Prediction from an event log (docs/metrics.md, "Prediction"): the summary the
customer-base models read (:func:`clv_summary`) and the per-customer predicted value,
BG/NBD (or MBG/NBD, Pareto/NBD) with Gamma-Gamma spend, in one call
(:func:`predicted_clv`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..query import clv as clv_query
from ..query import parse
from ..results.predict import ClvSummary


def clv_summary(
    data: Any,
    *,
    time_unit: str = "D",
    time_scaler: float = 1,
    calibration_end: Any = None,
    observation_end: Any = None,
    purchase_event: str | Sequence[str] | None = "purchase",
    week_start: str | int = "monday",
    tz: str | None = None,
    **columns: Any,
) -> ClvSummary:
    """The per-customer table the customer-base models read (frequency, recency, T,
    monetary value), as lifetimes' ``summary_data_from_transaction_data`` and
    PyMC-Marketing's ``rfm_summary`` build it, computed in one pass of the Rust core.

    A customer's *purchase periods* are the distinct periods of ``time_unit`` ("D" days,
    "W" weeks starting on ``week_start``, "M" months, "Q" quarters, "Y" years, cut in
    ``tz``) holding one of her purchases (events of type ``purchase_event``; every event
    in a log without an event column). Over the calibration, her purchases at or before
    ``calibration_end`` (default: ``observation_end``):

    - ``frequency``: repeat purchase periods, those after the first;
    - ``recency``: periods from her first purchase period to her last one;
    - ``T``: periods from her first purchase period to that of ``calibration_end``;
    - ``monetary_value``: the mean value of her repeat purchase periods (a period's value
      is the sum of its purchases' amounts), 0 without one (needs an amount column).

    ``recency`` and ``T`` are divided by ``time_scaler``: the CDNOW tables are daily data
    in weeks, ``time_unit="D", time_scaler=7``. With ``calibration_end`` the holdout
    columns follow: ``frequency_holdout`` (her purchase periods after the calibration
    end, up to ``observation_end``), ``monetary_value_holdout`` (their mean value, 0 if
    none) and ``duration_holdout`` (periods from the calibration end to the observation
    end, scaled).

    ``observation_end`` (default: the latest event) and ``calibration_end`` are instants;
    a date means the end of that day in ``tz``; later events are ignored. Rows: the
    customers with a purchase at or before the calibration end, in ascending id order;
    the others are counted in ``meta["left_out"]``. Column keywords are those of
    :class:`EventLog`.

    >>> import fidelite
    >>> log = {"customer_id": [1, 1, 1, 1, 2], "amount": [10.0, 4.0, 6.0, 9.0, 5.0],
    ...        "timestamp": ["2024-01-01", "2024-01-01", "2024-01-08", "2024-02-05", "2024-01-03"]}
    >>> s = fidelite.clv_summary(log, time_unit="D", time_scaler=7, calibration_end="2024-01-31")
    >>> s["frequency"].tolist(), s["recency"].tolist(), s["T"].round(3).tolist()
    ([1, 0], [1.0, 0.0], [4.286, 4.0])
    >>> s["monetary_value"].tolist(), s["frequency_holdout"].tolist()
    ([6.0, 0.0], [1, 0])
    """
    period = clv_query.time_unit_period(time_unit)
    q = parse(data, columns, metric=clv_summary, tz=tz, as_of=observation_end, period=period, week_start=week_start)
    log = q.log
    a = clv_query.clv_arrays(q, purchase_event=purchase_event, time_scaler=time_scaler, calibration_end=calibration_end)
    cols = a.columns
    row = ~np.isnat(cols["first_purchase"])
    codes = log.codes_by_id(row)
    out: dict[str, np.ndarray] = {"customer_id": log.customer_ids[codes]}
    names = ["first_purchase", "frequency", "recency", "T"] + (["monetary_value"] if a.has_amount else [])
    holdout = calibration_end is not None
    if holdout:
        names += ["frequency_holdout"] + (["monetary_value_holdout"] if a.has_amount else [])
    out.update({name: cols[name][codes] for name in names})
    if holdout:
        out["duration_holdout"] = np.full(len(codes), a.duration_holdout)
    later = ~row & (cols["frequency_holdout"] > 0)
    left_out = {"no purchase at or before the observation end": int((~row & ~later).sum())}
    if holdout:
        left_out["first purchase after the calibration end"] = int(later.sum())
    scaler = clv_query.check_time_scaler(time_scaler)
    meta = {
        "time_unit": time_unit,
        "time_scaler": scaler,
        "period": period,
        "week_start": q.week_start,
        "tz": q.tz,
        "calibration_end": np.datetime64(a.calibration_end, "us"),
        "observation_end": np.datetime64(a.observation_end, "us"),
        "purchase_event": purchase_event,
        "units_per_month": units_per_month(time_unit, scaler),
        "left_out": left_out,
    }
    reason = None if a.has_amount else "the log has no amount column: no monetary value (pass amount=<column>)"
    return ClvSummary(
        out,
        meta=meta,
        # the actual purchases per period, computed on first use only
        tracking=lambda: q.log.cached(
            ("clv tracking", period, q.week_start, q.tz, q.as_of, _key(purchase_event)),
            lambda: clv_query.tracking(q, purchase_event),
        ),
        reason=reason,
    )


def _key(purchase_event: str | Sequence[str] | None) -> Any:
    return purchase_event if purchase_event is None or isinstance(purchase_event, str) else tuple(purchase_event)


#: Days, weeks, months, quarters and years per month, as lifetimes and PyMC-Marketing
#: count a month (30 days, 4.345 weeks).
_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "Q": 1 / 3, "Y": 1 / 12}


def units_per_month(time_unit: str, time_scaler: float = 1.0) -> float:
    """Model time units per month for a summary in ``time_unit`` / ``time_scaler``: a month
    is 30 days or 4.345 weeks (as lifetimes and PyMC-Marketing count it)."""
    return _PER_MONTH[time_unit] / time_scaler
