"""The report: sections, terminal rendering and the self-contained HTML file.

What is checked here is the report's own work (which numbers land where, how they are
formatted, what happens when a section fails or lacks an input), against the metric
results computed directly, plus the HTML's self-containment. The metrics themselves are
tested against references elsewhere.
"""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest

import fidelite
from fidelite.exceptions import ParameterError, TimeZoneError
from fidelite.report import SECTIONS, Report, SectionBuilder, Skip, Table, build_report
from fidelite.report.plugin_sections import with_plugins
from fidelite.report.sections import cohort_table
from fidelite.results.formatting import change, numeric

KEYS = [
    "accounting",
    "kpis",
    "cohorts",
    "lifecycle",
    "customers",
    "indices",
    "predict",
    "survival",
    "campaigns",
    "revenue",
    "surveys",
    "programme",
    "methods",
]


@pytest.fixture(scope="module")
def full(shop) -> Report:
    return build_report(
        shop.events,
        period="quarter",
        customers=shop.customers,
        surveys=shop.surveys,
        contacts=shop.contacts,
        subscriptions=shop.subscriptions,
        programme=shop.programme,
        tiers=fidelite.datasets.PROGRAMME_TIERS,
        source="demo",
    )


@pytest.fixture(scope="module")
def html(full) -> str:
    return full.to_html()


def terminal(report: Report, width: int = 120) -> str:
    from rich.console import Console

    buf = io.StringIO()
    report.print(Console(file=buf, width=width, color_system=None))
    return buf.getvalue()


def table(section, key: str) -> Table:
    found = [b for b in section.blocks if isinstance(b, Table) and b.key == key]
    assert found, f"no table {key!r} in section {section.key!r}: {[getattr(b, 'key', None) for b in section.blocks]}"
    return found[0]


def cells(t: Table) -> dict[str, list[str]]:
    """First column -> the rest of the row."""
    return {r[0]: r[1:] for r in t.rows}


# ------------------------------------------------------------------ structure


def test_every_section_in_order_and_ok(full):
    # the sections of installed plugins (the example plugin's) come before the methods
    keys = [*KEYS[:-1], *(s.name for s in fidelite.plugins.sections()), KEYS[-1]]
    assert [s.key for s in full.sections] == keys
    assert {s.key: s.status for s in full.sections} == dict.fromkeys(keys, "ok"), [
        (s.key, s.message) for s in full.sections if s.status != "ok"
    ]


def test_progress_names_every_stage(shop):
    seen: list[str] = []
    build_report(shop.events, period="year", progress=seen.append)
    assert seen == ["building the log"] + [b.title for b in with_plugins(SECTIONS)]  # installed plugins' too


# ------------------------------------------------------------------ 1. data accounting


def test_accounting_counts_every_row_with_its_reason(shop):
    events = {k: v.copy() for k, v in shop.events.items()}
    events["customer_id"] = events["customer_id"].astype(object)
    events["customer_id"][:7] = None
    events["timestamp"][7:10] = np.datetime64("NaT")
    report = build_report(events, period="year", sections=SECTIONS[:1])
    t = cells(table(report.section("accounting"), "row-accounting"))
    n = len(events["timestamp"])
    assert t["rows read"] == [f"{n:,}"]
    assert t["rows used"] == [f"{n - 10:,}"]
    assert t["rows rejected"] == ["10"]
    assert t["rejected: null customer id"] == ["7"]
    assert t["rejected: null timestamp"] == ["3"]
    refunds = int((events["amount"][10:] < 0).sum())
    assert t["note: refunds (negative amounts)"] == [f"{refunds:,}"]
    where = cells(table(report.section("accounting"), "rejected-rows"))  # the first rows rejected, 0-based
    assert where == {"null customer id": ["rows 0, 1, 2, ..."], "null timestamp": ["rows 7, 8, 9"]}
    assert any(n.startswith("10 rejected rows are left out") for n in report.section("accounting").notes)


