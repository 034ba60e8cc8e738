"""The "predicted value" section: each customer's predicted value over the next 12 months
(BG/NBD and Gamma-Gamma, :func:`fidelite.predicted_clv`), the customers the model believes
gone (``at_risk(method="p_alive")``), and the cohort retention forecast
(:meth:`RetentionMatrix.forecast`)."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from .. import metrics
from ..metrics.retention import retention
from ..results import RetentionMatrix
from ..results.formatting import num, pct
from .model import Block, Figure, ReportInputs, Skip, Table, build_parts, purchase_hint
from .sections import describe_table

#: Customers listed in the top-value and at-risk tables.
TOP = 10
#: Months ahead of the predicted value.
HORIZON_MONTHS = 12


def _kw(inputs: ReportInputs) -> dict[str, Any]:
    kw = inputs.kw(purchases=True)
    if "as_of" in kw:
        kw["observation_end"] = kw.pop("as_of")
    return kw


def _value(inputs: ReportInputs) -> list[Block]:
    r = metrics.predicted_clv(inputs.log, horizon=HORIZON_MONTHS, **_kw(inputs))
    p = r.meta["purchase_params"]
    total = float(np.nansum(r["clv"]))
    facts = [
        ["customers with a purchase", num(len(r))],
        [f"predicted value, next {HORIZON_MONTHS} months", num(total)],
        ["mean predicted value per customer", num(total / len(r)) if len(r) else num(None)],
        ["expected purchases, next 12 months", num(float(np.sum(r["expected_purchases"])))],
        ["share of customers still active (mean P(alive))", pct(100 * float(np.mean(r["p_alive"])))],
        ["BG/NBD r, alpha, a, b (time unit: day)", ", ".join(f"{p[k]:.4g}" for k in ("r", "alpha", "a", "b"))],
        ["fit converged", "yes" if r.meta["converged"] else "no"],
    ]
    order = np.argsort(-np.nan_to_num(r["clv"], nan=-np.inf), kind="stable")
    top = {k: np.asarray(r[k])[order] for k in ("customer_id", "frequency", "p_alive", "expected_purchases", "clv")}
    summary, model = r.summary, r.purchase_model

    def tracking(fig: Any) -> None:
        assert summary is not None
        summary.plot_tracking(model, ax=fig.subplots())

    def p_alive(fig: Any) -> None:
        r.matrix("p_alive").plot(ax=fig.subplots())

    return [
        Table(["", "value"], facts, caption="BG/NBD purchases and Gamma-Gamma spend", key="predicted-value"),
        describe_table(top, key="predicted-top", caption="customers with the highest predicted value", max_rows=TOP),
        Figure("predicted-tracking", "Repeat purchases, actual and as the model expects", tracking, (8.0, 3.5)),
        Figure("predicted-p-alive", "P(alive) by frequency and recency", p_alive, (7.0, 4.5)),
    ]


def _gone(inputs: ReportInputs) -> list[Block]:
    r = metrics.at_risk(inputs.log, method="p_alive", **inputs.kw(purchases=True))
    cols = {k: r[k] for k in ("customer_id", "last_purchase", "days_since", "p_alive", "revenue")}
    caption = (
        f"{num(len(r))} of {num(r.meta.get('eligible', 0))} repeat buyers whose BG/NBD P(alive) "
        f"is below {r.meta['threshold']:g}, by revenue"
    )
    return [describe_table(cols, key="at-risk-p-alive", caption=caption, max_rows=TOP)]


def _forecast(inputs: ReportInputs) -> list[Block]:
    m = retention(inputs.log, period=inputs.period, criterion="on_or_after", **inputs.kw())
    assert isinstance(m, RetentionMatrix)  # no segment: one matrix
    f = m.forecast("sbg", horizon=max(m.counts.shape[1] - 1, 1) + 12)
    pool = f.pooled_model
    ahead = [t for t in (1, 3, 6, 12, 24, 36) if t < f.rates.shape[1]]
    table = pool.survival_table(ahead)
    rows = [
        [num(int(t)), pct(100 * s), f"{pct(100 * lo)} - {pct(100 * hi)}"]
        for t, s, lo, hi in zip(table["period"], table["survival"], table["survival_lower"], table["survival_upper"])
    ]
    caption = (
        f"sBG fitted on every cohort (alpha {pool.params['alpha']:.3g}, beta {pool.params['beta']:.3g}): "
        f"share of a cohort still active after each {inputs.period}, 95% interval; "
        "the matrix projects every cohort 12 periods past the data (italic, hatched)"
    )
    return [
        Table(
            [f"{inputs.period}s", "still active", "95% interval"],
            rows,
            caption=caption,
            key="forecast",
            html=f.to_html(),
        ),  # fmt: skip
        Figure("forecast", "Retention forecast (hatched: projected)", lambda fig: f.plot(ax=fig.subplots()), (9, 5)),
    ]


def predict_section(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    """Predicted value, customers likely gone, and the retention forecast."""
    parts = [("predicted value", _value), ("at risk by P(alive)", _gone), ("forecast", _forecast)]
    skipped = []
    if not inputs.log.has("amount"):  # the predicted value needs spend
        skipped.append("predicted value: skipped, needs an amount column (--amount COL).")
        parts = parts[1:]
    blocks, notes = build_parts((label, partial(build, inputs)) for label, build in parts)
    notes = skipped + notes
    if not blocks:
        raise Skip("needs purchases with an amount column (--amount COL)")
    notes.append(
        "Models fitted by maximum likelihood: BG/NBD for purchases (time in days), Gamma-Gamma for spend, "
        "sBG for cohort survival; a month is 30 days, values discounted at 1% a month."
    )
    return blocks, purchase_hint(notes)
