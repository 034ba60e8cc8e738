"""The explorer, headless: the widget-free controller (ExplorerState), the cell drill-down
against an independent pandas reference, and the ipywidgets view driven by setting control
values (observers fire synchronously; Button.click() runs handlers) and asserting on the
state and on the rendered HTML (its data-* hooks)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import fidelite
from fidelite.exceptions import MissingDependencyError, MissingTableError, ParameterError
from fidelite.explore import ExplorerState
from fidelite.explore._state import clip

# ----------------------------------------------------------------------------- helpers

CELL = re.compile(r"data-cohort='([^']*)' data-offset='(\d+)' data-count='([^']*)'")


def rendered_cells(markup: str) -> dict[tuple[str, int], float]:
    """{(cohort label, offset index): count} of a rendered retention table."""
    return {(c, int(j)): float(n) for c, j, n in CELL.findall(markup)}


def attr(markup: str, name: str, css: str | None = None) -> str:
    """The value of attribute ``name`` (of the first element with class ``css``)."""
    if css is not None:
        markup = markup[markup.index(css) :]
    found = re.search(rf"{name}='([^']*)'", markup)
    assert found, f"no {name} in {markup[:200]}"
    return found.group(1)


_PREPARED: dict[tuple, Any] = {}


def _events_by_customer(events: dict, freq: str, tz: str, end: pd.Timestamp | None) -> tuple[pd.DataFrame, dict]:
    """Events before ``end`` with their local period, and {customer: [(time, period ordinal)]} (memoised)."""
    key = (id(events), freq, tz, end)
    if key not in _PREPARED:
        df = pd.DataFrame({"c": events["customer_id"], "t": pd.to_datetime(events["timestamp"])})
        if end is not None:
            df = df[df.t < end]
        local = df.t.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
        df = df.assign(p=local.dt.to_period(freq), o=[p.ordinal for p in local.dt.to_period(freq)])
        by_customer: dict = {}
        for c, t, o in zip(df.c.tolist(), df.t.tolist(), df.o.tolist()):
            by_customer.setdefault(c, []).append((t, o))
        _PREPARED[key] = (df, by_customer)
    return _PREPARED[key]


def ref_cell(
    events: dict,
    customers: dict | None,
    *,
    period: str,
    cohort: str,
    criterion: str,
    tz: str = "UTC",
    as_of: Any = None,
    start: np.datetime64,
    j: int,
    segment: tuple[str, Any] | None = None,
) -> dict:
    """{customer id: events from its cohort entry to as_of} of the customers counted in the
    cell (cohort period starting ``start``, offset ``j``), by definition (docs/metrics.md),
    customer by customer with pandas periods."""
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[period]
    end = None  # as_of is a date: the end of that day in tz
    if as_of is not None:
        end = (pd.Timestamp(as_of) + pd.Timedelta(days=1)).tz_localize(tz).tz_convert("UTC").tz_localize(None)
    df, by_customer = _events_by_customer(events, freq, tz, end)
    target = pd.Period(pd.Timestamp(start), freq)
    if cohort == "first":
        first = df.sort_values("t").groupby("c").first()
        t0 = first.t[first.p == target]
    elif cohort == "recurring":
        t0 = df[df.p == target].groupby("c").t.min()
    else:
        assert customers is not None
        cu = pd.DataFrame({"c": customers["customer_id"], "t": pd.to_datetime(customers["created"])}).dropna()
        signup = cu.groupby("c").t.min()
        local_signup = signup.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None).dt.to_period(freq)
        t0 = signup[(local_signup == target) & ((signup < end) if end is not None else True)]
    if segment is not None:
        assert customers is not None
        name, value = segment
        attribute = dict(zip(customers["customer_id"], customers[name]))
        t0 = t0[[attribute.get(c) == value for c in t0.index]]
    out = {}
    for c, t_start in t0.items():
        since = [o - target.ordinal for t, o in by_customer.get(c, []) if t >= t_start]
        offsets = set(since)
        if j == 0:
            hit = True
        elif criterion == "on":
            hit = j in offsets
        elif criterion == "on_or_after":
            hit = any(o >= j for o in offsets)
        else:
            hit = all(o in offsets for o in range(1, j + 1))
        if hit:
            out[c] = len(since)
    return out


@pytest.fixture(scope="module")
def log(shop):
    return fidelite.EventLog(shop.events)


@pytest.fixture
def ex(shop, log):
    """A fresh explorer on the shared prepared log, widgets built."""
    explorer = fidelite.explore(log, customers=shop.customers, surveys=shop.surveys)
    _ = explorer.widget
    return explorer


# ----------------------------------------------------------------------------- packaging


def test_import_fidelite_does_not_import_ipywidgets():
    code = "import sys, fidelite; print('ipywidgets' in sys.modules, callable(fidelite.explore))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_without_ipywidgets_a_clear_error_names_the_extra(monkeypatch, log):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    monkeypatch.delitem(sys.modules, "fidelite.explore._view", raising=False)
    with pytest.raises(MissingDependencyError, match=r"pip install 'fidelite\[widgets\]'") as info:
        fidelite.explore(log)
    assert isinstance(info.value, ImportError)
    explore_module = sys.modules["fidelite.explore"]
    with pytest.raises(ImportError, match="ipywidgets"):
        explore_module.Explorer(log)
    # the controller needs no widgets
    assert ExplorerState(log).matrix().counts.shape[0] > 0


def test_explore_takes_a_prepared_log_and_builds_widgets_lazily(shop, log):
    ex = fidelite.explore(log, customers=shop.customers)
    assert ex.state.log is log
    assert ex._widget is None and not ex.state.cache  # nothing computed before display
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("<fidelite Explorer: ")
    m = fidelite.retention(log)
    assert attr(ex.matrix_html.value, "data-rows") == str(min(36, len(m.cohorts)))


def test_explorer_arguments():
    from fidelite.explore import Explorer

    with pytest.raises(TypeError, match="pass the event data"):
        Explorer()
    with pytest.raises(TypeError, match="not both"):
        Explorer({"customer_id": [1]}, state=object())


# ----------------------------------------------------------------------------- controller


def test_state_matches_the_public_api_and_caches(shop, log):
    st = ExplorerState(log, customers=shop.customers)
    m = st.matrix()
    ref = fidelite.retention(log, ci=0.95)
    np.testing.assert_array_equal(m.counts, ref.counts)
    np.testing.assert_allclose(m.ci_low, ref.ci_low)
    st.set(period="quarter", criterion="on_or_after")
    q = st.matrix()
    np.testing.assert_array_equal(q.counts, fidelite.retention(log, period="quarter", criterion="on_or_after").counts)
    st.set(period="month", criterion="on")
    assert st.matrix() is m  # cached: going back recomputes nothing
    assert st.log is log
    lc = st.lifecycle()
    np.testing.assert_array_equal(lc.new, fidelite.lifecycle(log).new)
    np.testing.assert_array_equal(st.kpis()["active"], fidelite.period_kpis(log)["active"])
    np.testing.assert_array_equal(st.rolling()["active"], fidelite.rolling_active(log)["active"])


def test_state_options_follow_the_data_and_parameters(shop, log):
    st = ExplorerState(log, customers=shop.customers)
    assert st.options("cohort") == ("first", "recurring", "signup")
    assert ExplorerState(log).options("cohort") == ("first", "recurring")
    segments = st.options("segment")
    assert segments[:4] == (None, "event", "product", "channel")
    assert {"segment", "country", "acquisition_channel"} <= set(segments)
    assert "created" not in segments and "customer_id" not in segments
    no_amount = ExplorerState({"customer_id": shop.events["customer_id"], "timestamp": shop.events["timestamp"]})
    assert no_amount.options("measure") == ("customers",)
    st.set(measure="revenue")
    assert st.params["criterion"] == "on" and st.options("criterion") == ("on",)
    with pytest.raises(ParameterError, match="unknown explorer parameter"):
        st.options("colour")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"period": "fortnight"}, "period='fortnight' is not available here: use one of 'day'"),
        ({"measure": "revenue", "criterion": "streak"}, "criterion='streak' is not available here: use one of 'on'"),
        ({"cohort": "signup"}, "cohort='signup' is not available here"),
        ({"segment": "shoe_size"}, "segment='shoe_size' is not available here"),
        ({"as_of": "2001-01-01"}, "is before the first event"),
        ({"as_of": "last tuesday"}, "cannot read 'last tuesday' as a date"),
        ({"colour": "red"}, r"unknown explorer parameter\(s\) \['colour'\]"),
    ],
)
def test_invalid_changes_raise_and_change_nothing(log, changes, message):
    st = ExplorerState(log)
    before = (dict(st.params), st.as_of_us)
    with pytest.raises(ParameterError, match=message):
        st.set(**changes)
    assert (st.params, st.as_of_us) == before


def test_segment_and_segment_value(shop, log):
    st = ExplorerState(log, customers=shop.customers)
    st.set(segment="segment")
    assert st.options("segment_value") == ("business", "pro", "retail")
    assert st.params["segment_value"] == "business"
    st.set(segment_value="pro")
    ref = fidelite.retention(log, segment="segment", customers=shop.customers)["pro"]
    np.testing.assert_array_equal(st.matrix().counts, ref.counts)
    with pytest.raises(ParameterError, match="segment_value='gold' is not a value of 'segment'"):
        st.set(segment_value="gold")
    st.set(segment=None)
    assert st.params["segment_value"] is None


def test_as_of(log):
    st = ExplorerState(log)
    st.set(as_of="2024-06-30")
    m = st.matrix()
    assert m.cohort_labels[-1] == "2024-06"
    np.testing.assert_array_equal(m.counts, fidelite.retention(log, as_of="2024-06-30").counts)
    assert st.as_of == np.datetime64("2024-06-30T23:59:59.999999")


def test_clip_keeps_the_latest_cohorts_first_offsets_and_full_averages(log):
    m = fidelite.retention(log, period="week", ci=0.95)
    shown, r0 = clip(m, 5, 4)
    k = m.counts.shape[0]
    assert r0 == k - 5 and shown.counts.shape == (5, 4)
    assert shown.cohort_labels == m.cohort_labels[-5:]
    np.testing.assert_array_equal(shown.counts, m.counts[-5:, :4])
    np.testing.assert_array_equal(shown.ci_high, m.ci_high[-5:, :4])
    np.testing.assert_array_equal(shown.average, m.average[:4])  # over every cohort, not the 5 shown
    assert shown.counts.shape == (5, 4) and m.counts.shape[1] > 4  # the original is untouched
    assert clip(m, 10_000, 10_000) == (m, 0)


def test_cell_selection_and_info(log):
    st = ExplorerState(log)
    m = st.matrix()
    assert st.cell == (0, 1)  # default: first shown cohort, offset 1
    st.select("2024-03", 2)
    k = m.cohort_labels.index("2024-03")
    info = st.cell_info()
    assert (info["row"], info["column"], info["cohort"], info["offset"]) == (k, 2, "2024-03", "2")
    assert info["count"] == m.counts[k, 2] and info["size"] == m.sizes[k]
    assert info["rate"] == pytest.approx(m.counts[k, 2] / m.sizes[k])
    assert (info["ci_low"], info["ci_high"]) == (m.ci_low[k, 2], m.ci_high[k, 2])
    st.set(criterion="streak")  # same cohort label and offset: kept
    assert st.cell == (k, 2)
    st.set(period="quarter")  # no month label: back to the default
    assert st.cell == (0, 1)
    st.set(period="month")  # the selection comes back
    assert st.cell == (k, 2)
    with pytest.raises(ParameterError, match="no cohort '1999-01'"):
        st.select("1999-01", 0)
    with pytest.raises(ParameterError, match="offset 99 is outside"):
        st.select(0, 99)


# ----------------------------------------------------------------------------- drill-down


@pytest.mark.parametrize("cohort", ["first", "recurring", "signup"])
@pytest.mark.parametrize("criterion", ["on", "on_or_after", "streak"])
def test_cell_customers_match_the_counts_and_the_reference(shop, log, cohort, criterion):
    st = ExplorerState(log, customers=shop.customers)
    st.set(period="quarter", cohort=cohort, criterion=criterion, as_of="2025-08-15")
    m = st.matrix()
    k_n, j_n = m.counts.shape
    for k in range(0, k_n, 3):
        for j in (0, 1, 2, 4):
            if j >= j_n:
                continue
            st.select(k, j)
            got = st.cell_customers()
            assert len(got) == m.counts[k, j], (k, j)
            want = ref_cell(
                shop.events,
                shop.customers,
                period="quarter",
                cohort=cohort,
                criterion=criterion,
                as_of="2025-08-15",
                start=m.cohorts[k],
                j=j,
            )
            assert dict(zip(got["customer_id"].tolist(), got["events"].tolist())) == want, (k, j)
            assert (np.diff(got["customer_id"].astype(np.int64)) > 0).all()  # ascending ids, no repeats


def test_cell_customers_every_cell_in_a_time_zone(log, shop):
    st = ExplorerState(log, tz="America/New_York")  # a UTC log, periods cut in New York
    st.set(period="month", criterion="on_or_after")
    m = st.matrix()
    ref = fidelite.retention(fidelite.EventLog(shop.events, tz="America/New_York"), criterion="on_or_after")
    np.testing.assert_array_equal(m.counts, ref.counts)
    assert m.params["tz"] == "America/New_York" and st.lifecycle().params["tz"] == "America/New_York"
    for k in range(m.counts.shape[0]):
        for j in range(m.counts.shape[1]):
            st.select(k, j)
            assert len(st.cell_customers()) == m.counts[k, j], (k, j)
    st.select("2024-01", 3)
    want = ref_cell(
        shop.events,
        None,
        period="month",
        cohort="first",
        criterion="on_or_after",
        tz="America/New_York",
        start=np.datetime64("2024-01-01"),
        j=3,
    )
    assert set(st.cell_customers()["customer_id"].tolist()) == set(want)


def test_cell_customers_of_a_segment(shop, log):
    st = ExplorerState(log, customers=shop.customers)
    st.set(period="quarter", segment="segment", segment_value="pro", cohort="signup")
    m = st.matrix()
    for k in range(0, m.counts.shape[0], 2):
        st.select(k, 1)
        got = st.cell_customers()
        assert len(got) == m.counts[k, 1]
        want = ref_cell(
            shop.events,
            shop.customers,
            period="quarter",
            cohort="signup",
            criterion="on",
            start=m.cohorts[k],
            j=1,
            segment=("segment", "pro"),
        )
        assert set(got["customer_id"].tolist()) == set(want)


@pytest.mark.parametrize("measure", ["revenue", "cumulative_revenue"])
def test_cell_customers_revenue_sums_to_the_cell(log, measure):
    st = ExplorerState(log)
    st.set(period="quarter", measure=measure)
    m = st.matrix()
    for k in range(m.counts.shape[0]):
        for j in range(0, m.counts.shape[1], 2):
            st.select(k, j)
            got = st.cell_customers()
            assert got["cell_value"].sum() == pytest.approx(m.counts[k, j]), (k, j)


def test_drill_down_covers_the_matrices_it_once_refused(log):
    # the drill-down used to refuse brackets, offset0="return", rolling windows and
    # start / return events; the kernel that builds the matrix now lists every cell
    m = fidelite.retention(log, brackets=[1, 3], offset0="return")
    assert [len(m.customers(k, j)) for k in range(len(m.cohorts)) for j in range(2)] == m.counts.ravel().tolist()
    with pytest.raises(ParameterError, match="cell \\(99, 0\\) is outside"):
        fidelite.retention(log).customers(99, 0)
    with pytest.raises(MissingTableError, match="needs the customers table"):
        fidelite.retention(log, cohort="signup")


# ----------------------------------------------------------------------------- widgets


def test_period_control_redraws_the_matrix(ex, log):
    assert ex.tabs.selected_index == 0
    before = ex.matrix_html.value
    ex.controls["period"].value = "quarter"
    q = fidelite.retention(log, period="quarter")
    after = ex.matrix_html.value
    assert after != before
    assert (attr(after, "data-rows"), attr(after, "data-cols")) == (str(len(q.cohorts)), str(q.counts.shape[1]))
    cells = rendered_cells(after)
    assert len(cells) == q.counts.size
    for (label, j), count in cells.items():
        assert count == q.counts[q.cohort_labels.index(label), j]
    # the cell selectors follow the new matrix
    assert [label for label, _ in ex.cell_cohort.options] == q.cohort_labels


def test_criterion_measure_cohort_and_segment_controls(ex, log, shop):
    c = ex.controls
    c["criterion"].value = "on_or_after"
    m = fidelite.retention(log, criterion="on_or_after")
    shown = rendered_cells(ex.matrix_html.value)
    assert shown[(m.cohort_labels[-1], 0)] == m.counts[-1, 0]
    assert shown[(m.cohort_labels[0], 5)] == m.counts[0, 5]
    c["criterion"].value = "streak"
    c["measure"].value = "revenue"  # revenue sums cells: the criterion falls back to "on"
    assert (c["criterion"].value, [v for _, v in c["criterion"].options]) == ("on", ["on"])
    assert "measure revenue" in ex.matrix_html.value
    assert "data-value=" in ex.cell_text.value and "data-count=" not in ex.cell_text.value
    c["measure"].value = "customers"
    c["cohort"].value = "recurring"
    assert "cohorts (recurring)" in ex.matrix_html.value
    c["segment"].value = "segment"
    assert not c["segment_value"].disabled
    assert [v for _, v in c["segment_value"].options] == ["business", "pro", "retail"]
    c["segment_value"].value = "retail"
    assert "segment = retail" in ex.matrix_html.value
    ref = fidelite.retention(log, cohort="recurring", segment="segment", customers=shop.customers)["retail"]
    assert rendered_cells(ex.matrix_html.value)[(ref.cohort_labels[0], 1)] == ref.counts[0, 1]
    c["segment"].value = ""  # "(none)"
    assert ex.state.params["segment"] is None and c["segment_value"].disabled
    assert not any(e.value for e in ex.errors)


def test_as_of_control_and_a_rejected_value(ex):
    picker = ex.controls["as_of"]
    picker.value = dt.date(2024, 12, 31)
    assert ex.state.as_of == np.datetime64("2024-12-31T23:59:59.999999")
    assert "<th>2024-12</th>" in ex.matrix_html.value and "<th>2025-01</th>" not in ex.matrix_html.value
    shown = ex.matrix_html.value
    picker.value = dt.date(2001, 1, 1)  # before the first event: refused, shown, reverted
    assert "ParameterError" in ex.errors[0].value and "before the first event" in ex.errors[0].value
    assert picker.value == dt.date(2024, 12, 31)
    assert ex.matrix_html.value == shown
    assert "before the first event" in ex.tracebacks[-1]  # kept for debugging, not shown
    picker.value = None  # back to the latest event
    assert ex.state.params["as_of"] is None and ex.errors[0].value == ""
    assert "<th>2025-01</th>" in ex.matrix_html.value


def test_cell_selectors_show_count_rate_ci_and_drill_to_customers(ex, log):
    m = fidelite.retention(log, ci=0.95)
    k = m.cohort_labels.index("2024-05")
    ex.cell_cohort.value = k
    ex.cell_offset.value = 3
    text = ex.cell_text.value
    assert attr(text, "data-cohort") == "2024-05" and attr(text, "data-offset") == "3"
    assert int(attr(text, "data-count")) == m.counts[k, 3]
    assert float(attr(text, "data-rate")) == pytest.approx(m.rates[k, 3])
    assert float(attr(text, "data-ci-low")) == pytest.approx(m.ci_low[k, 3])
    assert f"{m.counts[k, 3]:,} of {m.sizes[k]:,} customers" in text
    assert "td[data-cohort='2024-05'][data-offset='3']" in text  # the selected cell is outlined
    ex.drill_button.click()
    assert ex.tabs.selected_index == 2
    drill = ex.drill_html.value
    assert int(attr(drill, "data-count")) == m.counts[k, 3] and attr(drill, "data-cohort") == "2024-05"
    # another cell: the customers tab is redrawn when opened again
    ex.tabs.selected_index = 0
    ex.cell_offset.value = 1
    ex.drill_button.click()
    assert int(attr(ex.drill_html.value, "data-count")) == m.counts[k, 1]


def test_only_the_visible_tab_recomputes(ex):
    ex.controls["period"].value = "quarter"
    assert ex.lifecycle_chart.value == ""
    assert not any(key[0] == "lifecycle" for key in ex.state.cache)
    ex.tabs.selected_index = 1
    first = ex.lifecycle_chart.value
    assert (attr(first, "data-chart"), attr(first, "data-period")) == ("lifecycle", "quarter")
    ex.controls["period"].value = "month"  # on the lifecycle tab: redrawn at once
    second = ex.lifecycle_chart.value
    assert attr(second, "data-period") == "month" and attr(second, "data-digest") != attr(first, "data-digest")
    assert attr(second, "data-periods") == str(len(fidelite.lifecycle(ex.state.log).labels))
    assert attr(ex.kpi_chart.value, "data-chart") == "kpis" and attr(ex.kpi_chart.value, "data-period") == "month"
    assert attr(ex.rolling_chart.value, "data-chart") == "rolling"
    assert "period KPIs per month" in ex.kpi_table.value
    # the retention tab, not visible, is redrawn when opened
    assert "quarter cohorts" in ex.matrix_html.value
    ex.tabs.selected_index = 0
    assert "month cohorts" in ex.matrix_html.value


def test_customers_tab(ex, log):
    ex.tabs.selected_index = 2
    assert "RFM segments" in ex.rfm_html.value and "retention patterns" in ex.rfm_html.value
    assert int(attr(ex.at_risk_html.value, "data-count")) == len(fidelite.at_risk(log))
    assert int(attr(ex.drill_html.value, "data-count")) == ex.state.cell_info()["count"]


def test_a_failing_section_shows_its_error_and_the_rest_still_draw(ex, monkeypatch):
    def boom() -> Any:
        raise RuntimeError("kpis exploded")

    monkeypatch.setattr(ex.state, "kpis", boom)
    monkeypatch.setattr(ex.state, "cell_customers", lambda: (_ for _ in ()).throw(ValueError("no drill today")))
    ex.tabs.selected_index = 1
    assert "RuntimeError: kpis exploded" in ex.kpi_chart.value and "kpis exploded" in ex.kpi_table.value
    assert attr(ex.lifecycle_chart.value, "data-chart") == "lifecycle"
    assert any("kpis exploded" in t and "Traceback" in t for t in ex.tracebacks)  # kept, not shown
    ex.tabs.selected_index = 2
    assert "ValueError: no drill today" in ex.drill_html.value
    assert "RFM segments" in ex.rfm_html.value


def test_a_failing_retention_shows_the_error_in_its_tab(ex, monkeypatch):
    monkeypatch.setattr(ex.state, "matrix", lambda: (_ for _ in ()).throw(RuntimeError("kernel on fire")))
    ex.controls["criterion"].value = "on_or_after"
    assert "RuntimeError: kernel on fire" in ex.errors[0].value
    assert ex.matrix_html.value == ""  # no stale table under the error


def test_indices_tab_lists_every_index_and_isolates_a_failing_one(ex):
    class Broken:
        @fidelite.hookimpl
        def fidelite_register_indices(register):
            register(fidelite.Index(name="broken_probe", compute=lambda events: 1 / 0, description="Always fails."))
            register(
                fidelite.Index(
                    name="contacts_probe",
                    compute=lambda contacts: 1.0,
                    inputs=("contacts",),
                    description="Needs the contacts table.",
                )
            )

    name = fidelite.plugins.register(Broken, name="explorer-broken-probe")
    try:
        ex.tabs.selected_index = 3
        rows = dict(re.findall(r"<tr data-index='([^']*)' data-status='([^']*)'>", ex.indices_html.value))
        assert set(rows) == set(fidelite.indices().names())
        assert rows["broken_probe"] == "error" and rows["contacts_probe"] == "missing"
        assert rows["repeat_rate"] == "ok" and rows["nps"] == "ok"
        assert "ZeroDivisionError" in ex.indices_html.value and "explorer-broken-probe" in ex.indices_html.value
        assert "needs the contacts table" in ex.indices_html.value
        value = float(re.search(r"data-index='repeat_rate'.*?data-value='([^']*)'", ex.indices_html.value).group(1))
        assert value == pytest.approx(float(fidelite.repeat_rate(ex.state.log)))
        # the other tabs keep working
        ex.tabs.selected_index = 0
        ex.controls["period"].value = "year"
        assert attr(ex.matrix_html.value, "data-rows") == "3"
    finally:
        fidelite.plugins.unregister(name)
    ex.tabs.selected_index = 3  # listed afresh: the plugin is gone
    assert "broken_probe" not in ex.indices_html.value


def test_predicted_value_tab(ex, log):
    assert ex.predict_html.value == ""  # computed when opened
    ex.tabs.selected_index = 4
    value = ex.predict_html.value
    r = fidelite.predicted_clv(log, horizon=12)
    assert float(attr(value, "data-total")) == pytest.approx(r.value, rel=1e-9)
    gone = fidelite.at_risk(log, method="p_alive")
    assert f"data-count='{len(gone)}'" in value
    f = fidelite.retention(log, criterion="on_or_after").forecast()
    assert "fidelite-forecast" in value and int(attr(value.split("fidelite-forecast-box")[1], "data-projected")) > (
        f.projected.sum()
    )
    ex.controls["period"].value = "quarter"  # visible: redrawn at once
    assert "quarter cohorts" in ex.predict_html.value


# ------------------------------------------------------------------ issue 16, items 3 and 7


def _all_widgets(w: Any) -> Iterator[Any]:
    yield w
    for child in getattr(w, "children", ()):
        yield from _all_widgets(child)


def test_errors_are_inline_never_in_a_stderr_box(ex, monkeypatch):
    import ipywidgets as W

    monkeypatch.setattr(ex.state, "kpis", lambda: (_ for _ in ()).throw(RuntimeError("kpis exploded")))
    for tab in range(len(ex.tabs.children)):
        ex.tabs.selected_index = tab
    assert "kpis exploded" in ex.kpi_table.value  # inline, where the table goes
    assert not any(isinstance(w, W.Output) for w in _all_widgets(ex.widget))
    shown = "".join(getattr(w, "value", "") for w in _all_widgets(ex.widget) if isinstance(w, W.HTML))
    assert "Traceback" not in shown


def test_absent_columns_are_skipped_with_what_they_need(shop):
    events = {k: v for k, v in shop.events.items() if k not in ("product", "duration")}
    ex = fidelite.explore(events, customers=shop.customers, surveys=shop.surveys)
    _ = ex.widget
    ex.tabs.selected_index = 3
    rows = dict(re.findall(r"<tr data-index='([^']*)' data-status='([^']*)'>", ex.indices_html.value))
    assert rows["upsell_rate"] == "missing" and rows["engagement"] == "missing" and rows["nps"] == "ok"
    assert "skipped: needs a product column (pass product=...)" in ex.indices_html.value
    assert "skipped: needs a duration column (pass duration=...)" in ex.indices_html.value
    assert "error" not in rows.values() and "MissingColumnError" not in ex.indices_html.value


def test_computing_indicator_and_indices_filling_in_one_by_one(ex):
    seen: list[str] = []
    ex.status.observe(lambda change: seen.append(change["new"]), names="value")
    progress: list[tuple[int, int]] = []

    def on_indices(change: Any) -> None:
        m = re.search(r"data-done='(\d+)' data-total='(\d+)'", change["new"])
        progress.append((int(m[1]), int(m[2])))

    ex.indices_html.observe(on_indices, names="value")
    ex.tabs.selected_index = 3
    total = len(fidelite.indices())
    assert progress[0] == (0, total) and progress[-1] == (total, total)
    assert [d for d, _ in progress] == list(range(total + 1))  # one update per finished index
    assert any("computing…" in v for v in seen) and ex.status.value == ""


def test_the_header_shows_local_time_with_its_zone(shop):
    ex = fidelite.explore(shop.events, tz="Europe/Paris")
    header = ex.widget.children[0].value
    t_max = fidelite.EventLog(shop.events).t_max
    local = fidelite.results.formatting.instant(t_max, "Europe/Paris")
    assert local in header and "(UTC)" not in header
