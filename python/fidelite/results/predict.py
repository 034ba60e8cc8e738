"""Results of the predictive models: the models' summary (:class:`ClvSummary`), the
per-customer predictions (:class:`PredictedCLV`), a model's grid over frequency and
recency (:class:`ModelGrid`), and their plots (tracking, calibration against holdout,
the P(alive) and frequency/recency matrices).

A fitted model is read through the few methods every purchase model of
:mod:`fidelite.models` has (``expected_purchases``, ``conditional_expected_purchases``),
so this module does not import the models. docs/metrics.md ("Prediction") defines the
columns.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np

from ..exceptions import ParameterError
from . import style
from .base import TableResult

#: Customers per bin of the calibration-against-holdout table: calibration frequencies
#: 0 .. N - 1, and N or more.
HOLDOUT_BINS = 7


class PurchaseModel(Protocol):
    """What the plots read of a fitted purchase model (BG/NBD, MBG/NBD, Pareto/NBD)."""

    def expected_purchases(self, t: Any) -> np.ndarray: ...

    def conditional_expected_purchases(self, t: float, data: Any = None) -> np.ndarray: ...

    def p_alive(self, data: Any = None) -> np.ndarray: ...


class TrackingSource(Protocol):
    """The actual purchases per period of a summary's time unit (``starts``, ``births``,
    ``repeats``), computed from the log on first use."""

    starts: np.ndarray
    births: np.ndarray
    repeats: np.ndarray


class ClvSummary(TableResult):
    """The table the customer-base models read: one row per customer with a purchase at
    or before the end of calibration, in ascending id order (docs/metrics.md, "Summary
    for the models").

    Columns: ``customer_id``, ``first_purchase`` (datetime64[us]), ``frequency`` (repeat
    purchase periods), ``recency``, ``T``, ``monetary_value`` (with an amount column) and,
    with a calibration end, ``frequency_holdout``, ``monetary_value_holdout``,
    ``duration_holdout``. ``meta`` holds the time unit, the scaler, the calibration and
    observation ends and the customers left out (``meta["left_out"]``: reason -> count).

    Any model of :mod:`fidelite.models` fits it directly: ``BetaGeo().fit(summary)``.
    """

    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        *,
        meta: dict[str, Any],
        tracking: Callable[[], TrackingSource] | None = None,
        reason: str | None = None,
    ) -> None:
        unit = meta["time_unit"] + (f" / {meta['time_scaler']:g}" if meta["time_scaler"] != 1 else "")
        super().__init__(
            columns,
            title=f"summary for the models ({len(next(iter(columns.values())))} customers, time unit {unit})",
            meta=meta,
            reason=reason,
        )
        self.tracking_source = tracking

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with its tracking data computed (the events it came from stay behind)."""
        state = self.__dict__.copy()
        if state.get("tracking_source") is not None:
            state["tracking_source"] = functools.partial(_same, state["tracking_source"]())
        return state

    @property
    def holdout(self) -> bool:
        """Whether the table has holdout columns (a calibration end was given)."""
        return "frequency_holdout" in self.columns

    # ------------------------------------------------------------------ tracking
    def tracking(self, model: PurchaseModel) -> TableResult:
        """Repeat purchases per period of the time unit, actual against ``model``: one row
        per period from the first purchase to the end of observation, with ``births``
        (first purchases), ``actual`` and ``expected`` repeat purchases and their running
        sums ``actual_cumulative`` and ``expected_cumulative``.

        The model line sums, over the customers born in each earlier period, their
        expected repeat purchases E[X(t)] over the t periods since (periods divided by the
        time scaler, as recency and T are): customers born after the calibration end
        count too, as the model predicts for new customers."""
        if self.tracking_source is None:
            raise ParameterError("this summary does not know the events it came from: recompute it with clv_summary")
        src = self.tracking_source()
        n = len(src.births)
        ex = np.asarray(model.expected_purchases(np.arange(n) / float(self.meta["time_scaler"])), dtype=float)
        cumulative = np.convolve(src.births.astype(float), ex)[:n]
        expected = np.diff(cumulative, prepend=0.0)
        return TableResult(
            {
                "period_start": src.starts,
                "births": src.births,
                "actual": src.repeats,
                "expected": expected,
                "actual_cumulative": np.cumsum(src.repeats),
                "expected_cumulative": cumulative,
            },
            title=f"tracking: repeat purchases per {self.meta['period']}, actual and expected",
            meta={"calibration_end": self.meta["calibration_end"]},
        )

    def plot_tracking(self, model: PurchaseModel, *, cumulative: bool = True, ax: Any = None) -> Any:
        """Tracking plot: repeat purchases over time, actual (solid) against ``model``
        (dashed), cumulative or per period; a vertical line marks the calibration end.
        Returns the Axes."""
        t = self.tracking(model)
        ax = _axes(ax, (9, 4))
        key = "_cumulative" if cumulative else ""
        x = t["period_start"]
        ax.plot(x, t["actual" + key], color=style.ACTUAL, lw=1.4, label="actual")
        ax.plot(x, t["expected" + key], color=style.PRIMARY, lw=1.4, ls="--", label="model")
        if self.holdout:
            ax.axvline(np.datetime64(self.meta["calibration_end"], "D"), color=style.NEUTRAL, ls=":", lw=1)
        kind = "cumulative repeat purchases" if cumulative else f"repeat purchases per {self.meta['period']}"
        ax.set_ylabel(kind)
        ax.set_title(f"Tracking: {kind}")
        ax.legend(frameon=False)
        return style.finish(ax)

    # ------------------------------------------------------------------ holdout
    def calibration_vs_holdout(self, model: PurchaseModel, *, bins: int = HOLDOUT_BINS) -> TableResult:
        """Customers grouped by calibration frequency (0 .. ``bins`` - 1, then ``bins`` or
        more): their number, mean holdout purchases actual and as ``model`` predicts them
        (conditional expected purchases over the holdout duration)."""
        if not self.holdout:
            raise ParameterError("calibration_vs_holdout needs holdout columns: pass calibration_end= to clv_summary")
        if int(bins) != bins or bins < 1:
            raise ParameterError(f"bins is a whole number >= 1, not {bins!r}")
        x = self.columns["frequency"]
        duration = float(self.columns["duration_holdout"][0]) if len(x) else 0.0
        predicted = np.asarray(model.conditional_expected_purchases(duration, self), dtype=float)
        group = np.minimum(x, bins).astype(np.int64)
        n = np.bincount(group, minlength=bins + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            actual = np.bincount(group, weights=self.columns["frequency_holdout"], minlength=bins + 1) / n
            model_mean = np.bincount(group, weights=predicted, minlength=bins + 1) / n
        labels = np.array([str(k) for k in range(bins)] + [f"{bins}+"], dtype=object)
        return TableResult(
            {"frequency": labels, "customers": n, "actual": actual, "model": model_mean},
            title=f"mean holdout purchases by calibration frequency (holdout {duration:g} time units)",
        )

    def plot_calibration_vs_holdout(self, model: PurchaseModel, *, bins: int = HOLDOUT_BINS, ax: Any = None) -> Any:
        """Mean holdout purchases per calibration frequency, actual against ``model``.
        Returns the Axes."""
        t = self.calibration_vs_holdout(model, bins=bins)
        ax = _axes(ax, (7, 4))
        x = np.arange(len(t))
        ax.plot(x, t["actual"], "o-", color=style.ACTUAL, label="actual")
        ax.plot(x, t["model"], "s--", color=style.PRIMARY, label="model")
        ax.set_xticks(x, list(t["frequency"]))
        ax.set_xlabel("purchases in calibration (frequency)")
        ax.set_ylabel("mean purchases in holdout")
        ax.set_title("Calibration against holdout")
        ax.legend(frameon=False)
        return style.finish(ax)


class ModelGrid(TableResult):
    """A model's prediction over a grid of frequency x recency at one age ``T`` (the P(alive)
    or the frequency/recency matrix of Fader, Hardie & Lee 2005): ``values[i, j]`` at
    ``frequency[i]`` and ``recency[j]``; cells with recency > T or recency > 0 at frequency 0
    are NaN (no such history). ``to_dict()`` is the long form."""

    def __init__(
        self, values: np.ndarray, frequency: np.ndarray, recency: np.ndarray, *, T: float, what: str, title: str
    ) -> None:
        f, r = np.meshgrid(frequency, recency, indexing="ij")
        super().__init__(
            {"frequency": f.ravel(), "recency": r.ravel(), what: values.ravel()},
            title=title,
            meta={"T": T, "what": what},
        )
        self.values = values
        self.frequency = frequency
        self.recency = recency
        self.T = T
        self.what = what

    def plot(self, ax: Any = None) -> Any:
        """The grid as a heatmap (frequency down, recency across, as lifetimes draws it).
        Returns the Axes."""
        ax = _axes(ax, (7, 5.5))
        extent = (self.recency[0], self.recency[-1], self.frequency[-1], self.frequency[0])
        im = ax.imshow(self.values, aspect="auto", cmap=style.cmap(), interpolation="nearest", extent=extent)
        ax.set_xlabel("recency (time of the last purchase)")
        ax.set_ylabel("frequency (repeat purchases)")
        ax.set_title(self.title)
        ax.figure.colorbar(im, ax=ax, label=self.what.replace("_", " "))
        return style.finish(ax)


def model_grid(
    model: PurchaseModel,
    *,
    T: float,
    max_frequency: int,
    what: str = "p_alive",
    t: float = 1.0,
    steps: int = 60,
) -> ModelGrid:
    """A model's P(alive) (``what="p_alive"``) or expected purchases in the next ``t``
    (``what="expected_purchases"``) over frequency 0 .. ``max_frequency`` and ``steps`` + 1
    recencies from 0 to ``T``, for customers of age ``T`` (lifetimes' matrices take the
    largest T and frequency of the customers)."""
    if what not in ("p_alive", "expected_purchases"):
        raise ParameterError(f"what is 'p_alive' or 'expected_purchases', not {what!r}")
    if not (T > 0 and math.isfinite(T)):
        raise ParameterError(f"the grid needs a positive age T, not {T!r}")
    frequency = np.arange(int(max_frequency) + 1, dtype=float)
    recency = np.linspace(0.0, float(T), int(steps) + 1)
    f, r = np.meshgrid(frequency, recency, indexing="ij")
    valid = (f > 0) | (r == 0)
    cells = {"frequency": f[valid], "recency": r[valid], "T": np.full(int(valid.sum()), float(T))}
    values = np.full(f.shape, np.nan)
    if what == "p_alive":
        values[valid] = model.p_alive(cells)
        title = f"P(alive) by frequency and recency (T = {T:g})"
    else:
        values[valid] = model.conditional_expected_purchases(t, cells)
        title = f"expected purchases in the next {t:g} by frequency and recency (T = {T:g})"
    return ModelGrid(values, frequency, recency, T=float(T), what=what, title=title)


class PredictedCLV(TableResult):
    """Per-customer predictions of :func:`fidelite.predicted_clv`, in ascending id order:
    ``customer_id``, the history (``frequency``, ``recency``, ``T``, ``monetary_value``),
    ``p_alive``, ``expected_purchases`` (over the horizon), ``expected_spend`` (per
    purchase) and ``clv`` (discounted value over the horizon). ``value`` is the total CLV.

    ``purchase_model`` and ``spend_model`` are the fitted models, ``summary`` the
    :class:`ClvSummary` they were fitted on; :meth:`plot` draws the diagnostics.
    """

    KINDS = ("tracking", "incremental", "calibration", "p_alive", "frequency_recency", "clv")

    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        *,
        purchase_model: Any,
        spend_model: Any,
        summary: ClvSummary | None,
        meta: dict[str, Any],
        reason: str | None = None,
    ) -> None:
        clv = np.asarray(columns["clv"], dtype=float)
        total = float(np.nansum(clv)) if len(clv) and not np.all(np.isnan(clv)) else math.nan
        super().__init__(
            columns,
            title=f"predicted CLV over {meta['horizon_months']} months ({len(clv):,} customers)",
            value=total,
            reason=reason,
            meta=meta,
        )
        self.purchase_model = purchase_model
        self.spend_model = spend_model
        self.summary = summary

    def matrix(self, kind: str = "p_alive") -> ModelGrid:
        """The purchase model's P(alive) (``"p_alive"``) or expected purchases over the
        horizon (``"frequency_recency"``) by frequency and recency, at the largest age and
        up to the largest frequency of the customers (Fader, Hardie & Lee 2005)."""
        if kind not in ("p_alive", "frequency_recency"):
            raise ParameterError(f"kind is 'p_alive' or 'frequency_recency', not {kind!r}")
        T = float(np.max(self["T"])) if len(self) else 0.0
        max_frequency = int(np.max(self["frequency"])) if len(self) else 0
        what = "p_alive" if kind == "p_alive" else "expected_purchases"
        return model_grid(
            self.purchase_model, T=T, max_frequency=max_frequency, what=what, t=self.meta["horizon_units"]
        )

    def plot(self, kind: str = "tracking", ax: Any = None) -> Any:
        """One diagnostic plot: ``"tracking"`` (cumulative repeat purchases, actual
        against the model), ``"incremental"`` (per period), ``"calibration"`` (holdout
        purchases by calibration frequency; needs a calibration end), ``"p_alive"`` and
        ``"frequency_recency"`` (the model's matrices), ``"clv"`` (the distribution of
        CLV). Returns the Axes."""
        if kind not in self.KINDS:
            raise ParameterError(f"unknown plot kind {kind!r}: use one of {', '.join(map(repr, self.KINDS))}")
        if kind in ("tracking", "incremental", "calibration") and self.summary is None:
            raise ParameterError(f"plot(kind={kind!r}) needs the summary of an event log, not a table of customers")
        if kind in ("tracking", "incremental"):
            assert self.summary is not None
            return self.summary.plot_tracking(self.purchase_model, cumulative=kind == "tracking", ax=ax)
        if kind == "calibration":
            assert self.summary is not None
            return self.summary.plot_calibration_vs_holdout(self.purchase_model, ax=ax)
        if kind in ("p_alive", "frequency_recency"):
            return self.matrix(kind).plot(ax=ax)
        ax = _axes(ax, (7, 4))
        clv = np.asarray(self["clv"], dtype=float)
        clv = clv[np.isfinite(clv)]
        ax.hist(clv, bins=50, color=style.PRIMARY)
        ax.set_yscale("log")
        ax.set_xlabel(f"CLV over {self.meta['horizon_months']} months")
        ax.set_ylabel("customers")
        ax.set_title("Distribution of predicted CLV")
        return style.finish(ax)


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    return style.axes(ax, size)


def _same(value: Any) -> Any:
    return value
