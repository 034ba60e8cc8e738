"""Charts (issue 16, item 10): the heatmap's colour scale set on offsets >= 1, its grey
(incomplete) cells explained in a legend, thinned offset ticks on long matrices, thinned
ticks on the KPI charts and their incomplete periods drawn hollow."""

from __future__ import annotations

import numpy as np
import pytest

import fidelite

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def log(shop):
    return fidelite.EventLog(shop.events, tz="Europe/Paris")


def test_heatmap_scale_legend_and_ticks(log):
    from matplotlib.figure import Figure

    m = fidelite.retention(log, period="week")
    ax = Figure().subplots()
    m.plot(ax=ax)
    image = ax.images[0]
    later = np.where(m.complete, m.rates, np.nan)[:, 1:]
    assert image.norm.vmax == pytest.approx(np.nanmax(later))  # not the 100 % of offset 0
    month = fidelite.retention(log, period="month")
    ax2 = Figure().subplots()
    month.plot(ax=ax2)
    assert ax2.images[0].norm.vmax < 0.9  # monthly rates after offset 0 are well below 100 %
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("incomplete" in label for label in labels)
    assert 0 < len(ax.get_xticks()) <= 26 < len(m.offset_labels)


def test_kpi_trends_thin_ticks_and_mark_incomplete_periods(log):
    from matplotlib.figure import Figure

    from fidelite.report.kpis import draw_trends

    t = fidelite.period_kpis(log, period="week")
    labels = log.calendar("week").labels(t["period"])
    fig = Figure()
    draw_trends(fig, t, np.arange(len(labels)), labels)
    left, right = fig.axes[:2]
    assert len(left.get_xticks()) <= 13 < len(labels)
    incomplete = int((~np.asarray(t["complete"], bool)).sum())
    assert incomplete >= 1
    hollow = [ln for ln in right.get_lines() if ln.get_markerfacecolor() in ("none", "white")]
    assert hollow and sum(len(ln.get_xdata()) for ln in hollow) == 2 * incomplete


def test_lifecycle_chart_hatches_incomplete_periods(log):
    from matplotlib.figure import Figure

    lc = fidelite.lifecycle(log, period="month")
    assert not lc.complete[-1]
    ax = Figure().subplots()
    lc.plot(ax=ax)
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 4 * int((~lc.complete).sum())  # the four series of the open period
    assert "incomplete at as_of" in [t.get_text() for t in ax.get_legend().get_texts()]


#: Result kinds without a chart, and why: one number (or a list of them) has no axis to
#: draw; per-customer lists and one-row summaries are read as tables. A new result kind
#: is not in here: it fails below until it has a ``.plot()`` in the shared style.
NO_CHART = {
    "ValueResult": "one number",
    "NPSResult": "one number",
    "IndexResult": "one number or a per-customer list, by index",
    "IndexList": "the list of registered indices",
    "LoyaltyIndexResult": "one net score per question",
    "TableResult": "per-customer lists and one-row tables (at_risk, best_customers, ...)",
    "ActivationResult": "a per-customer table with its rate",
    "ClvSummary": "the per-customer inputs of the models",
    "CustomerSummary": "one row per customer",
    "PatternResult": "a few pattern counts",
    "RFMResult": "scores per customer (the report draws its segment chart)",
}


def test_every_result_kind_has_a_plot_in_the_style(shop):
    """Every kind of result the public API returns (tests/every_result.py) draws a chart
    with ``.plot()`` that keeps to the shared style, unless it is listed in NO_CHART."""
    from every_result import TABLES, every_result
    from matplotlib.figure import Figure
    from test_style import problems

    tables = {name: getattr(shop, name) for name in ("events", *TABLES)}
    found = every_result(tables, fidelite.EventLog(shop.events))
    kinds: dict[str, object] = {}
    for result in found.values():
        kinds.setdefault(type(result).__name__, result)
    assert {"PeriodSeries", "ProgrammeKPIs", "NPSBehaviour", "TransitionMatrix", "RevenueCohorts"} <= set(kinds)
    missing = sorted(k for k, r in kinds.items() if k not in NO_CHART and not callable(getattr(r, "plot", None)))
    assert missing == [], f"result kinds without .plot(): {missing}"
    for name, result in kinds.items():
        if name in NO_CHART:
            continue
        fig = Figure(layout="constrained")
        ax = fig.subplots()
        if name in ("SegmentedResult", "SegmentedRetention"):  # its code sets no style: the surfaces apply it
            from fidelite.results import style

            style.styled(lambda a, r=result: r.plot(ax=a), ax)
        else:
            result.plot(ax=ax)
        assert problems(fig) == [], name
