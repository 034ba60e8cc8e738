"""How results read when printed or rendered (issue 16, items 4, 6, 8 and 11): pandas-like
reprs (head and tail, the shape, the average row), ids without thousands separators,
instants in local time to the minute, units with every value, one formatting for reprs,
the report and the explorer."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import fidelite
from fidelite.results import TableResult
from fidelite.results.formatting import change, html_table, text_table, value

PARIS = "Europe/Paris"


@pytest.fixture(scope="module")
def paris(shop):
    return fidelite.EventLog(shop.events, tz=PARIS)


@pytest.fixture
def columns80(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")


def lines(text: str) -> list[str]:
    return text.splitlines()


# ------------------------------------------------------------------ 4. print(retention(...))


def test_print_retention_shows_every_cohort_the_last_offsets_and_the_average(paris, columns80):
    m = fidelite.retention(paris, period="month")
    assert m.shape[0] > 24  # more cohorts than the old repr showed
    text = repr(m)
    rows = [ln for ln in lines(text) if ln[:2] == "20"]
    assert [r.split()[0] for r in rows] == m.cohort_labels  # all of them, up to 60, oldest first
    header = next(ln for ln in lines(text) if ln.startswith("cohort"))
    cols = header.split()
    assert cols[:3] == ["cohort", "size", "0"] and "…" in cols and cols[-1] == m.offset_labels[-1]
    [avg] = [ln for ln in lines(text) if ln.startswith("average")]
    assert avg.split()[1] == f"{int(m.sizes.sum()):,}" and f"{100 * m.average[1]:.1f}%" in avg
    assert lines(text)[-1].startswith(f"[{m.shape[0]} cohorts x {m.shape[1]} offsets")
    assert all(len(ln) <= 80 for ln in lines(text)), max(map(len, lines(text)))


def test_print_a_long_matrix_shows_head_and_tail_around_an_ellipsis(paris, columns80):
    m = fidelite.retention(paris, period="week")
    assert m.shape[0] > 60
    text = repr(m)
    firsts = [ln.split()[0] for ln in lines(text)[3:] if ln.strip()]
    assert firsts[:5] == m.cohort_labels[:5]
    assert firsts[5] == "…"
    assert firsts[6:11] == m.cohort_labels[-5:]
    assert firsts[11] == "average"
    assert f"[{m.shape[0]} cohorts x {m.shape[1]} offsets" in text


def test_print_a_table_result_shows_head_tail_and_shape(paris, columns80):
    r = fidelite.at_risk(paris)
    assert len(r) > 60
    text = repr(r)
    body = list(lines(text)[2:-1])
    assert len(body) == 11 and set(body[5].split()) == {"…"}
    assert lines(text)[-1] == f"[{len(r)} rows x {len(r.columns)} columns]"
    assert all(len(ln) <= 80 for ln in lines(text))


# ------------------------------------------------------------------ 6. ids are labels


def test_integer_ids_have_no_thousands_separators(paris):
    r = fidelite.at_risk(paris)
    first = int(r["customer_id"][0])
    assert first >= 1000
    assert f"{first:,}" not in repr(r) and str(first) in repr(r)
    assert f"<td class=num>{first}</td>" in r.to_html() or f"<td>{first}</td>" in r.to_html()
    assert f"{first:,}" not in r.to_html()
    m = fidelite.retention(paris, period="quarter")
    listed = m.customers(1, 1)
    some = int(listed["customer_id"][0])
    assert f"{some:,}" not in repr(listed) + listed.to_html() and str(some) in repr(listed)


# ------------------------------------------------------------------ 7/8. instants, units, changes


def test_table_instants_are_local_time_to_the_minute(paris):
    r = fidelite.at_risk(paris)
    t = r["last_purchase"][0]
    utc = dt.datetime.fromisoformat(str(t.astype("datetime64[us]"))).replace(tzinfo=dt.UTC)
    local = utc.astimezone(ZoneInfo(PARIS)).strftime("%Y-%m-%d %H:%M")
    assert local in repr(r) and local in r.to_html()
    assert "(times in Europe/Paris)" in lines(repr(r))[0]
    assert not re.search(r"\d\d:\d\d:\d\d", repr(r) + r.to_html())  # no seconds, no microseconds


def test_the_matrix_caption_is_local_time_with_its_zone(paris):
    m = fidelite.retention(paris, period="month")
    local = dt.datetime.fromisoformat(str(m.as_of)).replace(tzinfo=dt.UTC).astimezone(ZoneInfo(PARIS))
    expected = f"as of {local:%Y-%m-%d %H:%M} (Europe/Paris)"
    assert expected in m.to_html() and expected in repr(m)
    assert "T" not in m.to_html().split("as of")[1][:20]


def test_rates_and_shares_carry_their_unit(paris):
    clv = fidelite.clv(paris)
    assert f"yearly_churn_rate={clv.parts['yearly_churn_rate']:.1f}%" in repr(clv)
    upsell = fidelite.upsell_rate(paris)
    assert f"share={upsell.parts['share']:.1f}%" in repr(upsell)
    kpis = fidelite.period_kpis(paris)
    shown = text_table(kpis.columns, units=kpis.units, width=400)
    assert f"{kpis['churn_rate'][1]:.1f}%" in shown
    nps = fidelite.nps(fidelite.datasets.demo_shop(500, seed=1).surveys)
    assert repr(nps).startswith(f"NPS (recommend): {nps.value:,.2f} points")


def test_one_formatting_for_reprs_and_index_results(shop):
    r = fidelite.compute_index("repeat_rate", events=shop.events)
    assert repr(r) == f"repeat_rate: {value(r.value, '%')}"
    n = fidelite.compute_index("nps", surveys=shop.surveys)
    assert repr(n) == f"nps: {value(n.value, 'points')}"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(238, -130, "+368"), (-20, -130, "+110"), (5, 0, "+5"), (12, 10, "+2 (+20.0%)")],
)
def test_no_percentage_change_on_a_negative_or_zero_base(a, b, expected):
    assert change(a, b) == expected


def test_plain_tables_follow_the_same_rules():
    t = TableResult(
        {
            "customer_id": np.array([100919, 7]),
            "seen": np.array(["2024-03-31T22:30:15.123456", "2024-01-01T00:00"], "datetime64[us]"),
            "churn_rate": np.array([48.336, np.nan]),
        },
        title="t",
        meta={"tz": PARIS},
    )
    text = repr(t)
    assert "100919" in text and "100,919" not in text
    assert "2024-04-01 00:30" in text and "48.3%" in text
    assert "100919" in html_table(t.columns, tz=PARIS)


# ------------------------------------------------------------------ 11. small ones


def test_lifecycle_exports_active(shop):
    lc = fidelite.lifecycle(shop.events, period="quarter")
    df = lc.to_pandas()
    assert df["active"].tolist() == lc.active.tolist()
    assert lc.to_polars()["active"].to_list() == lc.active.tolist()
