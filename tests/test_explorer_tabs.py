"""The explorer's retention controls (window, offset 0, brackets, start and return events),
its page tabs (campaigns, revenue retention; one line each in ``PAGES``), the KPI chart's
incomplete periods and the forecast table's size (issues 16 and 17), headless: controls
set as a user would, numbers checked against the public API called directly."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import fidelite
from fidelite.exceptions import ParameterError
from fidelite.explore import ExplorerState

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")


def attr(markup: str, name: str, css: str | None = None) -> str:
    if css is not None:
        markup = markup[markup.index(css) :]
    found = re.search(rf"{name}='([^']*)'", markup)
    assert found, f"no {name} in {markup[:200]}"
    return found.group(1)


@pytest.fixture(scope="module")
def log(shop):
    return fidelite.EventLog(shop.events)


@pytest.fixture
def ex(shop, log):
    explorer = fidelite.explore(
        log, customers=shop.customers, surveys=shop.surveys, contacts=shop.contacts, subscriptions=shop.subscriptions
    )
    _ = explorer.widget
    return explorer


def tab(ex: Any, title: str) -> None:
    ex.tabs.selected_index = ex.titles.index(title)


# ------------------------------------------------------------------ retention controls


@pytest.mark.parametrize(
    "params",
    [
        {"window": "rolling"},
        {"offset0": "return"},
        {"brackets": [1, 2, 3, 6]},
        {"start_event": "purchase"},
        {"start_event": "purchase", "return_event": "purchase"},
        {"window": "rolling", "offset0": "return", "brackets": [1, 1, 5], "return_event": "purchase"},
    ],
)
def test_state_matches_the_public_retention(log, params):
    state = ExplorerState(log)
    state.set(**params)
    got = state.matrix()
    want = fidelite.retention(log, **params)
    assert got.offset_labels == want.offset_labels
    np.testing.assert_array_equal(got.counts, want.counts)
    np.testing.assert_array_equal(got.sizes, want.sizes)
    for k, v in params.items():
        assert got.params[k] == v


def test_state_options_and_rules(log):
    state = ExplorerState(log)
    assert state.options("window") == ("calendar", "rolling")
    assert state.options("offset0") == ("cohort", "return")
    assert state.options("start_event")[0] is None and "purchase" in state.options("start_event")
    state.set(window="rolling")
    state.set(period="quarter")  # a quarter has no fixed length: back to calendar
    assert state.params["window"] == "calendar" and state.options("window") == ("calendar",)
    with pytest.raises(ParameterError, match="window='rolling' is not available"):
        state.set(window="rolling")
    state.set(brackets="1, 2  4")
    assert state.params["brackets"] == (1, 2, 4) and state.matrix().offset_labels == ["0", "1-2", "3-6"]
    state.set(brackets="")
    assert state.params["brackets"] is None
    for bad in ("1, x", "0, 2", [1.5]):
        with pytest.raises(ParameterError, match="brackets"):
            state.set(brackets=bad)
    assert state.params["brackets"] is None  # unchanged
    with pytest.raises(ParameterError, match="start_event='nope'"):
        state.set(start_event="nope")


def test_retention_controls_in_the_view(ex, log):
    c = ex.controls
    c["brackets"].value = "1, 3, 8"
    assert attr(ex.matrix_html.value, "data-cols") == "3"
    assert ex.cell_offset.options[1][0] == "1-3"
    c["offset0"].value = "return"
    c["return_event"].value = "purchase"
    want = fidelite.retention(log, brackets=[1, 3, 8], offset0="return", return_event="purchase")
    cells = {
        (k, int(j)): int(n)
        for k, j, n in re.findall(r"data-cohort='([^']*)' data-offset='(\d+)' data-count='(\d+)'", ex.matrix_html.value)
    }
    label = want.cohort_labels[-5]
    assert cells[(label, 1)] == want.counts[-5, 1]
    assert "offset0" in ex.state.params and ex.state.params["return_event"] == "purchase"
    c["brackets"].value = "2, zero"  # refused inline, the control reverts
    assert "ParameterError" in ex.errors[0].value and "brackets" in ex.errors[0].value
    assert c["brackets"].value == "1, 3, 8" and ex.state.params["brackets"] == (1, 3, 8)
    c["period"].value = "week"
    c["window"].value = "rolling"
    assert ex.state.matrix().params["window"] == "rolling"
    c["period"].value = "quarter"
    assert c["window"].value == "calendar" and list(c["window"].options) == [("calendar", "calendar")]


# ------------------------------------------------------------------ page tabs


def test_campaigns_tab(ex, shop, log):
    tab(ex, "Campaigns")
    page = ex.pages["campaigns"].value
    r = fidelite.campaigns(shop.contacts, events=log, as_of=ex.state.as_of)
    assert float(attr(page, "data-net-reactivity")) == pytest.approx(r.kpis["net_reactivity"], rel=1e-12)
    assert int(attr(page, "data-contacts")) == r.kpis["contacts"]
    assert int(attr(page, "data-rows", "fidelite-campaigns-by-channel")) == len(r.by("channel"))
    assert int(attr(page, "data-rows", "fidelite-campaigns-by-campaign")) == len(r.by("campaign"))
    chart = page[page.index("data-chart='campaign-pressure'") - 40 :]
    assert attr(chart, "data-periods") == str(len(r.pressure))
    assert attr(chart, "data-incomplete") == str(int((~r.pressure["complete"]).sum()))
    assert "Traceback" not in page and "fidelite-error" not in page
    ex.controls["period"].value = "quarter"  # visible: redrawn at once
    assert attr(ex.pages["campaigns"].value, "data-periods", "fidelite-campaign-periods") == str(
        len(fidelite.campaigns(shop.contacts, events=log, period="quarter", as_of=ex.state.as_of).pressure)
    )


def test_revenue_tab(ex, shop):
    tab(ex, "Revenue (MRR)")
    page = ex.pages["revenue"].value
    r = fidelite.revenue_retention(shop.subscriptions, as_of=ex.state.as_of, tz=ex.state.tz)
    k = int(np.flatnonzero(r["complete"])[-1])
    assert float(attr(page, "data-nrr")) == pytest.approx(r["nrr"][k], rel=1e-12)
    assert attr(page, "data-period") == r.meta["labels"][k]
    assert attr(page, "data-periods", "fidelite-mrr-bridge") == str(len(r))
    assert "data-chart='mrr-bridge'" in page and "fidelite-error" not in page


def test_pages_without_their_table_say_what_they_need(log):
    ex = fidelite.explore(log)
    _ = ex.widget
    for title, table in (("Campaigns", "contacts"), ("Revenue (MRR)", "subscriptions")):
        tab(ex, title)
        shown = ex.errors[ex.titles.index(title)].value
        assert f"skipped: needs the {table} table" in shown and f"pass {table}=" in shown
        assert "fidelite-error" not in shown


def test_a_page_is_one_line_in_pages(log, monkeypatch):
    from fidelite.explore import _view

    def render(state: ExplorerState) -> str:
        return f"<p data-customers='{state.log.n_customers}'>hello</p>"

    monkeypatch.setattr(_view, "PAGES", [*_view.PAGES, _view.PageTab("Probe", "probe", render)])
    ex = fidelite.explore(log)
    _ = ex.widget
    assert ex.titles[len(_view.BUILT_IN) + len(_view.PAGES) - 1] == "Probe"  # plugin sections follow the pages
    tab(ex, "Probe")
    assert attr(ex.pages["probe"].value, "data-customers") == str(log.n_customers)


# ------------------------------------------------------------------ issue 16, item 10 in the explorer


def test_kpi_chart_marks_incomplete_periods(ex, log):
    from matplotlib.figure import Figure

    from fidelite.explore._view import draw_kpis

    t = fidelite.period_kpis(log, period="week")
    labels = log.calendar("week").labels(t["period"])
    open_ = int((~np.asarray(t["complete"], bool)).sum())
    assert open_ >= 1
    fig = Figure()
    ax = draw_kpis(fig.subplots(), t, labels, "week")
    assert sum(1 for p in ax.patches if p.get_hatch()) == open_  # the bars of incomplete periods
    rates = next(a for a in fig.axes if a is not ax)
    hollow = [ln for ln in rates.get_lines() if ln.get_markerfacecolor() in ("none", "white")]
    assert sum(len(ln.get_xdata()) for ln in hollow) == 2 * open_
    assert "incomplete at as_of" in [tx.get_text() for tx in ax.get_legend().get_texts()]
    drawn = [ln.get_label() for ln in rates.get_lines() if not ln.get_label().startswith("_")]
    assert drawn == ["kept rate", "churn rate"]  # the pair that sums to 100 %
    assert len([tick for tick in ax.get_xticklabels() if tick.get_text()]) <= 24 < len(labels)
    tab(ex, "Lifecycle & KPIs")
    assert attr(ex.kpi_chart.value, "data-incomplete") == str(int((~fidelite.period_kpis(log)["complete"]).sum()))


def test_weekly_forecast_table_is_capped(ex):
    ex.controls["period"].value = "week"
    tab(ex, "Predicted value")
    page = ex.predict_html.value
    table = page[page.index("fidelite-forecast'") :]
    assert int(attr(table, "data-cols")) <= 48 and int(attr(table, "data-rows")) <= 36
    assert "Showing the latest 36 of" in page and "offsets 0-47 of" in page


def test_at_risk_list_follows_the_period_and_names_its_rule(ex, log):
    """Issue 16 item 11 in the explorer: lapse_after counts periods, so the list follows
    the period control, and says so."""
    ex.controls["period"].value = "quarter"
    tab(ex, "Customers")
    quarter = fidelite.at_risk(log, period="quarter")
    assert len(quarter) != len(fidelite.at_risk(log, period="month"))
    assert int(attr(ex.at_risk_html.value, "data-count")) == len(quarter)
    assert "an event in the last 3 quarters (lapse_after counts periods" in ex.at_risk_html.value


def test_programme_tab_lists_the_members_near_their_next_tier(shop, log):
    tiers = fidelite.datasets.PROGRAMME_TIERS
    ex = fidelite.explore(log, programme=shop.programme, tiers=tiers)
    _ = ex.widget
    tab(ex, "Programme")
    page = ex.pages["programme"].value
    near = fidelite.near_next_tier(shop.programme, tiers=tiers, as_of=np.datetime64(log.t_max, "us"))
    assert attr(page, "data-count", "fidelite-near-next-tier") == str(len(near))
    assert "data-chart='near-next-tier'" in page and "fidelite-error" not in page
    order = fidelite.tier_migration(shop.programme, tiers=tiers).labels
    migration = page[page.index("fidelite-tier-migration") :]
    assert [migration.index(f">{label}<") for label in order] == sorted(
        migration.index(f">{label}<") for label in order
    )

    plain = fidelite.explore(log, programme=shop.programme)
    _ = plain.widget
    tab(plain, "Programme")
    assert "pass tiers={name: points threshold} to fidelite.explore()" in plain.pages["programme"].value
