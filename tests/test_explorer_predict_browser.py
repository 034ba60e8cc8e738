"""The explorer's "Predicted value" tab in a real browser (notebooks/02-explorer.ipynb
served by Voila, driven by Playwright on Debian's Chromium, as in
tests/test_explorer_browser.py): the predicted value of the customers
(``predicted_clv``), the customers the model believes gone (``at_risk(method="p_alive")``)
and the retention forecast (``RetentionMatrix.forecast``) match the public API on the
notebook's data, projected cells are drawn apart (italic), and a period change redraws
the forecast.

Waits: up to 60 s for the first table (kernel start + notebook run), then Playwright's
auto-retrying ``expect``; never a sleep.
"""

from __future__ import annotations

import pytest

import fidelite

UPDATE_MS = 60_000  # the tab fits BG/NBD, Gamma-Gamma and sBG in the kernel of a busy machine
MONTHS = 12  # the tab's horizon

pytestmark = pytest.mark.browser


@pytest.fixture
def explorer(explorer_page):
    """The explorer page (tests/conftest.py), on its "Predicted value" tab."""
    explorer_page.get_by_role("tab", name="Predicted value").click()
    return explorer_page


def forecast(events, period: str):
    m = fidelite.retention(events, period=period, criterion="on_or_after")
    return m.forecast("sbg", horizon=max(m.counts.shape[1] - 1, 1) + MONTHS)


def test_predicted_value_gone_customers_and_forecast_match_the_api(explorer, explorer_events):
    from playwright.sync_api import expect

    page, events = explorer, explorer_events
    clv = fidelite.predicted_clv(events, horizon=MONTHS)
    gone = fidelite.at_risk(events, method="p_alive")
    f = forecast(events, "month")
    assert len(clv) > 0 and len(gone) > 0 and f.projected.any() and (~f.projected).any()

    value = page.locator("div.fidelite-predicted")
    expect(value).to_have_attribute("data-count", str(len(clv)), timeout=UPDATE_MS)
    assert float(value.get_attribute("data-total")) == pytest.approx(clv.value, rel=1e-9)
    expect(value).to_contain_text(f"{clv.value:,.2f} for {len(clv):,} customers")

    expect(page.locator("div.fidelite-at-risk-p-alive")).to_have_attribute("data-count", str(len(gone)))
    expect(page.locator("div.fidelite-at-risk-p-alive")).to_contain_text(f"{len(gone):,} repeat buyers")

    box = page.locator("div.fidelite-forecast-box")
    expect(box).to_have_attribute("data-projected", str(int(f.projected.sum())))
    table = box.locator("table.fidelite-forecast")
    expect(table).to_have_attribute("data-rows", str(f.rates.shape[0]))
    expect(table).to_have_attribute("data-cols", str(f.rates.shape[1]))
    projected = table.locator("td[data-projected='1']")
    expect(projected).to_have_count(int(f.projected.sum()))
    # the first cohort's last offset: a projection, its rate and its interval as the API's
    last = table.locator("tbody tr").first.locator("td[data-projected]").last
    assert f.projected[0, -1]
    expect(last).to_have_attribute("data-rate", f"{f.rates[0, -1]:.6f}")
    expect(last).to_have_attribute(
        "title", f"projected; 95% interval {100 * f.lower[0, -1]:.1f}–{100 * f.upper[0, -1]:.1f}%"
    )
    # drawn apart: projected cells in italics, observed ones upright
    assert last.evaluate("td => getComputedStyle(td).fontStyle") == "italic"
    observed = table.locator("td[data-projected='0']").first
    assert observed.evaluate("td => getComputedStyle(td).fontStyle") == "normal"


def test_a_period_change_redraws_the_forecast(explorer, explorer_events):
    from playwright.sync_api import expect

    page, events = explorer, explorer_events
    month, quarter = forecast(events, "month"), forecast(events, "quarter")
    assert month.rates.shape[0] != quarter.rates.shape[0]
    table = page.locator("div.fidelite-forecast-box table.fidelite-forecast")
    expect(table).to_have_attribute("data-rows", str(month.rates.shape[0]), timeout=UPDATE_MS)

    page.locator(".fidelite-control-period select").select_option("quarter")
    expect(table).to_have_attribute("data-rows", str(quarter.rates.shape[0]), timeout=UPDATE_MS)
    expect(page.locator("div.fidelite-forecast-box")).to_have_attribute(
        "data-projected", str(int(quarter.projected.sum()))
    )
    expect(table.locator("td[data-projected='1']")).to_have_count(int(quarter.projected.sum()))
