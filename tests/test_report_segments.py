"""The report's per-segment comparisons (issue 17, items 1 and 8): ``build_report(...,
segment=..., bins=...)`` and ``fidelite report --segment COL --bins COL=SPEC`` add to each
section whose metric takes ``segment=`` its comparison chart, its overview (one row per
segment, the same numbers as the public metric's ``.overview``) and the segmented frame;
the survival section draws one curve per segment with the log-rank test."""

from __future__ import annotations

import json

import numpy as np
import pytest

import fidelite
from fidelite.cli import main, parse_bins
from fidelite.report import Figure, Table, build_report
from fidelite.report.segments import COMPARISONS

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def tables(shop):
    return {
        "customers": shop.customers,
        "surveys": shop.surveys,
        "contacts": shop.contacts,
        "subscriptions": shop.subscriptions,
        "programme": shop.programme,
    }


@pytest.fixture(scope="module")
def segmented(shop, tables):
    return build_report(shop.events, period="quarter", segment="segment", **tables)


def blocks(report, key: str) -> set[tuple[str, str]]:
    """(kind, key) of the tables and figures of section ``key``."""
    return {(type(b).__name__, b.key) for b in report.section(key).blocks if isinstance(b, (Table, Figure))}


def test_every_comparable_section_gets_its_comparison(segmented):
    for key in COMPARISONS:
        section = segmented.section(key)
        assert section.status == "ok", (key, section.message)
        assert not any("by segment failed" in n for n in section.notes), (key, section.notes)
        found = blocks(segmented, key)
        want = {("Figure", f"{key}-by-segment"), ("Table", f"{key}-by-segment"), ("Table", f"{key}-segmented")}
        assert want <= found, (key, found)
    survival = segmented.section("survival")
    assert {"survival-by-segment", "survival-logrank"} <= {b.key for b in survival.blocks if hasattr(b, "key")}


def test_the_overview_is_the_metrics_own(segmented, shop, tables):
    log = fidelite.EventLog(shop.events)
    as_of = np.datetime64(log.t_max, "us")
    want = {
        "kpis": fidelite.period_kpis(log, period="quarter", segment="segment", customers=shop.customers),
        "campaigns": fidelite.campaigns(
            shop.contacts, events=log, period="quarter", segment="segment", customers=shop.customers
        ),
        "programme": fidelite.programme_kpis(
            log, programme=shop.programme, segment="segment", customers=shop.customers, as_of=as_of
        ),
    }
    for key, r in want.items():
        table = [b for b in segmented.section(key).blocks if getattr(b, "key", "") == f"{key}-by-segment"]
        table = [b for b in table if isinstance(b, Table)][0]
        expected = r.overview.to_dict()
        assert list(table.data) == list(expected)
        for name, column in expected.items():
            got = table.data[name]
            if column.dtype.kind == "f":
                np.testing.assert_allclose(got.astype(float), column, equal_nan=True)
            else:
                assert got.tolist() == column.tolist(), (key, name)
        frame = [b for b in segmented.section(key).blocks if getattr(b, "key", "") == f"{key}-segmented"][0]
        assert len(next(iter(frame.data.values()))) == len(next(iter(r.to_dict().values())))


def test_without_segment_no_comparison(shop, tables):
    report = build_report(shop.events, period="quarter", **tables, sections=None)
    assert not any(b.key.endswith("-by-segment") for s in report.sections for b in s.blocks if hasattr(b, "key"))


def test_bins_cut_a_numeric_attribute_and_html_draws_every_chart(shop):
    customers = dict(shop.customers)
    customers["age"] = np.random.default_rng(1).integers(18, 80, len(customers["customer_id"])).astype(float)
    report = build_report(shop.events, period="quarter", customers=customers, bins={"age": [30, 50]})
    assert ("Figure", "cohorts-by-segment") in blocks(report, "cohorts")
    table = [b for b in report.section("cohorts").blocks if isinstance(b, Table) and b.key == "cohorts-by-segment"][0]
    assert [r[0] for r in table.rows] == ["<30", "[30, 50)", ">=50"]
    page = report.to_html()
    assert "data-figure='cohorts-by-segment'" in page or "cohorts-by-segment" in page
    assert "chart failed" not in page


def test_a_failing_comparison_is_a_note_and_the_section_stays(shop):
    report = build_report(shop.events, period="quarter", segment="shoe_size", customers=shop.customers)
    section = report.section("cohorts")
    assert section.status == "ok" and section.blocks
    assert any("comparison by segment failed" in n and "shoe_size" in n for n in section.notes)


def test_cli_segment_and_bins(capsys):
    assert parse_bins(["age=4", "spend=10, 100"]) == {"age": 4, "spend": [10.0, 100.0]}
    code = main(["demo", "--customers", "600", "--period", "quarter", "--segment", "segment", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    keys = {t["key"] for s in report["sections"] for t in s.get("tables", [])}
    assert {"kpis_by_segment", "cohorts_by_segment", "campaigns_by_segment"} <= keys, sorted(keys)
    code = main(["demo", "--customers", "300", "--bins", "age"])
    _, err = capsys.readouterr()
    assert code == 2 and "--bins 'age'" in err
