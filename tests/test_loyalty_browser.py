"""The explorer's "Surveys" and "Programme" tabs in a real browser: a notebook exploring the
demo shop with its surveys and programme tables, served by Voila and driven by Playwright on
Debian's Chromium (the recipe of test_explorer_browser.py). The tabs are opened as a user
would, the period is changed, and the rendered parts are asserted through their data-*
hooks against the API's own numbers.

Waits: up to 60 s for the first table (kernel start + notebook run), then Playwright's
auto-retrying ``expect``; never a sleep.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import fidelite

FIRST_LOAD_MS = 60_000
UPDATE_MS = 60_000  # the programme's impact runs its matching and bootstrap in a busy kernel
N, SEED = 2_000, 7
SOURCE = f"""import fidelite

shop = fidelite.datasets.demo_shop({N}, seed={SEED})
fidelite.explore(shop.events, customers=shop.customers, surveys=shop.surveys, programme=shop.programme)"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop():
    return fidelite.datasets.demo_shop(N, seed=SEED)


@pytest.fixture
def explorer(voila, page, tmp_path):
    from playwright.sync_api import expect

    notebook = tmp_path / "loyalty.ipynb"
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": SOURCE}
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.write_text(
        json.dumps({"cells": [cell], "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5})
    )
    page.goto(voila(notebook))
    expect(page.locator(".fidelite-matrix table.fidelite-retention")).to_be_visible(timeout=FIRST_LOAD_MS)
    return page


def test_surveys_and_programme_tabs(explorer, shop):
    from playwright.sync_api import expect

    page = explorer
    log = fidelite.EventLog(shop.events)
    month = fidelite.nps_over_time(shop.surveys, by="month")
    quarter = fidelite.nps_over_time(shop.surveys, by="quarter")
    behaviour = fidelite.nps_behaviour(log, surveys=shop.surveys, days=90)
    transitions = fidelite.nps_transitions(shop.surveys)

    page.get_by_role("tab", name="Surveys").click()
    trend = page.locator("div.fidelite-nps-trend")
    expect(trend).to_have_attribute("data-periods", str(len(month)), timeout=UPDATE_MS)
    expect(trend).to_have_attribute("data-latest", f"{month.value:.6f}")
    expect(trend.locator("table")).to_be_visible()
    expect(page.locator("div.fidelite-nps-behaviour")).to_have_attribute(
        "data-answers", str(int(behaviour["answers"][-1]))
    )
    expect(page.locator("div.fidelite-nps-transitions")).to_have_attribute(
        "data-count", str(int(transitions.counts.sum()))
    )

    page.get_by_role("tab", name="Programme").click()
    impact = fidelite.programme_impact(log, programme=shop.programme)
    box = page.locator("div.fidelite-programme-impact")
    expect(box).to_have_attribute("data-effect", f"{impact.value:.6f}", timeout=UPDATE_MS)
    expect(box).to_contain_text("difference in differences")
    kpis = fidelite.programme_kpis(log, programme=shop.programme)
    expect(page.locator("div.fidelite-programme-kpis")).to_have_attribute(
        "data-members", str(int(kpis["customers"][0]))
    )
    as_of = np.datetime64(log.t_max, "us")  # the explorer's as_of: the latest event
    points = fidelite.programme_points(shop.programme, as_of=as_of)
    expect(page.locator("div.fidelite-programme-points")).to_have_attribute("data-rate", f"{points.value:.6f}")
    migration = fidelite.tier_migration(shop.programme, as_of=as_of)
    expect(page.locator("div.fidelite-tier-migration")).to_have_attribute(
        "data-count", str(int(migration.counts.sum()))
    )

    # the period applies to the surveys tab too: quarters redraw its trend
    page.locator(".fidelite-control-period select").select_option("quarter")
    page.get_by_role("tab", name="Surveys").click()
    expect(trend).to_have_attribute("data-periods", str(len(quarter)), timeout=UPDATE_MS)
    expect(trend).to_have_attribute("data-latest", f"{quarter.value:.6f}")