def test_accounting_states_what_was_covered(full, shop):
    facts = cells(table(full.section("accounting"), "data-covered"))
    log = fidelite.EventLog(shop.events)
    assert facts["customers"] == [f"{log.n_customers:,}"]
    assert facts["first event"][0].startswith(str(np.datetime64(log.t_min, "us"))[:10])
    assert facts["surveys table"] == [f"{len(shop.surveys['score']):,} rows"]
    assert facts["period"] == ["quarter (calendar, UTC)"]
    completeness = cells(table(full.section("accounting"), "completeness"))
    c = fidelite.completeness(shop.customers)
    assert {f: v[0] for f, v in completeness.items()} == {str(f): f"{n:,}" for f, n in zip(c["field"], c["filled"])}


# ------------------------------------------------------------------ 2. headline KPIs


def test_kpis_compare_the_latest_complete_period_with_the_previous(full, shop):
    k = fidelite.period_kpis(shop.events, period="quarter")
    done = np.flatnonzero(k["complete"])
    last, prev = done[-1], done[-2]
    t = table(full.section("kpis"), "period-kpis")
    label = lambda day: f"{day.astype(object).year}-Q{(day.astype(object).month - 1) // 3 + 1}"
    assert t.columns == ["KPI", label(k["period"][last]), label(k["period"][prev]), "change"]
    rows = cells(t)
    a, b = int(k["active"][last]), int(k["active"][prev])
    assert rows["active customers"] == [f"{a:,}", f"{b:,}", f"{a - b:+,} ({(a - b) / b * 100:+.1f}%)"]
    r1, r0 = k["retention_rate"][last], k["retention_rate"][prev]
    assert rows["retention rate (E - N) / S"] == [f"{r1:.1f}%", f"{r0:.1f}%", f"{r1 - r0:+.1f} pts"]
    assert rows["churn rate: no longer active at the end"][0] == f"{k['churn_rate'][last]:.1f}%"
    assert rows["kept rate: still active at the end"][0] == f"{k['kept_rate'][last]:.1f}%"


