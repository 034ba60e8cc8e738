"""Prediction from an event log (docs/metrics.md, "Prediction"): the summary the
customer-base models read (:func:`clv_summary`) and the per-customer predicted value,
BG/NBD (or MBG/NBD, Pareto/NBD) with Gamma-Gamma spend, in one call
(:func:`predicted_clv`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import ParameterError
from ..models import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD, customer_lifetime_value
from ..query import clv as clv_query
from ..query import parse
from ..results.predict import ClvSummary, PredictedCLV
from ..scale.merges import concat_clv_summaries
from ..scale.registry import Declaration, Share, declare

#: The purchase models :func:`predicted_clv` fits, by name.
PURCHASE_MODELS = {"bg_nbd": BetaGeo, "mbg_nbd": ModifiedBetaGeo, "pareto_nbd": ParetoNBD}


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


def horizon_months(horizon: Any) -> int:
    """A horizon in whole months: a number of months, or ``"<n>M"`` / ``"<n>Y"``
    (``"12M"``, ``"2Y"``)."""
    text = str(horizon).strip().upper()
    months: float = math.nan
    if isinstance(horizon, (int, np.integer)) and not isinstance(horizon, bool):
        months = float(horizon)
    elif isinstance(horizon, str) and text[-1:] in ("M", "Y") and text[:-1].isdigit():
        months = float(text[:-1]) * (12 if text[-1] == "Y" else 1)
    if not (months >= 1 and months == int(months)):
        raise ParameterError(f"horizon is a whole number of months >= 1, as 12, '12M' or '1Y', not {horizon!r}")
    return int(months)


def predicted_clv(
    data: Any,
    *,
    horizon: Any = "12M",
    model: str = "bg_nbd",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    penalizer_coef: float = 0.0,
    time_unit: str = "D",
    time_scaler: float = 1,
    calibration_end: Any = None,
    observation_end: Any = None,
    purchase_event: str | Sequence[str] | None = "purchase",
    week_start: str | int = "monday",
    tz: str | None = None,
    **columns: Any,
) -> PredictedCLV:
    """Each customer's predicted value over the next ``horizon`` months, in one call: a
    purchase model (``model``: ``"bg_nbd"`` BG/NBD, ``"mbg_nbd"``, ``"pareto_nbd"``) and the
    Gamma-Gamma spend model, both fitted by maximum likelihood on :func:`clv_summary` of
    ``data`` (an event log with an amount column; or a :class:`ClvSummary` already made).

    Columns, one row per customer of the summary (ascending id): ``customer_id``,
    ``frequency``, ``recency``, ``T``, ``monetary_value``; ``p_alive`` (the probability
    that she is still a customer at the end of calibration); ``expected_purchases`` in the
    horizon; ``expected_spend`` (her expected mean purchase value, Gamma-Gamma); ``clv`` =
    margin x expected spend x Σ_m (E[purchases in months 1..m] - E[in months 1..m-1]) /
    (1 + discount_rate)^m, m = 1 .. horizon (lifetimes' and PyMC-Marketing's definition,
    a month being 30 days or 4.345 weeks). The value is the total CLV.

    The time unit and scaler only set the models' clock (the predictions in months do not
    depend on it, up to how purchases on the same day or week merge into one purchase
    period). ``calibration_end`` fits on the purchases up to it and predicts from it; the
    holdout then checks the model (``result.plot("calibration")``). The fitted models are
    ``result.purchase_model`` and ``result.spend_model``; ``result.plot(kind)`` draws the
    tracking, calibration, P(alive) and frequency/recency plots.

    >>> import fidelite
    >>> shop = fidelite.datasets.load("shop")  # doctest: +SKIP
    >>> fidelite.predicted_clv(shop.events, horizon="12M").to_pandas()  # doctest: +SKIP
    """
    months = horizon_months(horizon)
    if model not in PURCHASE_MODELS:
        raise ParameterError(f"unknown model {model!r}: use one of {', '.join(map(repr, PURCHASE_MODELS))}")
    if isinstance(data, ClvSummary):
        summary = data
        if columns:
            raise ParameterError(f"column keywords {sorted(columns)} do not apply to a summary already made")
    else:
        q = parse(data, columns, metric=predicted_clv, tz=tz, as_of=observation_end)
        summary = clv_summary(
            q,
            time_unit=time_unit,
            time_scaler=time_scaler,
            calibration_end=calibration_end,
            purchase_event=purchase_event,
            week_start=week_start,
        )
    per_month = float(summary.meta["units_per_month"])
    purchases = PURCHASE_MODELS[model](penalizer_coef=penalizer_coef).fit(summary)
    n = len(summary)
    out: dict[str, np.ndarray] = {name: summary[name] for name in ("customer_id", "frequency", "recency", "T")}
    out["p_alive"] = purchases.p_alive()
    out["expected_purchases"] = purchases.conditional_expected_purchases(months * per_month)
    spend: GammaGamma | None = None
    reason = summary.reason
    if "monetary_value" in summary.columns:
        out["monetary_value"] = summary["monetary_value"]
        spend = GammaGamma(penalizer_coef=penalizer_coef).fit(summary)
        out["expected_spend"] = spend.conditional_expected_spend(summary)
        out["clv"] = customer_lifetime_value(
            purchases,
            summary,
            spend_model=spend,
            horizon=months,
            discount_rate=discount_rate,
            margin=margin,
            time_unit=per_month,
        )
    else:
        out["monetary_value"] = out["expected_spend"] = out["clv"] = np.full(n, np.nan)
    meta = {
        "horizon_months": months,
        "horizon_units": months * per_month,
        "model": model,
        "discount_rate": discount_rate,
        "margin": margin,
        "time_unit": summary.meta["time_unit"],
        "time_scaler": summary.meta["time_scaler"],
        "calibration_end": summary.meta["calibration_end"],
        "left_out": summary.meta["left_out"],
        "purchase_params": purchases.params,
        "spend_params": None if spend is None else spend.params,
        "spend_rows": None if spend is None else spend.report,
        "converged": purchases.converged and (spend is None or spend.converged),
    }
    order = ["customer_id", "frequency", "recency", "T", "monetary_value", "p_alive"]
    order += ["expected_purchases", "expected_spend", "clv"]
    return PredictedCLV(
        {k: out[k] for k in order},
        purchase_model=purchases,
        spend_model=spend,
        summary=summary,
        meta=meta,
        reason=reason,
    )


# ----------------------------------------------------------------------------- partitioned (fidelite.scale)


def _summary_share(
    query: Any,
    *,
    horizon: Any = "12M",
    model: str = "bg_nbd",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    penalizer_coef: float = 0.0,
    **summary: Any,
) -> ClvSummary:
    """A partition's share of :func:`predicted_clv`: its :func:`clv_summary`, the model's
    parameters riding in ``meta["predict"]`` to the fit (:func:`_fitted_once`)."""
    horizon_months(horizon)
    if model not in PURCHASE_MODELS:
        raise ParameterError(f"unknown model {model!r}: use one of {', '.join(map(repr, PURCHASE_MODELS))}")
    share = clv_summary(query, **summary)
    share.meta["predict"] = dict(
        horizon=horizon, model=model, discount_rate=discount_rate, margin=margin, penalizer_coef=penalizer_coef
    )
    return share


def _fitted_once(merged: ClvSummary) -> PredictedCLV:
    """The last step of :func:`predicted_clv` on partitioned data: the models fitted once,
    on the whole population's summary (the partitions' summaries concatenated in id order)."""
    return predicted_clv(merged, **merged.meta.pop("predict"))


declare(predicted_clv, Declaration(concat_clv_summaries, partial=Share(_summary_share), finish=_fitted_once))
