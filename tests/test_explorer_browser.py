"""The explorer in a real browser: notebooks/02-explorer.ipynb served by Voila, driven by
Playwright on Debian's Chromium. Controls are changed as a user would and the rendered
table, cell read-out, drill-down and charts are asserted through their data-* hooks.

Waits: up to 60 s for the first table (kernel start + notebook run), then Playwright's
auto-retrying ``expect``; never a sleep.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fidelite

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02-explorer.ipynb"  # served by explorer_page
UPDATE_MS = 30_000  # a redraw runs kernels and matplotlib in the kernel of a busy machine

pytestmark = pytest.mark.browser


def cell(page, cohort: str, offset: int):
    return page.locator(f".fidelite-matrix td[data-cohort='{cohort}'][data-offset='{offset}']")


def test_period_change_redraws_the_table_and_the_lifecycle_chart(explorer_page, explorer_events):
    from playwright.sync_api import expect

    page, events = explorer_page, explorer_events
    m = fidelite.retention(events, period="month")
    q = fidelite.retention(events, period="quarter")
    table = page.locator(".fidelite-matrix table.fidelite-retention")
    expect(table).to_have_attribute("data-rows", str(len(m.cohorts)))
    expect(cell(page, "2023-02", 1)).to_have_attribute("data-count", str(m.counts[1, 1]))

    page.get_by_role("tab", name="Lifecycle & KPIs").click()
    chart = page.locator("img.fidelite-chart[data-chart='lifecycle']")
    expect(chart).to_have_attribute("data-period", "month", timeout=UPDATE_MS)
    before = chart.get_attribute("data-digest")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")  # a real, decoded image

    page.get_by_role("tab", name="Retention").click()
    page.locator(".fidelite-control-period select").select_option("quarter")
    expect(table).to_have_attribute("data-rows", str(len(q.cohorts)), timeout=UPDATE_MS)
    expect(table).to_have_attribute("data-cols", str(q.counts.shape[1]))
    expect(cell(page, "2023-Q2", 2)).to_have_attribute("data-count", str(q.counts[1, 2]))
    expect(cell(page, "2023-02", 1)).to_have_count(0)

    page.get_by_role("tab", name="Lifecycle & KPIs").click()
    expect(chart).to_have_attribute("data-period", "quarter", timeout=UPDATE_MS)
    assert chart.get_attribute("data-digest") != before
    assert chart.get_attribute("data-periods") == str(len(fidelite.lifecycle(events, period="quarter").labels))
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.locator("img.fidelite-chart[data-chart='kpis']")).to_have_attribute("data-period", "quarter")


def test_criterion_cell_selection_drill_down_and_indices(explorer_page, explorer_events):
    from playwright.sync_api import expect

    page, events = explorer_page, explorer_events
    m = fidelite.retention(events, period="month", criterion="on_or_after", ci=0.95)
    page.locator(".fidelite-control-criterion select").select_option("on_or_after")
    expect(page.locator(".fidelite-matrix caption")).to_contain_text("criterion on_or_after", timeout=UPDATE_MS)
    expect(cell(page, "2023-01", 6)).to_have_attribute("data-count", str(m.counts[0, 6]))

    k = m.cohort_labels.index("2024-03")
    page.locator(".fidelite-control-cell_cohort select").select_option(label="2024-03")
    page.locator(".fidelite-control-cell_offset select").select_option(label="2")
    info = page.locator(".fidelite-cell")
    expect(info).to_have_attribute("data-cohort", "2024-03", timeout=UPDATE_MS)
    expect(info).to_have_attribute("data-count", str(m.counts[k, 2]), timeout=UPDATE_MS)
    expect(info).to_contain_text(f"{m.counts[k, 2]:,} of {m.sizes[k]:,} customers")
    expect(info).to_contain_text(f"95% CI {100 * m.ci_low[k, 2]:.1f}%")
    title = cell(page, "2024-03", 2).get_attribute("title")  # what hovering the cell shows
    assert title.startswith(f"count {m.counts[k, 2]:,}; 95% CI")

    page.locator(".fidelite-drill-button").click()
    drill = page.locator("div.fidelite-drill")
    expect(drill).to_have_attribute("data-count", str(m.counts[k, 2]), timeout=UPDATE_MS)
    expect(drill).to_have_attribute("data-cohort", "2024-03")
    expect(drill).to_be_visible()

    page.get_by_role("tab", name="Indices").click()
    expect(page.locator("tr[data-index='repeat_rate']")).to_have_attribute("data-status", "ok", timeout=UPDATE_MS)
    expect(page.locator("tr[data-index='nps']")).to_have_attribute("data-status", "ok")


def test_every_tab_campaigns_revenue_and_retention_controls_with_no_stderr_box(explorer_page, explorer_events):
    """Issue 16 ("no stderr box after visiting every tab") and issue 17 item 8: the new
    tabs show their numbers, the new retention controls redraw the matrix."""
    from playwright.sync_api import expect

    page, events = explorer_page, explorer_events
    shop = fidelite.datasets.demo_shop(3_000, seed=7)
    assert "contacts=shop.contacts, subscriptions=shop.subscriptions" in NOTEBOOK.read_text()

    page.locator(".fidelite-control-brackets input").fill("1, 2, 9")
    page.locator(".fidelite-control-brackets input").press("Enter")
    table = page.locator(".fidelite-matrix table.fidelite-retention")
    expect(table).to_have_attribute("data-cols", "3", timeout=UPDATE_MS)
    page.locator(".fidelite-control-return_event select").select_option("purchase")
    want = fidelite.retention(events, brackets=[1, 2, 9], return_event="purchase")
    label = want.cohort_labels[-6]
    expect(cell(page, label, 1)).to_have_attribute("data-count", str(want.counts[-6, 1]), timeout=UPDATE_MS)

    tabs = page.get_by_role("tab")
    titles = tabs.all_inner_texts()
    assert titles[5:7] == ["Campaigns", "Revenue (MRR)"]
    for title in titles:  # every tab, each drawn
        page.get_by_role("tab", name=title, exact=True).click()
    page.get_by_role("tab", name="Campaigns").click()
    as_of = np.datetime64(events.t_max, "us")  # the explorer's as-of: the latest event
    r = fidelite.campaigns(shop.contacts, events=events, as_of=as_of)
    box = page.locator("div.fidelite-campaigns-overall")
    expect(box).to_have_attribute("data-contacts", str(int(r.kpis["contacts"])), timeout=UPDATE_MS)
    pressure = page.locator("img.fidelite-chart[data-chart='campaign-pressure']")
    expect(pressure).to_have_attribute("data-periods", str(len(r.pressure)))
    assert pressure.evaluate("img => img.complete && img.naturalWidth > 0")

    page.get_by_role("tab", name="Revenue (MRR)").click()
    rr = fidelite.revenue_retention(shop.subscriptions, as_of=as_of)
    k = int(np.flatnonzero(rr["complete"])[-1])
    expect(page.locator("div.fidelite-revenue-headline")).to_have_attribute(
        "data-period", rr.meta["labels"][k], timeout=UPDATE_MS
    )
    nrr = float(page.locator("div.fidelite-revenue-headline").get_attribute("data-nrr"))
    assert nrr == pytest.approx(rr["nrr"][k], rel=1e-12)
    expect(page.locator("img.fidelite-chart[data-chart='mrr-bridge']")).to_be_visible()

    # the notebook passes programme= and tiers=: the Programme tab lists the members near their next tier
    assert "tiers=fidelite.datasets.PROGRAMME_TIERS" in NOTEBOOK.read_text()
    page.get_by_role("tab", name="Programme").click()
    near = fidelite.near_next_tier(shop.programme, tiers=fidelite.datasets.PROGRAMME_TIERS, as_of=as_of)
    assert len(near) > 0
    expect(page.locator("div.fidelite-near-next-tier")).to_have_attribute(
        "data-count", str(len(near)), timeout=UPDATE_MS
    )

    # no stderr box, no traceback, anywhere, after every tab was visited
    expect(page.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    assert "Traceback" not in page.locator("body").inner_text()
    assert page.locator(".fidelite-error").count() == 0
