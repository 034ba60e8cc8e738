"""The explorer's "Survival" tab in a real browser (notebooks/02-explorer.ipynb served by
Voila, driven by Playwright on Debian's Chromium): opening the tab draws the curve of the
notebook's data, with its median and a decoded chart."""

from __future__ import annotations

from pathlib import Path

import pytest

import fidelite

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02-explorer.ipynb"
FIRST_LOAD_MS = 60_000
UPDATE_MS = 30_000

pytestmark = pytest.mark.browser


def test_survival_tab_draws_the_curve(voila, page):
    from playwright.sync_api import expect

    assert "demo_shop(3_000, seed=7)" in NOTEBOOK.read_text()
    events = fidelite.EventLog(fidelite.datasets.demo_shop(3_000, seed=7).events)
    want = fidelite.survival(events)
    page.goto(voila(NOTEBOOK))
    expect(page.locator(".fidelite-matrix table.fidelite-retention")).to_be_visible(timeout=FIRST_LOAD_MS)
    page.get_by_role("tab", name="Survival").click()
    part = page.locator(".fidelite-survival-part[data-source='events']")
    expect(part).to_have_attribute("data-median", f"{want.value:.6g}", timeout=UPDATE_MS)
    expect(part).to_have_attribute("data-customers", str(len(want.lifetimes)))
    chart = page.locator("img.fidelite-chart[data-chart='survival-events']")
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
