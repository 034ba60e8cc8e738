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
