"""The report's "Predicted value" section carries ``predicted_clv``,
``at_risk(method="p_alive")`` and ``RetentionMatrix.forecast``: its tables hold the API's
numbers on the same log, and the HTML file shows them under their ``data-table`` hooks
(the explorer's tab is checked in a browser by tests/test_explorer_predict_browser.py)."""

from __future__ import annotations

import numpy as np
import pytest

import fidelite
from fidelite.report import SECTIONS, Report, Table, build_report
from fidelite.results.formatting import num

MONTHS = 12  # the section's horizon


@pytest.fixture(scope="module")
def report(shop) -> Report:
    return build_report(shop.events, period="quarter", sections=[s for s in SECTIONS if s.key == "predict"])


def table(report: Report, key: str) -> Table:
    found = [b for b in report.section("predict").blocks if isinstance(b, Table) and b.key == key]
    assert found, key
    return found[0]


def test_the_section_is_built(report):
    s = report.section("predict")
    assert s.status == "ok", s.message
    html = report.to_html()
    for key in ("predicted-value", "predicted-top", "at-risk-p-alive", "forecast"):
        assert f"data-table='{key}'" in html
    for chart in ("predicted-tracking", "predicted-p-alive", "forecast"):
        assert f"data-chart='{chart}'><img src='data:image/png;base64," in html


def test_predicted_value_is_predicted_clv(report, shop):
    r = fidelite.predicted_clv(shop.events, horizon=MONTHS)
    facts = {row[0]: row[1] for row in table(report, "predicted-value").rows}
    assert facts["customers with a purchase"] == num(len(r))
    assert facts[f"predicted value, next {MONTHS} months"] == num(float(np.nansum(r["clv"])))
    assert facts["fit converged"] == "yes"
    top = table(report, "predicted-top")
    order = np.argsort(-r["clv"], kind="stable")
    assert top.data is not None
    np.testing.assert_array_equal(top.data["customer_id"], np.asarray(r["customer_id"])[order])
    np.testing.assert_allclose(top.data["clv"], np.asarray(r["clv"])[order], rtol=1e-12)
    np.testing.assert_allclose(top.data["p_alive"], np.asarray(r["p_alive"])[order], rtol=1e-12)


def test_customers_believed_gone_are_at_risk_by_p_alive(report, shop):
    r = fidelite.at_risk(shop.events, method="p_alive")
    t = table(report, "at-risk-p-alive")
    assert len(r) > 0 and t.data is not None
    np.testing.assert_array_equal(t.data["customer_id"], r["customer_id"])
    np.testing.assert_allclose(t.data["p_alive"], r["p_alive"], rtol=1e-12)
    assert t.caption.startswith(f"{num(len(r))} of ")
    assert f"is below {r.meta['threshold']:g}" in t.caption


def test_the_forecast_is_the_retention_matrix_forecast(report, shop):
    m = fidelite.retention(shop.events, period="quarter", criterion="on_or_after")
    f = m.forecast("sbg", horizon=max(m.counts.shape[1] - 1, 1) + 12)
    t = table(report, "forecast")
    assert f.projected.any() and t.html == f.to_html()
    assert f"data-table='forecast'>{f.to_html()}" in report.to_html()
    survival = {row[0]: row[1] for row in t.rows}
    pool = f.pooled_model
    assert survival["1"] == f"{100 * pool.survival_table([1])['survival'][0]:.1f}%"
