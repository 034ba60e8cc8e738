"""Slow, obviously-correct reference of the models' summary (``fidelite.clv_summary``),
customer by customer in plain Python, from the definition (docs/metrics.md, "Summary for
the models"): never the code under test. Local periods come from pandas' time-zone
conversion (tests/reference_kpis.py)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from reference_kpis import Events, is_purchase, period_of

UNITS = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def periods_between(a: dt.date, b: dt.date, period: str) -> int:
    """Whole periods from the period starting on ``a`` to the one starting on ``b``."""
    if period == "day":
        return (b - a).days
    if period == "week":
        return (b - a).days // 7
    months = (b.year - a.year) * 12 + b.month - a.month
    return {"month": months, "quarter": months // 3, "year": months // 12}[period]


def clv_summary(
    ev: Events,
    *,
    time_unit: str = "D",
    time_scaler: float = 1.0,
    calibration_end: int | None = None,
    observation_end: int | None = None,
    tz: str = "UTC",
    week_start: int = 0,
    purchase_event="purchase",
) -> pd.DataFrame:
    """One row per customer with a purchase at or before the calibration end."""
    period = UNITS[time_unit]
    end = max(ev.ts) if observation_end is None else observation_end
    cal_end = end if calibration_end is None else calibration_end
    holdout = calibration_end is not None

    def start(t: int) -> dt.date:
        return period_of(t, tz, period, week_start)

    rows = []
    for cid in sorted(set(ev.customer)):
        buys = [r for r in ev.rows() if r["customer"] == cid and is_purchase(r, purchase_event) and r["ts"] <= end]
        calib: dict[dt.date, float] = {}
        later: dict[dt.date, float] = {}
        for r in buys:
            side = calib if r["ts"] <= cal_end else later
            side[start(r["ts"])] = side.get(start(r["ts"]), 0.0) + (r["amount"] or 0.0)
        if not calib:
            continue
        first, last = min(calib), max(calib)
        repeat = [v for p, v in calib.items() if p != first]
        row = {
            "customer_id": cid,
            "first_purchase": min(r["ts"] for r in buys if r["ts"] <= cal_end),
            "frequency": len(calib) - 1,
            "recency": periods_between(first, last, period) / time_scaler,
            "T": periods_between(first, start(cal_end), period) / time_scaler,
        }
        if ev.amount is not None:
            row["monetary_value"] = sum(repeat) / len(repeat) if repeat else 0.0
        if holdout:
            row["frequency_holdout"] = len(later)
            if ev.amount is not None:
                row["monetary_value_holdout"] = sum(later.values()) / len(later) if later else 0.0
            row["duration_holdout"] = periods_between(start(cal_end), start(end), period) / time_scaler
        rows.append(row)
    columns = ["customer_id", "first_purchase", "frequency", "recency", "T"]
    columns += ["monetary_value"] if ev.amount is not None else []
    if holdout:
        columns += ["frequency_holdout"] + (["monetary_value_holdout"] if ev.amount is not None else [])
        columns += ["duration_holdout"]
    return pd.DataFrame(rows, columns=columns)


def left_out(ev: Events, *, calibration_end: int | None, observation_end: int | None, purchase_event="purchase"):
    """(customers without a purchase by the observation end, customers whose first
    purchase falls after the calibration end)."""
    end = max(ev.ts) if observation_end is None else observation_end
    cal_end = end if calibration_end is None else calibration_end
    none = later = 0
    for cid in set(ev.customer):
        times = [r["ts"] for r in ev.rows() if r["customer"] == cid and is_purchase(r, purchase_event)]
        times = [t for t in times if t <= end]
        if not times:
            none += 1
        elif min(times) > cal_end:
            later += 1
    return none, later


def isclose(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
