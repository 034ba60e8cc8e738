"""The explorer's segment picker (issue 17, items 1 and 8): one control above the tabs
whose attribute every tab applies to its metric, showing the segmented result's chart,
overview and frame; numeric attributes cut by ``bins`` (quartiles by default). Each tab's
comparison is checked against the public metric run with the same ``segment=`` /
``bins=``."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

import fidelite
from fidelite.exceptions import ParameterError
from fidelite.explore import ExplorerState

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def customers(shop):
    """The demo customers with a numeric attribute (an age)."""
    table = dict(shop.customers)
    table["age"] = np.random.default_rng(3).integers(18, 80, len(table["customer_id"])).astype(np.float64)
    table["age"][::17] = np.nan  # some missing: they are in "(missing)"
    return table


@pytest.fixture(scope="module")
def log(shop):
    return fidelite.EventLog(shop.events)


@pytest.fixture(scope="module")
def ex(shop, log, customers):
    return fidelite.explore(
        log,
        customers=customers,
        surveys=shop.surveys,
        contacts=shop.contacts,
        subscriptions=shop.subscriptions,
        programme=shop.programme,
    )


def hooks(page: str) -> dict[str, str]:
    """The data-* attributes of the ``fidelite-segments`` block of a tab."""
    tag = re.search(r"<div class='fidelite-segments'([^>]*)>", page)
    assert tag is not None, page[:500]
    return dict(re.findall(r"data-([\w-]+)='([^']*)'", tag.group(1)))


def test_options_list_labels_numbers_and_derived_attributes(log, customers):
    st = ExplorerState(log, customers=customers)
    options = st.options("segment")
    assert {"segment", "country", "acquisition_channel", "age", "amount", "duration"} <= set(options)
    assert "customer_id" not in options and "created" not in options
    st.set(segment="age")
    assert st.segment_numeric and st.segment_kw() == {"segment": "age", "bins": {"age": 4}}
    st.set(bins="18, 30, 50")
    assert st.segment_kw() == {"segment": "age", "bins": {"age": [18.0, 30.0, 50.0]}}
    st.set(segment="country")
    assert not st.segment_numeric and st.segment_kw() == {"segment": "country"}  # bins apply to numbers only
    with pytest.raises(ParameterError, match="quantile bins"):
        st.set(bins="four")
    with pytest.raises(ParameterError, match="whole number"):
        st.set(bins="2.5")
    assert st.params["bins"] == (18.0, 30.0, 50.0)  # a rejected value changes nothing


def test_every_tab_compares_the_segments_as_the_api_does(ex, shop, log, customers):
    c = ex.controls
    assert "fidelite-by-segment" in ex.by_segment[0]._dom_classes
    assert all(box.value == "" for box in ex.by_segment)  # no segment: nothing more
    c["segment"].value = "segment"
    assert c["bins"].disabled
    as_of = np.datetime64(log.t_max, "us")
    want = {
        "Retention": fidelite.retention(log, segment="segment", customers=customers),
        "Lifecycle & KPIs": fidelite.period_kpis(log, segment="segment", customers=customers, as_of=as_of),
        "Customers": fidelite.rfm(log, segment="segment", customers=customers, as_of=as_of),
        "Campaigns": fidelite.campaigns(shop.contacts, events=log, segment="segment", customers=customers, as_of=as_of),
        "Revenue (MRR)": fidelite.revenue_retention(
            shop.subscriptions, segment="segment", customers=customers, as_of=as_of
        ),
        "Programme": fidelite.programme_kpis(
            log, programme=shop.programme, segment="segment", customers=customers, as_of=as_of
        ),
    }
    from fidelite.explore._segments import COMPARISONS
    from fidelite.explore._view import BUILT_IN_KEYS

    keys = [*BUILT_IN_KEYS, *(p.key for p in ex.page_tabs)]
    for tab, title in enumerate(ex.titles):
        ex.tabs.selected_index = tab
        page = ex.by_segment[tab].value
        if keys[tab] not in COMPARISONS:  # indices, survival (it segments its curves), plugin tabs
            assert page == "", title
            continue
        assert "fidelite-error" not in page, (title, page[:300])
        h = hooks(page)
        assert h["segment"] == "segment" and h["tab"]
        assert "data-chart='segments-" in page and "one row per segment" in page
        if title in want:
            r = want[title]
            assert int(h["segments"]) == len(r.results), title
            assert int(h["rows"]) == len(next(iter(r.to_dict().values()))), title
            for key in r.results:  # every segment named in the overview
                assert f">{key}<" in page, (title, key)
    campaigns_html = ex.by_segment[ex.titles.index("Campaigns")].value
    headline = want["Campaigns"].overview.to_dict()
    value_col = [k for k in headline if k not in ("segment", "customers", "note")][0]
    shown = fidelite.results.formatting.cell(headline[value_col][0])
    assert shown in campaigns_html  # the API's headline of the first segment
    # the survival tab draws one curve per segment with the log-rank test
    ex.tabs.selected_index = ex.titles.index("Survival")
    assert "data-logrank-p=" in ex.pages["survival-tab"].value
    assert ex.tracebacks == []


def test_numeric_attribute_cut_by_bins(ex, log, customers):
    c = ex.controls
    ex.tabs.selected_index = ex.titles.index("Lifecycle & KPIs")
    c["segment"].value = "age"
    assert not c["bins"].disabled
    as_of = np.datetime64(log.t_max, "us")
    quartiles = fidelite.period_kpis(log, bins={"age": 4}, customers=customers, as_of=as_of)
    box = ex.by_segment[ex.titles.index("Lifecycle & KPIs")]
    assert int(hooks(box.value)["segments"]) == len(quartiles.results) == 5  # four quartiles and "(missing)"
    c["bins"].value = "30, 50"
    edges = fidelite.period_kpis(log, bins={"age": [30, 50]}, customers=customers, as_of=as_of)
    assert list(edges.results) == ["<30", "[30, 50)", ">=50", "(missing)"]
    assert int(hooks(box.value)["segments"]) == 4
    assert all(f">{html.escape(k)}<" in box.value for k in edges.results)
    c["bins"].value = "zero"  # rejected: the error shows, the bins stay
    assert "bins are a number of quantile bins" in ex.errors[ex.titles.index("Lifecycle & KPIs")].value
    assert ex.state.params["bins"] == (30.0, 50.0) and c["bins"].value == "30, 50"
    c["segment"].value = ""
    assert box.value == "" and ex.state.segment_kw() == {}


def test_a_failing_comparison_shows_inline_and_the_tab_still_draws(shop, log):
    ex = fidelite.explore(log, customers=shop.customers)  # no contacts table
    ex.controls["segment"].value = "country"
    tab = ex.titles.index("Campaigns")
    ex.tabs.selected_index = tab
    assert "skipped" in ex.by_segment[tab].value and "contacts" in ex.by_segment[tab].value
    ex.tabs.selected_index = ex.titles.index("Lifecycle & KPIs")
    assert "data-chart='lifecycle'" in ex.lifecycle_chart.value


def test_new_charts_in_the_tabs_match_the_api(ex, shop, log):
    """Issue 17 items 3, 6 and 8: stickiness and engagement over time in the lifecycle tab,
    the loyalty index over time in the surveys tab, the NRR cohort matrix in the MRR tab."""
    ex.controls["segment"].value = ""
    ex.controls["period"].value = "month"
    as_of = np.datetime64(log.t_max, "us")
    ex.tabs.selected_index = ex.titles.index("Lifecycle & KPIs")
    page = ex.engagement_html.value
    s = fidelite.stickiness(log, as_of=as_of)
    e = fidelite.engagement_over_time(log, by="month", as_of=as_of)
    assert f"data-value='{s.value:.6f}'" in page and f"data-periods='{len(s)}'" in page
    assert "data-chart='engagement' data-digest" in page and f"data-periods='{len(e)}'" in page
    ex.tabs.selected_index = ex.titles.index("Surveys")
    li = fidelite.loyalty_index_over_time(shop.surveys, by="month", as_of=as_of)
    assert (
        f"class='fidelite-loyalty-trend' data-periods='{len(li)}' data-latest='{li.value:.6f}'"
        in ex.pages["surveys"].value
    )
    ex.tabs.selected_index = ex.titles.index("Revenue (MRR)")
    r = fidelite.revenue_retention(shop.subscriptions, as_of=as_of)
    page = ex.pages["revenue"].value
    assert f"class='fidelite-mrr-cohorts' data-cohorts='{len(r.cohorts.cohort_labels)}'" in page
    grid = r.cohorts.matrix("nrr")
    k = len(grid) - 2  # the second latest cohort, offset 1
    assert (
        f">{fidelite.results.formatting.pct(grid[k, 1])}<" in page
        or f">{fidelite.results.formatting.pct(grid[k, 1])}*<" in page
    )
