"""The explorer's "Predicted value" tab: the predicted value of each customer over the
next 12 months (:func:`fidelite.predicted_clv`), the customers the BG/NBD model believes
gone (``at_risk(method="p_alive")``) and the cohort retention forecast
(:meth:`RetentionMatrix.forecast`), each rendered alone so that one failing part does
not hide the others."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ..metrics import at_risk, predicted_clv, retention
from ..results import RetentionMatrix
from ..results.formatting import html_table
from ._html import parts_html

#: Customers listed in the top-value and at-risk tables.
ROWS = 20
#: Months ahead of the predicted value, and periods the forecast extends past the data.
HORIZON_MONTHS = 12


def predicted_value_html(log: Any, *, as_of: Any, tz: str) -> str:
    r = predicted_clv(log, horizon=HORIZON_MONTHS, observation_end=as_of, tz=tz)
    order = np.argsort(-np.nan_to_num(r["clv"], nan=-np.inf), kind="stable")[:ROWS]
    top = {k: np.asarray(r[k])[order] for k in ("customer_id", "frequency", "p_alive", "expected_purchases", "clv")}
    title = (
        f"predicted value over the next {HORIZON_MONTHS} months: {r.value:,.2f} for {len(r):,} customers "
        f"(BG/NBD and Gamma-Gamma); the top {ROWS}"
    )
    return (
        f"<h4>Predicted value</h4><div class='fidelite-predicted' data-total='{r.value:.6f}' data-count='{len(r)}'>"
        f"{html_table(top, title=title)}</div>"
    )


def gone_html(log: Any, *, as_of: Any, tz: str) -> str:
    t = at_risk(log, method="p_alive", as_of=as_of, tz=tz)
    top = {k: t[k][:ROWS] for k in ("customer_id", "days_since", "p_alive", "frequency", "revenue")}
    title = f"{len(t):,} repeat buyers with P(alive) < {t.meta['threshold']:g}; the top {ROWS} by revenue"
    return (
        f"<h4>Customers the model believes gone</h4><div class='fidelite-at-risk-p-alive' data-count='{len(t)}'>"
        f"{html_table(top, title=title)}</div>"
    )


def forecast_html(log: Any, *, as_of: Any, tz: str, period: str) -> str:
    m = retention(log, period=period, criterion="on_or_after", as_of=as_of, tz=tz)
    assert isinstance(m, RetentionMatrix)  # no segment: one matrix
    f = m.forecast("sbg", horizon=max(m.counts.shape[1] - 1, 1) + HORIZON_MONTHS)
    return (
        f"<h4>Retention forecast</h4><div class='fidelite-forecast-box' style='overflow:auto' "
        f"data-projected='{int(f.projected.sum())}'>{f.to_html()}</div>"
    )


def predict_tab_html(log: Any, *, as_of: Any, tz: str, period: str) -> str:
    """The tab's HTML; a part that fails shows its error in its place (a log without
    amounts still forecasts)."""
    parts = [
        lambda: predicted_value_html(log, as_of=as_of, tz=tz),
        lambda: gone_html(log, as_of=as_of, tz=tz),
        lambda: forecast_html(log, as_of=as_of, tz=tz, period=period),
    ]
    return parts_html(parts) or html.escape("nothing to predict")
