"""The HTML report of a messy CSV export (issue 16: UUID and "C-…" ids, ISO timestamps with
offsets, empty amounts, refunds, ~20 bad rows, no product or duration column), written by
the command line and opened in a real Chromium: the row accounting, the skipped-with-reason
lines, and no value cut anywhere."""

from __future__ import annotations

import messy
import pytest

from fidelite.cli import main

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[messy.Messy, object]:
    folder = tmp_path_factory.mktemp("messy-report")
    data = messy.write(folder / "export.csv")
    out = folder / "report.html"
    assert main(["report", str(data.path), *messy.OPTIONS, "--html", str(out), "--output", str(folder / "r.txt")]) == 0
    return data, out


@pytest.fixture
def opened(page, report):
    data, path = report
    page.goto(path.as_uri())
    return page, data


def cells(page, table: str) -> dict[str, str]:
    rows = page.locator(f"[data-table='{table}'] tr").all_inner_texts()
    out = {}
    for r in rows:
        parts = [p.strip() for p in r.split("\t")]
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


def test_row_accounting(opened):
    page, data = opened
    rows = cells(page, "row-accounting")
    bad = sum(data.bad.values())
    assert rows["rows read"] == f"{data.rows:,}"
    assert rows["rows used"] == f"{data.rows - bad:,}" and rows["rows rejected"] == str(bad)
    for reason, n in data.bad.items():
        assert rows[f"rejected: {reason}"] == str(n)
    assert rows["note: missing amounts counted as 0"] == f"{data.empty_amounts:,}"
    assert rows["note: refunds (negative amounts)"] == f"{data.refunds:,}"


def test_skipped_with_reason_not_failed(opened):
    page, _ = opened
    text = page.locator("body").inner_text()
    for line in (
        "upsell rate: skipped, needs a product column (--product COL).",
        "engagement: skipped, needs a duration column (--duration COL).",
        "upsell_rate: skipped, needs a product column (--product COL).",
        "nps: skipped, needs the surveys table (--surveys FILE).",
    ):
        assert line in text
    assert "indices: 3 computed, 5 skipped (inputs absent)" in text  # repeat_rate, health and the example plugin's
    assert "Traceback" not in text and " failed:" not in text and "see below" not in text
    assert "(Europe/Paris)" in text


def test_no_value_is_cut(opened):
    page, _ = opened
    cut = page.evaluate(
        """() => [...document.querySelectorAll('td, th, caption, li, p')]
            .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1
                    && getComputedStyle(e).overflowX !== 'visible')
            .map(e => e.textContent)"""
    )
    assert cut == []
    ids = page.locator("[data-table='at-risk'] td:first-child").all_inner_texts()
    assert ids and all(len(i) == 36 or (i.startswith("C-") and len(i) == 10) for i in ids)
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('td, th')]
            .filter(e => getComputedStyle(e).textOverflow === 'ellipsis'
                    || (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'hidden'))
            .length"""
    )
    assert clipped == 0
