"""One accessible style for every chart (issue 16, item 10): the Okabe-Ito palette, one
sequential ramp whose cells keep readable text, and readable font sizes, used by every
``.plot()``, by the report's charts and by the explorer's (each surface checked on what it
actually draws, through a spy on :func:`fidelite.results.style.figure`)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import fidelite
from fidelite.results import style

pytest.importorskip("matplotlib")


# ------------------------------------------------------------------ the checker


def _hex(colour: Any) -> str | None:
    """``#rrggbb`` of a colour, None when fully transparent."""
    from matplotlib.colors import to_hex, to_rgba

    rgba = to_rgba(colour)
    return None if rgba[3] == 0 else to_hex(rgba[:3]).lower()


def problems(fig: Any) -> list[str]:
    """Everything in ``fig`` that departs from the style: data colours outside the palette,
    another colour map, text sizes other than the style's."""
    fig.canvas.draw()
    out: list[str] = []
    for ax in fig.axes:
        colorbar = ax.get_label() == "<colorbar>"
        if ax.get_title() and ax.title.get_fontsize() != style.TITLE_SIZE:
            out.append(f"title {ax.get_title()!r} at {ax.title.get_fontsize()} pt")
        for label in (ax.xaxis.label, ax.yaxis.label):
            if label.get_text() and label.get_fontsize() != style.LABEL_SIZE:
                out.append(f"axis label {label.get_text()!r} at {label.get_fontsize()} pt")
        for t in ax.get_xticklabels() + ax.get_yticklabels():
            if t.get_text() and t.get_visible() and t.get_fontsize() != style.TICK_SIZE:
                out.append(f"tick label {t.get_text()!r} at {t.get_fontsize()} pt")
                break
        legend = ax.get_legend()
        if legend is not None:
            out += [
                f"legend {t.get_text()!r} at {t.get_fontsize()}"
                for t in legend.get_texts()
                if t.get_fontsize() != style.TICK_SIZE
            ]
        if colorbar:
            continue
        colours = []
        for line in ax.get_lines():
            colours += [line.get_color(), line.get_markerfacecolor(), line.get_markeredgecolor()]
        for patch in ax.patches:
            colours.append(patch.get_facecolor())
            if patch.get_hatch():
                colours.append(patch.get_edgecolor())
        for c in colours:
            if isinstance(c, str) and c == "none":
                continue
            h = _hex(c)
            if h is not None and h not in style.COLOURS:
                out.append(f"colour {h} outside the palette")
        for image in ax.images:
            cmap = image.get_cmap()
            if cmap.name != style.CMAP and not (
                cmap.N == 1 and _hex(cmap(0)) == style.INCOMPLETE.lower()  # the grey of incomplete cells
            ):
                out.append(f"colour map {cmap.name}")
    return sorted(set(out))


@pytest.fixture
def drawn(monkeypatch) -> list[Any]:
    """Every figure made through ``style.figure`` while the test runs."""
    made: list[Any] = []
    real = style.figure

    def spy(size: tuple[float, float]) -> Any:
        fig = real(size)
        made.append(fig)
        return fig

    monkeypatch.setattr(style, "figure", spy)
    return made


@pytest.fixture(scope="module")
def log(shop):
    return fidelite.EventLog(shop.events, tz="Europe/Paris")


# ------------------------------------------------------------------ the style itself


def test_palette_is_okabe_ito_and_the_ramp_keeps_text_readable():
    assert set(style.PALETTE) == set(style.OKABE_ITO.values())
    assert style.PALETTE[:4] == (style.PRIMARY, style.COMEBACK, style.GAIN, style.LOSS)
    shades = [style.ramp(f) for f in np.linspace(0, 1, 101)]
    lum = [style.luminance(c) for c in shades]
    assert all(a >= b for a, b in zip(lum, lum[1:]))  # lightness alone carries the value
    for f in np.linspace(0, 1, 101):
        css = style.cell_css(f)
        bg, fg = re.fullmatch(r"background: (#\w{6}); color: (#\w{6})", css).groups()
        assert style.contrast(bg, fg) >= 4.5, css  # WCAG AA for body text
    assert style.cell_css(float("nan")) == style.cell_css(0.0)
    assert min(style.TITLE_SIZE, style.LABEL_SIZE, style.TICK_SIZE) >= 9


def test_the_checker_catches_matplotlib_defaults():
    """The checker fails a chart drawn without the style (so the tests below can fail)."""
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [1, 2], label="x")
    ax.imshow(np.ones((2, 2)), cmap="viridis")
    ax.set_title("t")
    ax.set_xlabel("x")
    ax.legend()
    found = " ".join(problems(fig))
    assert "colour #1f77b4" in found and "viridis" in found and "axis label" in found and "legend" in found


# ------------------------------------------------------------------ every .plot()


