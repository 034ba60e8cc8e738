"""The explorer's tabs of issue 17 in a real browser (Campaigns, Revenue, Surveys, Survival,
Programme, Predicted value) and its segment picker: a notebook exploring the demo shop with
every table, served by Voila and driven by Playwright on Debian's Chromium (the recipe of
test_explorer_browser.py). One kernel for the module: the tabs are opened as a user would,
a segment is picked, the period is changed, and the rendered parts are asserted through
their data-* hooks against the API's own numbers; no stderr box or traceback anywhere.

Waits: up to 60 s for the first table (kernel start + notebook run), then Playwright's
auto-retrying ``expect``; never a sleep.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import fidelite

FIRST_LOAD_MS = 60_000
UPDATE_MS = 60_000  # the programme's impact runs its matching and bootstrap in a busy kernel
N, SEED = 2_000, 7
SOURCE = f"""import fidelite

shop = fidelite.datasets.demo_shop({N}, seed={SEED})
fidelite.explore(shop.events, customers=shop.customers, surveys=shop.surveys, contacts=shop.contacts,
                 subscriptions=shop.subscriptions, programme=shop.programme,
                 tiers=fidelite.datasets.PROGRAMME_TIERS)"""

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


def test_new_tabs_and_the_segment_picker(explorer, shop):
    from playwright.sync_api import expect

    page = explorer
    log = fidelite.EventLog(shop.events)
    as_of = np.datetime64(log.t_max, "us")  # the explorer's as_of: the latest event
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
    points = fidelite.programme_points(shop.programme, as_of=as_of)
    expect(page.locator("div.fidelite-programme-points")).to_have_attribute("data-rate", f"{points.value:.6f}")
    migration = fidelite.tier_migration(shop.programme, as_of=as_of, tiers=fidelite.datasets.PROGRAMME_TIERS)
    expect(page.locator("div.fidelite-tier-migration")).to_have_attribute(
        "data-count", str(int(migration.counts.sum()))
    )

    near = fidelite.near_next_tier(shop.programme, tiers=fidelite.datasets.PROGRAMME_TIERS, as_of=as_of)
    expect(page.locator("div.fidelite-near-next-tier")).to_have_attribute("data-count", str(len(near)))

    for chart in ("programme-kpis", "programme-impact", "programme-points", "tier-migration", "near-next-tier"):
        expect(page.locator(f"img.fidelite-chart[data-chart='{chart}']")).to_be_visible()

    page.get_by_role("tab", name="Survival").click()
    lifetimes = fidelite.survival(log)
    part = page.locator(".fidelite-survival-part[data-source='events']")
    expect(part).to_have_attribute("data-median", f"{lifetimes.value:.6g}", timeout=UPDATE_MS)
    expect(part).to_have_attribute("data-customers", str(len(lifetimes.lifetimes)))
    curve = page.locator("img.fidelite-chart[data-chart='survival-events']")
    expect(curve).to_be_visible()
    assert curve.evaluate("img => img.complete && img.naturalWidth > 0")

    page.get_by_role("tab", name="Predicted value").click()
    clv = fidelite.predicted_clv(log, observation_end=as_of)
    expect(page.locator("div.fidelite-predicted")).to_have_attribute("data-count", str(len(clv)), timeout=UPDATE_MS)

    page.get_by_role("tab", name="Campaigns").click()
    campaigns = fidelite.campaigns(shop.contacts, events=log, as_of=as_of)
    expect(page.locator("div.fidelite-campaigns-overall")).to_have_attribute(
        "data-contacts", str(int(campaigns.kpis["contacts"])), timeout=UPDATE_MS
    )

    page.get_by_role("tab", name="Revenue (MRR)").click()
    revenue = fidelite.revenue_retention(shop.subscriptions, as_of=as_of)
    cohorts = page.locator("div.fidelite-mrr-cohorts")
    expect(cohorts).to_have_attribute("data-cohorts", str(len(revenue.cohorts.cohort_labels)), timeout=UPDATE_MS)
    expect(cohorts.locator("img.fidelite-chart[data-chart='mrr-cohorts']")).to_be_visible()

    # the segment picker, above the tabs: the open tab compares the segments at once
    by = fidelite.revenue_retention(shop.subscriptions, as_of=as_of, segment="segment", customers=shop.customers)
    page.locator(".fidelite-control-segment select").select_option("segment")
    box = page.locator(".fidelite-segments[data-tab='revenue']")
    expect(box).to_have_attribute("data-segments", str(len(by.results)), timeout=UPDATE_MS)
    expect(box.locator("img.fidelite-chart[data-chart='segments-revenue']")).to_be_visible()
    for key in by.results:
        expect(box).to_contain_text(str(key))
    # ... and every other tab with a metric per segment does when opened
    for title, key in (
        ("Retention", "retention"),
        ("Lifecycle & KPIs", "lifecycle"),
        ("Customers", "customers"),
        ("Predicted value", "predict"),
        ("Campaigns", "campaigns"),
        ("Surveys", "surveys"),
        ("Programme", "programme"),
    ):
        page.get_by_role("tab", name=title, exact=True).click()
        box = page.locator(f".fidelite-segments[data-tab='{key}']")
        expect(box).to_have_attribute("data-segment", "segment", timeout=UPDATE_MS)
        expect(box.locator(f"img.fidelite-chart[data-chart='segments-{key}']")).to_be_visible()
    page.get_by_role("tab", name="Survival").click()  # one curve per segment, with the log-rank test
    expect(part).to_have_attribute("data-logrank-p", re.compile(r"\d"), timeout=UPDATE_MS)

    # the period applies to the surveys tab too: quarters redraw its trend
    page.get_by_role("tab", name="Surveys").click()
    page.locator(".fidelite-control-segment select").select_option(label="(none)")
    expect(page.locator(".fidelite-segments[data-tab='surveys']")).to_have_count(0, timeout=UPDATE_MS)
    page.locator(".fidelite-control-period select").select_option("quarter")
    expect(trend).to_have_attribute("data-periods", str(len(quarter)), timeout=UPDATE_MS)
    expect(trend).to_have_attribute("data-latest", f"{quarter.value:.6f}")

    # no stderr box, no traceback, no error anywhere
    expect(page.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    assert "Traceback" not in page.locator("body").inner_text()
    assert page.locator(".fidelite-error").count() == 0
