"""The summary the customer-base models read (frequency, recency, T, monetary value, and
the holdout columns), as arrays in the log's customer code order, and the purchases per
period of its time unit (for tracking plots): one kernel pass each, shared by every
metric family that predicts (:func:`fidelite.clv_summary`, :func:`fidelite.predicted_clv`,
``at_risk(method="p_alive")``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import _core
from ..exceptions import ParameterError
from .params import Query, resolve_as_of
from .purchases import EventTypes, purchase_types

#: The time units of the summary (PyMC-Marketing's ``time_unit`` letters) and the
#: calendar period each counts.
TIME_UNITS = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def time_unit_period(time_unit: str) -> str:
    """The calendar period of a time unit letter (``"D"`` -> ``"day"``), or a
    :class:`~fidelite.exceptions.ParameterError` listing the letters."""
    if time_unit not in TIME_UNITS:
        units = ", ".join(f"{k!r} ({v}s)" for k, v in TIME_UNITS.items())
        raise ParameterError(f"unknown time_unit {time_unit!r}: use one of {units}")
    return TIME_UNITS[time_unit]


def check_time_scaler(time_scaler: Any) -> float:
    """``time_scaler`` as a positive float (recency and T are divided by it)."""
    number = isinstance(time_scaler, (int, float, np.integer, np.floating)) and not isinstance(time_scaler, bool)
    value = float(time_scaler) if number else math.nan
    if not (value > 0 and math.isfinite(value)):
        raise ParameterError(
            f"time_scaler must be a positive number (e.g. 7 to count days in weeks), not {time_scaler!r}"
        )
    return value


@dataclass(frozen=True)
class ClvArrays:
    """The models' summary of a query, per customer code (see :func:`clv_arrays`).

    ``columns``: ``first_purchase`` (datetime64[us], NaT for customers without a purchase
    at or before ``calibration_end``: not rows of the models' table), ``frequency``,
    ``recency``, ``T``, ``monetary_value``, ``frequency_holdout``,
    ``monetary_value_holdout``; ``calibration_end`` and ``observation_end`` in µs;
    ``duration_holdout`` in time units (divided by the scaler); ``has_amount``: whether
    monetary values exist (else they are NaN)."""

    columns: dict[str, np.ndarray]
    calibration_end: int
    observation_end: int
    duration_holdout: float
    has_amount: bool


def clv_arrays(
    q: Query,
    *,
    purchase_event: EventTypes = "purchase",
    time_scaler: float = 1.0,
    calibration_end: Any = None,
) -> ClvArrays:
    """The models' summary of the purchases at or before ``q.as_of`` (the end of
    observation), in periods of the query's calendar (its ``period`` is the time unit)
    divided by ``time_scaler``; with ``calibration_end`` (an instant; a date is the end of
    that day) the calibration columns stop there and the holdout columns count what
    follows. Rows are in the log's code order; a log without rows of its own grouped is
    read in row order."""
    log = q.log
    scaler = check_time_scaler(time_scaler)
    cal_end = q.as_of if calibration_end is None else resolve_as_of(calibration_end, q.tz, q.as_of)
    if cal_end > q.as_of:
        raise ParameterError(
            f"calibration_end ({np.datetime64(cal_end, 'us')}) is after observation_end "
            f"({np.datetime64(q.as_of, 'us')}): the holdout period would end before it starts"
        )
    ev = q.events(purchase_types(log, purchase_event), columns=("amount",))
    amount = ev.columns.get("amount")
    cols = _core.clv_summary(ev, q, calibration_end=cal_end, time_scaler=scaler, purchase_mask=ev.mask, amount=amount)
    duration = (q.calendar.period_of(q.as_of) - q.calendar.period_of(cal_end)) / scaler
    return ClvArrays(cols, cal_end, q.as_of, duration, amount is not None)


@dataclass(frozen=True)
class Tracking:
    """Purchases per period of the time unit (see :func:`tracking`): ``starts``
    (datetime64[D], the local start date of each period), ``births`` (customers whose
    first purchase falls in it) and ``repeats`` (repeat purchase periods in it)."""

    starts: np.ndarray
    births: np.ndarray
    repeats: np.ndarray


def tracking(q: Query, purchase_event: EventTypes = "purchase") -> Tracking:
    """Births and repeat purchase periods in every period of the query's calendar, from
    the first purchase to ``q.as_of``: the actual line of tracking plots."""
    ev = q.events(purchase_types(q.log, purchase_event))
    first, births, repeats = _core.purchase_tracking(ev, q, purchase_mask=ev.mask)
    days, _ = q.calendar.axis(first, len(births))
    return Tracking(days[: len(births)].astype("datetime64[D]"), births, repeats)


def on_time_unit(q: Query, time_unit: str) -> Query:
    """The same query on the calendar of a time unit letter."""
    return replace(q, period=time_unit_period(time_unit))