def _plots(shop, log) -> dict[str, Any]:
    m = fidelite.retention(log, period="week")
    return {
        "retention": lambda ax: m.plot(ax=ax),
        "lifecycle": lambda ax: fidelite.lifecycle(log).plot(ax=ax),
        "stickiness": lambda ax: fidelite.stickiness(log).plot(ax=ax),
        "forecast": lambda ax: fidelite.retention(log, criterion="on_or_after").forecast().plot(ax=ax),
        "campaigns": lambda ax: fidelite.campaigns(shop.contacts, events=log).plot(ax=ax),
        "revenue_retention": lambda ax: fidelite.revenue_retention(shop.subscriptions).plot(ax=ax),
        "predicted_clv": lambda ax: fidelite.predicted_clv(log).plot("clv", ax=ax),
        "p_alive": lambda ax: fidelite.predicted_clv(log).plot("p_alive", ax=ax),
        "tracking": lambda ax: fidelite.predicted_clv(log).plot("tracking", ax=ax),
        "revenue_cohorts": lambda ax: fidelite.revenue_retention(shop.subscriptions).cohorts.plot(ax=ax),
        "programme_kpis": lambda ax: fidelite.programme_kpis(log, programme=shop.programme).plot(ax=ax),
        "programme_kpis(column)": lambda ax: fidelite.programme_kpis(log, programme=shop.programme).plot(
            ax=ax, column="revenue_per_customer"
        ),
        "programme_impact": lambda ax: fidelite.programme_impact(log, programme=shop.programme, n_boot=100).plot(ax=ax),
        "programme_points": lambda ax: fidelite.programme_points(shop.programme).plot(ax=ax),
        "tier_migration": lambda ax: fidelite.tier_migration(shop.programme).plot(ax=ax),
        "near_next_tier": lambda ax: fidelite.near_next_tier(
            shop.programme, tiers={"bronze": 0, "silver": 150, "gold": 500}, within=50
        ).plot(ax=ax),
        "nps_over_time": lambda ax: fidelite.nps_over_time(shop.surveys).plot(ax=ax),
        "nps_behaviour": lambda ax: fidelite.nps_behaviour(log, surveys=shop.surveys).plot(ax=ax),
        "nps_transitions": lambda ax: fidelite.nps_transitions(shop.surveys).plot(ax=ax),
        "loyalty_index_over_time": lambda ax: fidelite.loyalty_index_over_time(shop.surveys).plot(ax=ax),
        "engagement_over_time": lambda ax: fidelite.engagement_over_time(log).plot(ax=ax),
        "survival": lambda ax: fidelite.survival(log, segment="segment", customers=shop.customers).plot(ax=ax),
        "segmented (headline)": lambda ax: style.styled(
            lambda a: fidelite.repeat_rate(log, segment="segment", customers=shop.customers).plot(ax=a), ax
        ),
        "segmented (per customer)": lambda ax: style.styled(
            lambda a: fidelite.rfm(log, segment="segment", customers=shop.customers).plot("monetary", ax=a), ax
        ),
        "segmented (per period)": lambda ax: style.styled(
            lambda a: fidelite.period_kpis(log, segment="segment", customers=shop.customers).plot("active", ax=a), ax
        ),
    }


PLOTS = [
    "retention",
    "lifecycle",
    "stickiness",
    "forecast",
    "campaigns",
    "revenue_retention",
    "predicted_clv",
    "p_alive",
    "tracking",
    "revenue_cohorts",
    "programme_kpis",
    "programme_kpis(column)",
    "programme_impact",
    "programme_points",
    "tier_migration",
    "near_next_tier",
    "nps_over_time",
    "nps_behaviour",
    "nps_transitions",
    "loyalty_index_over_time",
    "engagement_over_time",
    "survival",
    "segmented (headline)",
    "segmented (per customer)",
    "segmented (per period)",
]


@pytest.mark.parametrize("name", PLOTS)
def test_every_plot_uses_the_style(name, shop, log):
    from matplotlib.figure import Figure

    fig = Figure(layout="constrained")
    _plots(shop, log)[name](fig.subplots())
    assert problems(fig) == []


def test_plot_without_axes_makes_its_own(log):
    import matplotlib.pyplot as plt

    ax = fidelite.lifecycle(log).plot()
    try:
        assert problems(ax.figure) == []
    finally:
        plt.close("all")


# ------------------------------------------------------------------ the surfaces


def test_the_report_draws_every_chart_in_the_style(drawn, shop):
    from fidelite.report import Figure, build_report

    report = build_report(
        shop.events,
        tz="Europe/Paris",
        customers=shop.customers,
        contacts=shop.contacts,
        subscriptions=shop.subscriptions,
    )
    page = report.to_html()
    figures = [b for s in report.sections for b in s.blocks if isinstance(b, Figure)]
    assert len(figures) >= 8 and len(drawn) == len(figures)
    assert "chart failed" not in page
    for fig in drawn:
        assert problems(fig) == [], fig.axes[0].get_title()
    for bg, fg in re.findall(r"background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6})", page):
        assert style.contrast(bg, fg) >= 4.5
    assert "rgba(33, 102, 172" not in page  # the old, separate blue


def test_the_explorer_draws_every_chart_in_the_style(drawn, shop, log):
    ex = fidelite.explore(
        log, customers=shop.customers, surveys=shop.surveys, contacts=shop.contacts, subscriptions=shop.subscriptions
    )
    for tab in range(len(ex.widget.children[-1].children)):
        ex.tabs.selected_index = tab
    assert len(drawn) >= 5  # lifecycle, KPIs, rolling, campaign pressure, MRR bridge
    for fig in drawn:
        assert problems(fig) == [], fig.axes[0].get_title()
    assert "rgba(33, 102, 172" not in ex.matrix_html.value
