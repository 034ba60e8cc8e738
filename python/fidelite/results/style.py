"""How every chart and shaded table looks, in one place: the ``.plot()`` of every result,
the report's charts and the explorer's all draw with this style, as they all format values
through :mod:`fidelite.results.formatting`.

The rules:

- colours from the Okabe-Ito palette (distinguishable with every common colour-vision
  deficiency), one role per colour: :data:`PRIMARY` blue for the main series, :data:`GAIN`
  green for new customers, :data:`COMEBACK` orange for resurrected ones, :data:`LOSS`
  vermillion for churn and dormancy, black for actual values against a model;
- heatmaps and shaded tables use one sequential ramp (:data:`RAMP`, white to dark blue):
  lightness alone carries the value, so it reads in grey too; text on a shaded cell is
  black or white, whichever contrasts more (WCAG ratio);
- readable text: titles :data:`TITLE_SIZE` pt, axis labels :data:`LABEL_SIZE` pt, tick
  labels and legends :data:`TICK_SIZE` pt, at most :data:`MAX_TICKS` tick labels on an
  axis of periods;
- incomplete periods (not fully elapsed at ``as_of``) are drawn hollow (lines) or hatched
  (bars, cells) and named in the legend, as tables star them.

>>> cell_css(0.0), cell_css(1.0)
('background: #f7fbff; color: #000000', 'background: #0c3d68; color: #ffffff')
>>> PALETTE[0] == PRIMARY
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .._deps import import_optional

#: The Okabe-Ito palette (Okabe & Ito, 2008), by name.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
PRIMARY = OKABE_ITO["blue"]
GAIN = OKABE_ITO["bluish_green"]
COMEBACK = OKABE_ITO["orange"]
LOSS = OKABE_ITO["vermillion"]
ACTUAL = OKABE_ITO["black"]
#: Reference lines and frames; light fill of incomplete cells.
NEUTRAL = "#666666"
INCOMPLETE = "#BBBBBB"
#: Hatch of incomplete bars and projected cells.
HATCH = "///"
#: Series colours in order (yellow last: it is faint on white).
PALETTE = (
    PRIMARY,
    OKABE_ITO["orange"],
    GAIN,
    LOSS,
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    ACTUAL,
    OKABE_ITO["yellow"],
)
#: Every colour a chart may use for data (the palette, the neutrals, white).
COLOURS = frozenset(c.lower() for c in (*PALETTE, NEUTRAL, INCOMPLETE, "#ffffff"))
#: The sequential ramp of heatmaps and shaded cells, light to dark (monotonic lightness).
RAMP = ("#f7fbff", "#9ecae1", "#0072b2", "#0c3d68")
#: Name of the heatmap colour map built from :data:`RAMP`.
CMAP = "fidelite"
TITLE_SIZE = 12.0
LABEL_SIZE = 10.5
TICK_SIZE = 9.5
#: Most tick labels on an axis of periods, cohorts or offsets.
MAX_TICKS = 24
#: Resolution of the report's and the explorer's images.
DPI = 96


def _rgb(colour: str) -> np.ndarray:
    c = colour.lstrip("#")
    return np.array([int(c[i : i + 2], 16) for i in (0, 2, 4)], float) / 255.0


def ramp(fraction: float) -> str:
    """The ramp's colour at ``fraction`` (0-1, clipped; NaN = the lightest), as ``#rrggbb``."""
    f = 0.0 if not np.isfinite(fraction) else min(max(float(fraction), 0.0), 1.0)
    stops = np.linspace(0.0, 1.0, len(RAMP))
    rgb = np.array([np.interp(f, stops, [_rgb(c)[k] for c in RAMP]) for k in range(3)])
    return "#" + "".join(f"{round(v * 255):02x}" for v in rgb)


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    c = _rgb(colour)
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21; 4.5 is the bar for body text)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """Black or white text, whichever contrasts more with ``background`` (at least 4.58:1,
    above the WCAG AA bar of 4.5, on any background)."""
    dark, light = "#000000", "#ffffff"
    return dark if contrast(background, dark) >= contrast(background, light) else light


def cell_css(fraction: float) -> str:
    """CSS of a table cell shaded by ``fraction`` of the scale (HTML heatmaps)."""
    bg = ramp(fraction)
    return f"background: {bg}; color: {text_on(bg)}"


def cmap() -> Any:
    """The heatmap colour map (matplotlib), built from :data:`RAMP`."""
    colors = import_optional("matplotlib.colors", "plot")
    return colors.LinearSegmentedColormap.from_list(CMAP, RAMP)


def figure(size: tuple[float, float]) -> Any:
    """A fresh matplotlib figure (no pyplot state) of ``size`` inches at :data:`DPI`, with
    its layout constrained: what the report and the explorer draw their charts on."""
    import_optional("matplotlib", "draw charts")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def axes(ax: Any, size: tuple[float, float]) -> Any:
    """``ax``, or new Axes of ``size`` inches (pyplot, for ``result.plot()`` in a notebook)."""
    if ax is not None:
        return ax
    plt = import_optional("matplotlib.pyplot", "plot")
    _, ax = plt.subplots(figsize=size)
    return ax


