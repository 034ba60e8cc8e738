"""Survival where users meet it: the explorer's "Survival" tab and the report's
"Customer lifetimes" section, on the demo shop (events always, subscriptions when given)."""

from __future__ import annotations

import re

import pytest

import fidelite
from fidelite.report import SECTIONS, Table, build_report

pytest.importorskip("ipywidgets")


def attr(html: str, name: str) -> str:
    found = re.search(rf"{name}='([^']*)'", html)
    assert found, f"no {name} in {html[:300]}"
    return found.group(1)


def test_explorer_survival_tab(shop):
    ex = fidelite.explore(shop.events, customers=shop.customers, subscriptions=shop.subscriptions)
    _ = ex.widget
    assert "Survival" in ex.tabs.titles
    assert ex.pages["survival-tab"].value == ""  # computed when opened
    ex.tabs.selected_index = list(ex.tabs.titles).index("Survival")
    value = ex.pages["survival-tab"].value
    parts = value.split("fidelite-survival-part")[1:]
    assert [attr(p, "data-source") for p in parts] == ["events", "subscriptions"]
    events = fidelite.survival(shop.events)
    subs = fidelite.survival(shop.events, subscriptions=shop.subscriptions)
    assert float(attr(parts[0], "data-median")) == pytest.approx(events.value, rel=1e-5)
    assert int(attr(parts[0], "data-customers")) == len(events.lifetimes)
    assert int(attr(parts[1], "data-customers")) == len(subs.lifetimes)
    assert "data-chart='survival-events'" in value and "data-chart='survival-subscriptions'" in value
    assert "data-logrank-p" not in value
    # a segment chosen for the matrix splits the curves and adds the log-rank test
    ex.controls["segment"].value = "channel"
    value = ex.pages["survival-tab"].value
    by = fidelite.survival(shop.events, segment="channel", customers=shop.customers)
    assert float(attr(value, "data-logrank-p")) == pytest.approx(float(by.logrank["p_value"][0]), rel=1e-5)


def test_explorer_without_subscriptions_shows_events_only(shop):
    ex = fidelite.explore(shop.events)
    _ = ex.widget
    ex.tabs.selected_index = list(ex.tabs.titles).index("Survival")
    parts = ex.pages["survival-tab"].value.split("fidelite-survival-part")[1:]
    assert [attr(p, "data-source") for p in parts] == ["events"]


def test_report_section(shop):
    only = [s for s in SECTIONS if s.key == "survival"]
    report = build_report(shop.events, subscriptions=shop.subscriptions, sections=only)
    s = report.section("survival")
    assert s.status == "ok"
    keys = [b.key for b in s.blocks]
    assert keys == [
        "survival-events",
        "survival-events",
        "survival-at-risk-events",
        "survival-subscriptions",
        "survival-subscriptions",
        "survival-at-risk-subscriptions",
    ]
    r = fidelite.survival(shop.events)
    facts = dict(map(tuple, next(b for b in s.blocks if isinstance(b, Table)).rows))
    assert facts["customers"] == f"{len(r.lifetimes):,}"
    assert facts["median lifetime"].startswith(f"{r.value:,.2f}") or facts["median lifetime"].startswith(
        f"{r.value:,.1f}"
    )
    assert "Customer lifetimes" in report.to_html()
    # without subscriptions: the events part only
    events_only = build_report(shop.events, sections=only).section("survival")
    assert [b.key for b in events_only.blocks] == ["survival-events", "survival-events", "survival-at-risk-events"]