def test_hourly_kpis_are_labelled_by_hour_across_a_fall_back():
    t = pd.date_range("2024-11-03 02:10", "2024-11-03 09:50", freq="20min", tz="UTC")  # 01:00 New York twice
    events = {"customer_id": np.arange(len(t)) % 5, "timestamp": t}
    s = build_report(events, period="hour", tz="America/New_York", sections=[SECTIONS[1]]).section("kpis")
    k = fidelite.period_kpis(events, period="hour", tz="America/New_York")
    cal = fidelite.EventLog(events).calendar("hour", tz="America/New_York")
    labels = cal.period_labels(int(cal.periods_of(np.array([t[0].value // 1000]))[0]), len(k["period"]))
    assert "2024-11-03 01:00-05:00" in labels
    done = np.flatnonzero(k["complete"])
    assert table(s, "period-kpis").columns[1:3] == [labels[done[-1]], labels[done[-2]]]


def test_kpis_include_each_metric_whose_inputs_are_given(full, shop):
    rows = cells(table(full.section("kpis"), "other-kpis"))
    nps = fidelite.nps(shop.surveys)
    assert rows["NPS"][0] == f"{nps.value:,.2f} points"
    assert f"responses {nps.parts['responses']:,}" in rows["NPS"][1]
    assert rows["repeat-purchase rate"][0] == f"{fidelite.repeat_rate(shop.events).value:.1f}%"
    nrr = fidelite.revenue_retention(shop.subscriptions, period="quarter")
    k = np.flatnonzero(nrr["complete"])[-1]
    assert rows["net revenue retention (NRR)"][0] == f"{nrr['nrr'][k]:.1f}%"
    assert rows["activation rate"][0] == f"{fidelite.activation(shop.customers, events=shop.events).value:.1f}%"
    crm = fidelite.campaigns(shop.contacts, events=shop.events, period="quarter")
    assert rows["net reactivity rate"][0] == f"{crm.value:.1f}%"
    assert rows["net reactivity rate"][1].startswith(
        f"{int(crm.kpis['converted_active']):,} of {int(crm.kpis['contacted_active']):,} contacted active customers"
    )
    assert rows["CRM ROI"][0] == f"{crm.kpis['roi']:,.0f}%"


def test_programme_section_lists_the_members_near_their_next_tier(full, shop):
    s = full.section("programme")
    near = fidelite.near_next_tier(shop.programme, tiers=fidelite.datasets.PROGRAMME_TIERS)
    assert len(near) > 0  # the demo has members close to silver and gold
    t = table(s, "near-next-tier")
    assert t.caption.startswith(f"{len(near):,} of {near.meta['members']:,} members are within 15 points")
    shown = [row[t.columns.index("points to next")] for row in t.rows]
    assert len(shown) == min(len(near), 12)
    assert [float(v.replace(",", "")) for v in shown] == pytest.approx(near["points_to_next"][: len(shown)], abs=0.01)
    order = fidelite.tier_migration(shop.programme, tiers=fidelite.datasets.PROGRAMME_TIERS).labels
    assert table(s, "tier-migration").columns[1:] == order


def test_programme_section_without_tiers_says_how_to_list_members_near_a_tier(shop):
    programme = [b for b in SECTIONS if b.key == "programme"]
    s = build_report(shop.events, programme=shop.programme, sections=programme).section("programme")
    assert s.status == "ok"
    assert not [b for b in s.blocks if getattr(b, "key", None) == "near-next-tier"]
    assert "members near their next tier: pass tiers= (tier name -> points threshold) to show them" in s.notes


def test_campaigns_section(full, html, shop):
    s = full.section("campaigns")
    crm = fidelite.campaigns(shop.contacts, events=shop.events, period="quarter")
    rows = cells(table(s, "campaign-kpis"))
    assert rows["net reactivity rate"][0] == f"{crm.value:.1f}%"
    assert rows["unsubscribe rate"][0] == f"{crm.kpis['unsubscribe_rate']:.1f}%"
    channels = table(s, "campaign-channels")
    assert [r[0] for r in channels.rows] == [str(g) for g in crm.by("channel")["group"]]
    assert channels.columns[:4] == ["group", "contacts", "contacted active", "net reactivity"]
    converted = channels.columns.index("converted active")
    assert channels.rows[0][converted] == f"{int(crm.by('channel')['converted_active'][0]):,}"  # a count: no decimals
    assert set(channels.data) == set(crm.by("channel").columns)  # every column in the exports
    pressure = table(s, "campaign-pressure")
    p = crm.pressure
    assert len(pressure.data["contacts"]) == len(p)  # every period in the exports
    last = pressure.rows[-1]
    assert last[0] == f"{p['label'][-1]}{'' if p['complete'][-1] else '*'}" and last[1] == f"{int(p['contacts'][-1]):,}"
    assert "data-chart='campaign-pressure'" in html.split("data-section='campaigns'")[1].split("</section>")[0]
    assert any("last-touch" in n for n in s.notes)


def test_revenue_section(full, html, shop):
    s = full.section("revenue")
    r = fidelite.revenue_retention(shop.subscriptions, period="quarter")
    k = int(np.flatnonzero(r["complete"])[-1])
    assert cells(table(s, "mrr"))["net revenue retention (NRR)"][0] == f"{r['nrr'][k]:.1f}%"
    bridge = table(s, "mrr-bridge")
    assert len(bridge.rows) == min(len(r), 24) and len(bridge.data["nrr"]) == len(r)
    row = bridge.rows[-1 - (len(r) - 1 - k)]
    assert row[0] == r.meta["labels"][k] and row[2] == f"{r['nrr'][k]:.1f}%" and bridge.columns[2] == "NRR"
    assert bridge.rows[-1][0].endswith("*") == (not r["complete"][-1])
    assert "data-chart='mrr-bridge'" in html.split("data-section='revenue'")[1].split("</section>")[0]


def test_campaigns_and_revenue_sections_say_what_they_need(shop):
    from fidelite.report import SECTIONS

    keep = [b for b in SECTIONS if b.key in ("campaigns", "revenue")]
    report = build_report(shop.events, period="quarter", sections=keep)
    assert report.section("campaigns").status == "skipped"
    assert report.section("campaigns").message == "needs the contacts table (--contacts FILE)"
    assert report.section("revenue").message == "needs the subscriptions table (--subscriptions FILE)"


def test_kpis_without_surveys_say_what_they_need(shop):
    report = build_report(shop.events, period="quarter", sections=[SECTIONS[1]])
    s = report.section("kpis")
    assert "NPS" not in cells(table(s, "other-kpis"))
    assert any(n.startswith("NPS, customer loyalty index: skipped, needs the surveys table") for n in s.notes), s.notes


def test_a_failing_kpi_shows_its_error_and_the_others_remain(shop):
    surveys = dict(shop.surveys, question=np.full(len(shop.surveys["score"]), "other", dtype=object))
    report = build_report(shop.events, period="quarter", surveys=surveys, sections=[SECTIONS[1]])
    s = report.section("kpis")
    rows = cells(table(s, "other-kpis"))
    assert rows["NPS"][0] == "error"
    assert any(n.startswith("NPS failed: ParameterError: no answers to question(s)") for n in s.notes), s.notes
    assert rows["repeat-purchase rate"][0].endswith("%")


def test_purchase_event_names_the_purchases(shop):
    events = dict(shop.events, event=np.where(shop.events["event"] == "purchase", "order", shop.events["event"]))
    s = build_report(events, period="quarter", sections=[SECTIONS[1]]).section("kpis")
    assert s.status == "ok"  # the purchase metrics failed, the others still show
    assert any("no event of type 'purchase'" in n for n in s.notes)
    assert s.notes[-1].startswith("Purchases are events of type 'purchase' by default")
    assert cells(table(s, "other-kpis"))["repeat-purchase rate"][0] == "error"
    s = build_report(events, period="quarter", purchase_event="order", sections=[SECTIONS[1]]).section("kpis")
    k = fidelite.period_kpis(events, period="quarter", purchase_event="order")
    last = np.flatnonzero(k["complete"])[-1]
    assert cells(table(s, "period-kpis"))["orders per active customer"][0] == f"{k['orders_per_active'][last]:,.2f}"
    rate = fidelite.repeat_rate(events, purchase_event="order").value
    assert cells(table(s, "other-kpis"))["repeat-purchase rate"][0] == f"{rate:.1f}%"


def test_kpis_without_a_complete_period(shop):
    events = {"customer_id": np.array([1, 2]), "timestamp": np.array(["2024-03-01", "2024-03-02"], "datetime64[us]")}
    s = build_report(events, period="year", sections=[SECTIONS[1]]).section("kpis")
    assert s.status == "ok"
    assert any("no complete period" in n for n in s.notes)


# ------------------------------------------------------------------ 3. cohort table


def test_cohort_table_formats_the_matrix(full, shop):
    m = fidelite.retention(shop.events, period="quarter")
    t = table(full.section("cohorts"), "cohorts")
    assert t.columns == ["cohort", "size"] + [str(j) for j in range(m.shape[1])]
    assert [r[0] for r in t.rows] == m.cohort_labels
    for i, row in enumerate(t.rows):
        assert row[1] == f"{m.sizes[i]:,}"
        for j, text in enumerate(row[2:]):
            r = m.rates[i, j]
            expected = "" if np.isnan(r) else f"{100 * r:.1f}%" + ("" if m.complete[i, j] else "*")
            assert text == expected, (i, j)
    assert any(c.endswith("*") for r in t.rows for c in r)  # the demo has incomplete cells
    [avg] = t.footer
    assert avg[:2] == ["average", f"{int(m.sizes.sum()):,}"]
    assert avg[2:] == ["" if np.isnan(a) else f"{100 * a:.1f}%" for a in m.average]


def test_long_cohort_tables_keep_the_latest_rows(shop):
    m = fidelite.retention(shop.events, period="month")
    t = cohort_table(m, max_rows=5)
    assert [r[0] for r in t.rows] == m.cohort_labels[-5:]
    assert t.caption.startswith(f"latest 5 of {len(m.cohorts)} cohorts")


def test_as_of_cuts_the_report(shop):
    report = build_report(shop.events, period="quarter", as_of="2024-06-30", sections=[SECTIONS[2]])
    t = table(report.section("cohorts"), "cohorts")
    assert t.rows[-1][0] == "2024-Q2"
    assert t.rows[-1][2] == "100.0%"  # the as_of quarter has fully elapsed at the end of June 30th


# ------------------------------------------------------------------ 4-6


def test_lifecycle_lists_the_latest_periods(full, shop):
    lc = fidelite.lifecycle(shop.events, period="quarter")
    t = table(full.section("lifecycle"), "lifecycle")
    assert [r[0].rstrip("*") for r in t.rows] == lc.labels[-len(t.rows) :]
    last = t.rows[-1]
    assert last[1:5] == [f"{lc.new[-1]:,}", f"{lc.returning[-1]:,}", f"{lc.resurrected[-1]:,}", f"{lc.dormant[-1]:,}"]
    assert last[0].endswith("*") == (not lc.complete[-1])


def test_customers_section_shows_rfm_and_at_risk(full, shop):
    s = full.section("customers")
    rfm = fidelite.rfm(shop.events)
    seg = cells(table(s, "rfm-segments"))
    assert {k: v[0] for k, v in seg.items()} == {
        str(n): f"{c:,}" for n, c in zip(rfm.segments["segment"], rfm.segments["customers"])
    }
    risk = fidelite.at_risk(shop.events, period="quarter")
    t = table(s, "at-risk")
    assert [r[0] for r in t.rows] == [str(c) for c in risk["customer_id"][:10]]
    assert table(s, "churn-reasons").rows


def test_customers_section_without_amounts_says_so(shop):
    events = {k: v for k, v in shop.events.items() if k != "amount"}
    s = build_report(events, period="quarter", sections=[SECTIONS[4]]).section("customers")
    assert "rfm: skipped, needs an amount column (--amount COL)." in s.notes
    assert "churn reasons: skipped, needs the customers table (--customers FILE)." in s.notes


def test_indices_section_computes_every_available_index(full):
    rows = cells(table(full.section("indices"), "indices"))
    available = fidelite.plugins.available_indices({"events", "customers", "surveys", "contacts", "subscriptions"})
    assert list(rows) == available.names()
    nps = fidelite.compute_index("nps", surveys=full.inputs.surveys)
    assert rows["nps"][0] == f"{nps.value:,.2f} points"


def test_indices_needing_missing_tables_are_listed_as_skipped(shop):
    s = build_report(shop.events, period="quarter", sections=[SECTIONS[5]]).section("indices")
    assert "nps" not in cells(table(s, "indices"))
    assert "nps: skipped, needs the surveys table (--surveys FILE)." in s.notes


def test_a_failing_index_shows_its_error_and_the_others_remain(shop):
    class Broken:
        @fidelite.hookimpl
        def fidelite_register_indices(register):
            register(fidelite.Index(name="broken_index", compute=lambda events: 1 / 0, description="Always fails."))

    fidelite.plugins.register(Broken, name="broken-plugin")
    try:
        s = build_report(shop.events, period="quarter", sections=[SECTIONS[5]]).section("indices")
    finally:
        fidelite.plugins.unregister("broken-plugin")
    rows = cells(table(s, "indices"))
    assert rows["broken_index"][0] == "error"
    assert rows["repeat_rate"][0].endswith("%")
    assert any(n.startswith("broken_index failed: PluginError:") and "ZeroDivisionError" in n for n in s.notes), s.notes


# ------------------------------------------------------------------ extensibility and failures


def _boom(inputs):
    raise RuntimeError("the warehouse\nis on fire")


def _needs(inputs):
    raise Skip("needs a crystal ball")


def test_a_failing_section_shows_its_error_and_the_rest_renders(shop):
    sections = [SectionBuilder("broken", "Broken", _boom), SECTIONS[2], SectionBuilder("later", "Later", _needs)]
    report = build_report(shop.events, period="year", sections=sections)
    broken, cohorts, later = report.sections
    assert (broken.status, broken.message) == ("error", "RuntimeError: the warehouse; is on fire")
    assert cohorts.status == "ok"
    assert (later.status, later.message) == ("skipped", "needs a crystal ball")
    text = terminal(report)
    assert "error: RuntimeError: the warehouse; is on fire" in text
    assert "skipped: needs a crystal ball" in text
    assert "2023" in text
    page = report.to_html()
    assert "<p class='error' role='alert'>error: RuntimeError: the warehouse; is on fire</p>" in page
    assert "<p class='skipped'>skipped: needs a crystal ball</p>" in page
    assert "data-section='broken' data-status='error'" in page


def test_custom_sections_are_rendered(shop):
    def mine(inputs):
        return [Table(["name", "value"], [["customers", str(inputs.log.n_customers)]], key="mine")], ["my note"]

    report = build_report(shop.events, sections=[SectionBuilder("mine", "My section", mine)])
    assert "My section" in terminal(report) and "my note" in terminal(report)
    assert "data-section='mine'" in report.to_html()


def test_bad_parameters_fail_before_any_section(shop):
    with pytest.raises(ParameterError, match="unknown period 'fortnight'"):
        build_report(shop.events, period="fortnight")
    with pytest.raises(ParameterError, match="cannot read '2024-13-45'"):
        build_report(shop.events, as_of="2024-13-45")
    with pytest.raises(TimeZoneError):
        build_report(shop.events, tz="Mars/Olympus")


# ------------------------------------------------------------------ terminal


def test_terminal_report_prints_the_cohort_table(full):
    text = terminal(full, width=160)
    for title in ("Data accounting", "Headline KPIs", "Cohort retention", "Lifecycle", "Loyalty indices"):
        assert title in text
    assert "Methods" not in text  # the appendix is HTML only
    m = fidelite.retention(full.inputs.log, period="quarter")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(m.cohort_labels[0]))
    assert f"{100 * m.rates[0, 1]:.1f}%" in line
    avg = next(ln for ln in text.splitlines() if ln.strip().startswith("average"))
    assert f"{100 * m.average[1]:.1f}%" in avg
    assert re.search(r"\d%\*", text)  # incomplete cells are marked


def test_narrow_terminals_drop_matrix_columns_not_label_columns(full):
    text = terminal(full, width=60)
    assert "more columns (" in text and "see them in the HTML report (--html)" in " ".join(text.split())
    assert all(len(ln.rstrip()) <= 60 for ln in text.splitlines())
    cohorts = text[text.index("Cohort retention") : text.index("Lifecycle")]
    header = next(ln for ln in cohorts.splitlines() if ln.startswith("cohort"))
    assert header.split()[:4] == ["cohort", "size", "0", "1"]  # the label columns stay, the last offsets go


def test_a_long_source_path_breaks_after_a_slash_never_inside_a_name(shop):
    source = "/data/exports/" + "/".join(["nightly-orders-archive"] * 3) + "/orders-2024-12-04.parquet"
    report = build_report(shop.events, period="quarter", source=source, sections=SECTIONS[:1])
    text = terminal(report, width=60)
    assert all(len(ln.rstrip()) <= 60 for ln in text.splitlines())
    lines = [ln.split()[-1] for ln in text.splitlines() if ln.strip()]
    at = next(i for i, ln in enumerate(lines) if ln.startswith("/data/"))
    assert "".join(lines[at : at + 4]) == source  # the path whole, cut only after its slashes
    assert all(part.endswith("/") for part in lines[at : at + 3]) and lines[at + 3] == "orders-2024-12-04.parquet"


# ------------------------------------------------------------------ HTML


def test_html_has_every_section_with_stable_hooks(html):
    for key in KEYS:
        assert f"id='section-{key}' data-section='{key}' data-status='ok'" in html
        assert f"href='#section-{key}'" in html


def test_html_is_self_contained(html):
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(script|link|iframe)\b", html)
    assert not re.search(r"""(src|href)=['"](?!data:|#)""", html)
    assert re.search(r"url\(", html) is None


def test_html_charts_are_inline_pngs(html):
    charts = dict(re.findall(r"data-chart='([\w-]+)'><img src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html))
    assert set(charts) == {
        "kpi-trends",
        "retention-heatmap",
        "lifecycle-chart",
        "stickiness",
        "engagement-over-time",
        "loyalty-index-over-time",
        "rfm-segments",
        "predicted-tracking",
        "predicted-p-alive",
        "forecast",
        "survival-events",
        "survival-subscriptions",
        "campaign-pressure",
        "mrr-bridge",
        "mrr-cohorts",
        "nps-over-time",
        "nps-behaviour",
        "nps-transitions",
        "programme-kpis",
        "programme-impact",
        "programme-points",
        "tier-migration",
        "near-next-tier",
    }
    for data in charts.values():
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_has_the_matrix_the_accounting_and_the_methods(full, html):
    m = fidelite.retention(full.inputs.log, period="quarter")
    assert f"<table class='fidelite-retention' data-rows='{len(m.cohorts)}'" in html
    assert "data-table='row-accounting'" in html
    methods = html[html.index("data-section='methods'") :]
    for term in ("cohort", "offset 0", "as of", "retention rate", "NPS", "customer loyalty index"):
        assert f"<td>{term}</td>" in methods
    assert "% promoters (scores 9-10) minus % detractors (0-6); passives score 7-8" in methods


def test_html_escapes_data(shop):
    def evil(inputs):
        return [Table(["<b>x</b>"], [["<script>alert(1)</script>"]], key="evil")], ["a < b & c"]

    page = build_report(shop.events, sections=[SectionBuilder("evil", "<i>Evil</i>", evil)]).to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &lt; b &amp; c" in page


def test_a_failing_chart_shows_its_error_in_place(shop):
    from fidelite.report import Figure

    def charts(inputs):
        return [
            Figure("bad", "Bad chart", lambda fig: fig.subplots().plot([1, 2], [1])),
            Figure("good", "Good chart", lambda fig: fig.subplots().plot([1, 2], [1, 2])),
        ], []

    page = build_report(shop.events, sections=[SectionBuilder("charts", "Charts", charts)]).to_html()
    assert re.search(
        r"data-chart='bad'><p class='error'>chart failed: ValueError: x and y must have same first dimension", page
    )
    assert "data-chart='good'><img src='data:image/png;base64," in page


def test_write_html_and_jupyter_display(full, tmp_path):
    path = tmp_path / "r.html"
    full.write_html(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert full._repr_html_().startswith("<div class='fidelite-report'>")


# ------------------------------------------------------------------ formatting helpers


@pytest.mark.parametrize(
    ("a", "b", "unit", "expected"),
    [
        (12, 10, "", "+2 (+20.0%)"),
        (10, 12, "", "-2 (-16.7%)"),
        (1.5, 2.0, "", "-0.50 (-25.0%)"),
        (45.0, 40.0, "%", "+5.0 pts"),
        (3, 0, "", "+3"),
        (float("nan"), 1.0, "", "–"),
    ],
)
def test_change(a, b, unit, expected):
    assert change(a, b, unit) == expected


def test_numeric_columns():
    assert numeric(["1,234", "–", "12.5%", "+3 (+2.0%)", "51.8%*", "-0.47 points"])
    assert not numeric(["champions", "1"])
    assert not numeric(["2024-05-01"])
    assert not numeric(["", "–"])