def ticks(ax: Any, labels: Sequence[str], *, axis: str = "x", most: int = MAX_TICKS, rotate: bool = True) -> None:
    """Label positions 0..n-1 of ``axis`` with ``labels``, at most ``most`` of them
    (every k-th), rotated on x when there are many."""
    n = len(labels)
    step = max(1, -(-n // most))
    at = list(range(0, n, step))
    shown = [labels[i] for i in at]
    if axis == "x":
        turned = rotate and (n > 12 or max((len(s) for s in shown), default=0) > 4)
        ax.set_xticks(at, shown, rotation=45 if turned else 0, ha="right" if turned else "center")
    else:
        ax.set_yticks(at, shown)


def hollow_incomplete(ax: Any, x: np.ndarray, complete: np.ndarray) -> None:
    """Redraw the points of incomplete periods of every line of ``ax`` as hollow markers."""
    open_ = ~np.asarray(complete, bool)
    if not open_.any():
        return
    for line in list(ax.get_lines()):
        y = np.asarray(line.get_ydata(), float)
        if len(y) != len(open_):
            continue
        ax.plot(
            np.asarray(x)[open_],
            y[open_],
            linestyle="none",
            color=line.get_color(),
            marker="o",
            markersize=6,
            markerfacecolor="white",
            zorder=3,
        )


def hatch_incomplete(containers: Iterable[Any], complete: np.ndarray) -> bool:
    """Hatch (and lighten) the bars of incomplete periods; True when any was."""
    open_ = ~np.asarray(complete, bool)
    for container in containers:
        for patch, o in zip(container.patches, open_):
            if o:
                patch.set_hatch(HATCH)
                patch.set_alpha(0.55)
    return bool(open_.any())


def incomplete_handle(kind: str = "bar") -> Any:
    """The legend entry of incomplete periods: a hatched patch (bars, cells) or a hollow
    marker (lines)."""
    if kind == "line":
        lines = import_optional("matplotlib.lines", "plot")
        return lines.Line2D(
            [], [], linestyle="none", marker="o", markerfacecolor="white", markeredgecolor=NEUTRAL,
            label="incomplete at as_of",
        )  # fmt: skip
    patches = import_optional("matplotlib.patches", "plot")
    return patches.Patch(facecolor="white", edgecolor=NEUTRAL, hatch=HATCH, label="incomplete at as_of")


def finish(ax: Any, *, grid: bool = False) -> Any:
    """Apply the text sizes to ``ax`` and the Axes that share its figure area (twins,
    colour bars): title, axis labels, tick labels, legend. Returns ``ax``."""
    targets = [ax]
    for other in ax.figure.axes:
        if other is not ax and (other.bbox.bounds == ax.bbox.bounds or other.get_label() == "<colorbar>"):
            targets.append(other)
    for a in targets:
        a.title.set_fontsize(TITLE_SIZE)
        a.xaxis.label.set_fontsize(LABEL_SIZE)
        a.yaxis.label.set_fontsize(LABEL_SIZE)
        a.tick_params(labelsize=TICK_SIZE)
        legend = a.get_legend()
        if legend is not None:
            for t in legend.get_texts():
                t.set_fontsize(TICK_SIZE)
            if legend.get_title() is not None:
                legend.get_title().set_fontsize(TICK_SIZE)
    if grid:
        ax.grid(alpha=0.3)
    return ax


def rc() -> dict[str, Any]:
    """matplotlib settings of the style: the palette as the colour cycle, box plots in the
    palette, the text sizes. :func:`styled` draws under them."""
    cycler = import_optional("cycler", "plot").cycler
    return {
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "boxplot.boxprops.color": ACTUAL,
        "boxplot.whiskerprops.color": ACTUAL,
        "boxplot.capprops.color": ACTUAL,
        "boxplot.flierprops.markeredgecolor": NEUTRAL,
        "boxplot.medianprops.color": PRIMARY,
        "axes.titlesize": TITLE_SIZE,
        "axes.labelsize": LABEL_SIZE,
        "xtick.labelsize": TICK_SIZE,
        "ytick.labelsize": TICK_SIZE,
        "legend.fontsize": TICK_SIZE,
    }


def styled(draw: Callable[[Any], Any], ax: Any) -> Any:
    """``draw(ax)`` under :func:`rc`, then :func:`finish`: how the surfaces draw a chart
    whose code sets no style of its own (the comparison plot of a segmented result).
    Returns ``ax``."""
    mpl = import_optional("matplotlib", "plot")
    with mpl.rc_context(rc()):
        draw(ax)
    if ax.get_legend() is not None and len(ax.get_legend().get_texts()) > 12:
        ax.legend(fontsize=TICK_SIZE, ncols=2, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return finish(ax)


__all__ = [
    "ACTUAL",
    "CMAP",
    "COLOURS",
    "COMEBACK",
    "DPI",
    "GAIN",
    "HATCH",
    "INCOMPLETE",
    "LABEL_SIZE",
    "LOSS",
    "MAX_TICKS",
    "NEUTRAL",
    "OKABE_ITO",
    "PALETTE",
    "PRIMARY",
    "RAMP",
    "TICK_SIZE",
    "TITLE_SIZE",
    "axes",
    "cell_css",
    "cmap",
    "contrast",
    "figure",
    "finish",
    "hatch_incomplete",
    "hollow_incomplete",
    "incomplete_handle",
    "luminance",
    "ramp",
    "rc",
    "styled",
    "text_on",
    "ticks",
]
