"""The example indices against hand-computed values, and discovery through the entry point."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fidelite
from fidelite.exceptions import ParameterError
from fidelite_example_index import purchase_regularity, weighted_nps


def test_discovered_through_the_entry_point():
    listed = {i.name: i for i in fidelite.indices()}
    for name in ("purchase_regularity", "weighted_nps"):
        assert listed[name].package == "fidelite-example-index"
        assert listed[name].plugin == "example_index"
        assert listed[name].version == "0.1.0"
    assert not [p for p in fidelite.plugins.errors() if p.plugin == "example_index"]


def test_purchase_regularity_by_hand():
    log = fidelite.EventLog(
        {
            "customer_id": [1, 1, 1, 1, 2, 2, 2, 3, 3, 1],
            # customer 1: purchase days 1, 11, 21 (+ a visit on 5 and a second purchase on day 11)
            "timestamp": [
                "2024-01-01",
                "2024-01-11",
                "2024-01-21",
                "2024-01-05",
                "2024-01-01",
                "2024-01-03",
                "2024-01-13",
                "2024-01-01",
                "2024-01-02",
                "2024-01-11T18:00",
            ],
            "event": [
                "purchase",
                "purchase",
                "purchase",
                "visit",
                "purchase",
                "purchase",
                "purchase",
                "purchase",
                "purchase",
                "purchase",
            ],
        }
    )
    r = purchase_regularity(log)
    assert r["customer_id"].tolist() == [1, 2]  # customer 3 has two purchase days only
    assert r["purchase_days"].tolist() == [3, 3]
    # customer 1: gaps 10, 10 -> cv 0 -> 100; customer 2: gaps 2, 10 -> mean 6, std 4 -> cv 2/3 -> 60
    np.testing.assert_allclose(r["value"], [100.0, 60.0])
    np.testing.assert_allclose(r["mean_gap_days"], [10.0, 6.0])
    assert purchase_regularity(log, min_purchase_days=4)["customer_id"].tolist() == []


def test_purchase_regularity_counts_local_days():
    # 23:30 and 00:30 UTC are two UTC days but one day in Paris (00:30 and 01:30).
    log = fidelite.EventLog(
        {
            "customer_id": [1, 1, 1, 1],
            "timestamp": ["2024-03-01T23:30", "2024-03-02T00:30", "2024-03-03T00:00", "2024-03-05T00:00"],
        },
        tz="Europe/Paris",
    )
    r = purchase_regularity(log)
    assert r["purchase_days"].tolist() == [3]  # Paris days 2, 3, 5 (no event column: all purchases)
    np.testing.assert_allclose(r["mean_gap_days"], [1.5])


def test_weighted_nps_by_hand():
    surveys = {
        "customer_id": [1, 2, 3, 4],
        "timestamp": ["2024-01-01", "2024-03-31", "2024-03-31", "2024-03-31"],
        "question": ["recommend"] * 4,
        "score": [10, 3, 9, 8],
    }
    # ages 90, 0, 0, 0 days; half-life 90: weights 0.5, 1, 1, 1; nets +100, -100, +100, 0
    r = weighted_nps(surveys)
    assert r.value == pytest.approx((50 - 100 + 100 + 0) / 3.5)
    assert r.parts["responses"] == 4
    plain = weighted_nps(surveys, half_life_days=math.inf)
    assert plain.value == pytest.approx(fidelite.nps(surveys).value) == pytest.approx(25.0)


def test_weighted_nps_rejects_bad_scores_and_empty_input():
    r = weighted_nps({"timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"], "score": [11, 7.5, None]})
    assert math.isnan(r.value) and r.reason and r.parts["rejected"] == 3
    with pytest.raises(ParameterError, match="half_life_days must be a positive"):
        weighted_nps({"timestamp": ["2024-01-01"], "score": [9]}, half_life_days=0)


def test_computed_through_fidelite():
    shop = fidelite.datasets.demo_shop(800, seed=3)
    r = fidelite.compute_index("weighted_nps", surveys=shop.surveys, half_life_days=math.inf)
    assert float(r) == pytest.approx(fidelite.nps(shop.surveys).value)
    reg = fidelite.compute_index("purchase_regularity", events=shop.events)
    assert len(reg) > 0 and ((reg["value"] > 0) & (reg["value"] <= 100)).all()


# --------------------------------------------------------------------------- the other hooks


def rhythm_log():
    # customer 1: purchases on 3 days; 2: one day (twice); 3: visits only; 4: 6 days
    days = ["2024-01-01", "2024-01-02", "2024-01-03"]
    rows = [(1, d, "purchase") for d in days] + [(2, "2024-01-05", "purchase"), (2, "2024-01-05T12:00", "purchase")]
    rows += [(3, "2024-01-01", "visit")] + [(4, f"2024-02-0{k}", "purchase") for k in range(1, 7)]
    return fidelite.EventLog(
        {"customer_id": [r[0] for r in rows], "timestamp": [r[1] for r in rows], "event": [r[2] for r in rows]}
    )


def test_purchase_rhythm_is_a_segment():
    from fidelite_example_index import purchase_rhythm

    log = rhythm_log()
    assert dict(zip(log.customer_ids.tolist(), purchase_rhythm(log))) == {
        1: "3-5 purchase days",
        2: "1 purchase day",
        3: "no purchase",
        4: "6+ purchase days",
    }
    by = fidelite.retention(log, period="month", segment="purchase_rhythm")
    assert {s: int(by[s].sizes.sum()) for s in by.segments} == {
        "1 purchase day": 1,
        "3-5 purchase days": 1,
        "6+ purchase days": 1,
        "no purchase": 1,
    }


def test_the_section_in_the_report():
    from fidelite.report import build_report

    section = build_report(rhythm_log()).section("purchase_rhythm")
    assert section.status == "ok", section.message
    assert section.title == "Purchase rhythm"
    assert any(getattr(b, "text", "") == "4 customers; 1 bought on 6 days or more." for b in section.blocks)


def test_the_jsonl_loader_counts_bad_lines(tmp_path):
    path = tmp_path / "shop.events.jsonl"
    path.write_text(
        '{"customer_id": 1, "timestamp": "2024-01-01"}\n'
        "not json\n"
        "\n"
        '{"customer_id": 2, "timestamp": "2024-01-02"}\n'
        "[1, 2]\n"
    )
    for source in (str(path), f"jsonl://{path}"):
        log = fidelite.EventLog(source)
        assert (log.report.read, log.report.used, log.report.n_rejected) == (4, 2, 2)


def test_the_regularity_command(tmp_path, capsys):
    from fidelite import cli

    path = tmp_path / "shop.events.jsonl"
    lines = [f'{{"customer_id": 1, "timestamp": "2024-01-{d:02d}"}}' for d in (1, 11, 21)]
    path.write_text("\n".join(lines) + "\n")
    assert cli.main(["regularity", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "1 of 1 customers have 3+ purchase days",
        "purchase regularity: median 100.0, 1 at 50 or more",
    ]
