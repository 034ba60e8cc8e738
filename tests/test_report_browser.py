"""The HTML report opened in a real Chromium: every section is displayed, the cohort table
has one row per cohort plus the average, the charts are decoded images of non-zero size,
and the page asks for nothing outside itself."""

from __future__ import annotations

import pytest

import fidelite
from fidelite.report import SECTIONS, SectionBuilder, build_report

pytestmark = pytest.mark.browser

KEYS = ["accounting", "kpis", "cohorts", "lifecycle", "customers", "indices", "methods"]
CHARTS = ["kpi-trends", "retention-heatmap", "lifecycle-chart", "rfm-segments"]


def _broken(inputs):
    raise RuntimeError("this section always fails")


@pytest.fixture(scope="module")
def report_file(shop, tmp_path_factory):
    report = build_report(
        shop.events,
        period="quarter",
        customers=shop.customers,
        surveys=shop.surveys,
        contacts=shop.contacts,
        subscriptions=shop.subscriptions,
        sections=[*SECTIONS[:3], SectionBuilder("broken", "Broken", _broken), *SECTIONS[3:]],
    )
    path = tmp_path_factory.mktemp("report") / "report.html"
    report.write_html(path)
    return path


@pytest.fixture
def opened(page, report_file):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report_file.as_uri())
    return page, requests


def test_every_section_is_displayed(opened):
    from playwright.sync_api import expect

    page, requests = opened
    for key in KEYS:
        section = page.locator(f"section[data-section='{key}']")
        expect(section).to_be_visible()
        expect(section.locator("h2")).to_be_visible()
        expect(section).to_have_attribute("data-status", "ok")
        expect(section).to_have_attribute("id", f"section-{key}")
    expect(page.locator("[data-section='accounting'] [data-table='row-accounting']")).to_contain_text("rows read")
    expect(page.locator("[data-section='methods']")).to_contain_text("promoters (scores 9-10)")
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []


def test_a_failing_section_shows_its_error_between_the_others(opened):
    from playwright.sync_api import expect

    page, _ = opened
    alert = page.locator("section[data-section='broken'] [role='alert']")
    expect(alert).to_be_visible()
    expect(alert).to_have_text("error: RuntimeError: this section always fails")
    expect(page.locator("section[data-section='lifecycle'] table")).to_be_visible()


def test_the_cohort_table_has_a_row_per_cohort_and_the_average(opened, shop):
    from playwright.sync_api import expect

    page, _ = opened
    m = fidelite.retention(shop.events, period="quarter")
    table = page.locator("[data-section='cohorts'] table.fidelite-retention")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(len(m.cohorts) + 1)
    expect(table.locator("tbody tr").first.locator("th")).to_have_text(m.cohort_labels[0])
    expect(table.locator("tbody tr.average th")).to_have_text("average")
    expect(table.locator("thead th")).to_have_count(2 + m.shape[1])


def test_charts_are_visible_decoded_images(opened):
    from playwright.sync_api import expect

    page, _ = opened
    for key in CHARTS:
        img = page.locator(f"figure[data-chart='{key}'] img")
        expect(img).to_be_visible()
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth * i.naturalHeight") > 0, key
        box = img.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, key
