"""Retention forecasts: a cohort matrix of unbounded retention (``criterion="on_or_after"``)
completed and extended by a contractual survival model, sBG or BdW (docs/metrics.md,
"Retention forecast"). :meth:`RetentionMatrix.forecast` is the entry point.

The survival models live in :mod:`fidelite.models`, a layer above this one: it registers
them in :data:`SURVIVAL_MODELS` when the package is imported, so this module reads them
through that table and the few methods every survival model has.
"""

from __future__ import annotations

import html
import math
from typing import Any, Protocol

import numpy as np

from .._deps import import_optional
from ..exceptions import ParameterError
from . import style
from .base import Result


class SurvivalModel(Protocol):
    """What a forecast reads of a survival model of :mod:`fidelite.models`."""

    converged: bool

    def fit(self, survivors: Any) -> Any: ...

    def survival_given(self, t: Any, since: int, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


#: Survival models by name (``"sbg"``, ``"bdw"``), filled by :mod:`fidelite.models`.
SURVIVAL_MODELS: dict[str, Any] = {}

#: Fewest observed periods (the cohort size included) for a cohort's own fit; younger
#: cohorts are projected with the pooled model.
MIN_PERIODS_EACH = 4


class Matrix(Protocol):
    """What a forecast reads of a :class:`~fidelite.results.RetentionMatrix`."""

    counts: np.ndarray
    sizes: np.ndarray
    complete: np.ndarray
    offsets: np.ndarray
    cohort_labels: list[str]
    params: dict[str, Any]
    measure: str

    @property
    def rates(self) -> np.ndarray: ...  # read only (computed when first read)


def check_forecastable(m: Matrix) -> None:
    """A :class:`ParameterError` saying how to get a matrix a survival model can read."""
    p = m.params
    how = (
        "forecast reads survival: the share of each cohort still active at or after each offset; "
        "compute it with fidelite.retention(data, criterion='on_or_after')"
    )
    if p.get("criterion") != "on_or_after":
        raise ParameterError(f"this matrix has criterion={p.get('criterion')!r}: {how}")
    if m.measure != "customers" or p.get("reference") != "cohort":
        raise ParameterError(f"forecast needs customer rates against the cohort size: {how}")
    if not np.array_equal(m.offsets, np.arange(len(m.offsets))):
        raise ParameterError(f"forecast needs one column per offset, not brackets: {how}")


def forecast_matrix(
    m: Matrix, model: str = "sbg", *, horizon: int | None = None, pooled: bool = True, ci: float = 0.95
) -> RetentionForecast:
    """See :meth:`fidelite.results.RetentionMatrix.forecast`."""
    check_forecastable(m)
    if model not in SURVIVAL_MODELS:
        names = ", ".join(map(repr, SURVIVAL_MODELS)) or "none (import fidelite.models)"
        raise ParameterError(f"unknown model {model!r}: use one of {names}")
    k, b = m.counts.shape
    last = b - 1 if horizon is None else horizon
    if isinstance(last, bool) or not isinstance(last, (int, np.integer)) or last < 1:
        raise ParameterError(f"horizon is the last offset to project, a whole number >= 1, not {horizon!r}")
    if not 0 < ci < 1:
        raise ParameterError(f"ci must be between 0 and 1, not {ci!r}")
    last = int(last)
    # the observed survivors of each cohort: its complete cells, from offset 0
    n_obs = np.array([int(np.argmin(np.append(row, False))) for row in m.complete], dtype=np.int64)
    fitted = [i for i in range(k) if n_obs[i] >= 2 and m.sizes[i] > 0]
    if not fitted:
        raise ParameterError("no cohort has two complete periods: there is nothing to fit a survival model on")
    width = int(n_obs.max())
    survivors = np.full((len(fitted), width), np.nan)
    for row, i in enumerate(fitted):
        survivors[row, : n_obs[i]] = m.counts[i, : n_obs[i]]
    pool = SURVIVAL_MODELS[model]().fit(survivors)
    models = [pool] * k
    own = np.zeros(k, dtype=bool)
    if not pooled:
        for i in range(k):
            if n_obs[i] >= MIN_PERIODS_EACH:
                models[i] = SURVIVAL_MODELS[model]().fit(m.counts[i, : n_obs[i]].astype(float))
                own[i] = True
    cols = last + 1
    rates = np.full((k, cols), np.nan)
    lower, upper = rates.copy(), rates.copy()
    projected = np.zeros((k, cols), dtype=bool)
    t = np.arange(cols)
    for i in range(k):
        if m.sizes[i] == 0:
            continue
        seen = min(int(n_obs[i]), cols)
        rates[i, :seen] = m.rates[i, :seen]
        since = max(int(n_obs[i]) - 1, 0)
        base = m.counts[i, since] / m.sizes[i] if n_obs[i] else 1.0
        ahead = t[t > since]
        if ahead.size:
            est, lo, hi = models[i].survival_given(ahead, since, ci)
            rates[i, ahead], lower[i, ahead], upper[i, ahead] = base * est, base * lo, base * hi
            projected[i, ahead] = True
    return RetentionForecast(
        rates=rates,
        lower=lower,
        upper=upper,
        projected=projected,
        sizes=np.asarray(m.sizes),
        cohort_labels=list(m.cohort_labels),
        model=model,
        pooled_model=pool,
        models=models,
        own_fit=own,
        ci=ci,
        params=dict(m.params),
    )


#: Cohorts (the latest) and offsets (the first) of the HTML table by default.
MAX_HTML_COHORTS = 36
MAX_HTML_OFFSETS = 48


class RetentionForecast(Result):
    """A retention matrix completed and extended to ``horizon`` by a survival model (see
    :meth:`~fidelite.results.RetentionMatrix.forecast`).

    Attributes
    ----------
    rates : (cohorts, horizon + 1) the share of each cohort active at or after each
        offset: observed where the cell was complete at ``as_of``, projected elsewhere.
    projected : bool, the cell is a projection.
    lower, upper : the ``ci`` interval of projected cells (NaN for observed ones).
    pooled_model : the model fitted on every cohort; ``models[i]`` is the one that
        projects cohort i (its own fit with ``pooled=False`` when it has at least
        :data:`MIN_PERIODS_EACH` observed periods, else the pooled one; ``own_fit[i]``).
    """

    def __init__(
        self,
        *,
        rates: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        projected: np.ndarray,
        sizes: np.ndarray,
        cohort_labels: list[str],
        model: str,
        pooled_model: Any,
        models: list[Any],
        own_fit: np.ndarray,
        ci: float,
        params: dict[str, Any],
    ) -> None:
        self.rates = rates
        self.lower = lower
        self.upper = upper
        self.projected = projected
        self.sizes = sizes
        self.cohort_labels = cohort_labels
        self.model = model
        self.pooled_model = pooled_model
        self.models = models
        self.own_fit = own_fit
        self.ci = ci
        self.params = params
        self.title = f"retention forecast ({model.upper()}, {'per cohort' if own_fit.any() else 'pooled'})"

    def to_dict(self) -> dict[str, np.ndarray]:
        """Long form: one row per cell (cohort, offset, size, rate, lower, upper, projected)."""
        k, b = self.rates.shape
        return {
            "cohort": np.repeat(np.array(self.cohort_labels, dtype=object), b),
            "offset": np.tile(np.arange(b), k),
            "size": np.repeat(self.sizes, b),
            "rate": self.rates.ravel(),
            "lower": self.lower.ravel(),
            "upper": self.upper.ravel(),
            "projected": self.projected.ravel(),
        }

    def _text(self, i: int, j: int) -> str:
        r = self.rates[i, j]
        return "" if math.isnan(r) else f"{100 * r:.1f}%"

    def to_html(self, max_cohorts: int | None = MAX_HTML_COHORTS, max_offsets: int | None = MAX_HTML_OFFSETS) -> str:
        """The matrix; projected cells in italics on a hatched background, their interval in
        the tooltip. The latest ``max_cohorts`` cohorts and the first ``max_offsets``
        offsets (None: all), the caption saying so: a weekly matrix stays legible."""
        k, b = self.rates.shape
        r0 = 0 if max_cohorts is None else max(0, k - int(max_cohorts))
        cols = b if max_offsets is None else min(b, int(max_offsets))
        head = "<th>cohort</th><th>size</th>" + "".join(f"<th>{j}</th>" for j in range(cols))
        rows = []
        for i in range(r0, k):
            cells = []
            for j in range(cols):
                r = self.rates[i, j]
                css = style.cell_css(0.0 if math.isnan(r) else r) + ";"
                title = "observed"
                if self.projected[i, j]:
                    css += (
                        " font-style: italic; background-image: repeating-linear-gradient(45deg, "
                        "rgba(255,255,255,.45) 0 2px, transparent 2px 6px);"
                    )
                    level = f"{self.ci:.0%}"
                    title = f"projected; {level} interval {100 * self.lower[i, j]:.1f}–{100 * self.upper[i, j]:.1f}%"
                cells.append(
                    f"<td style='{css}' title='{html.escape(title)}' data-projected='{int(self.projected[i, j])}' "
                    f"data-rate='{'' if math.isnan(r) else f'{r:.6f}'}'>{self._text(i, j)}</td>"
                )
            rows.append(
                f"<tr><th>{html.escape(self.cohort_labels[i])}</th><td>{self.sizes[i]:,}</td>{''.join(cells)}</tr>"
            )
        caption = (
            f"{html.escape(self.title)}: {self.params.get('period')} cohorts, share active at or after each offset. "
            "Italic, hatched: projected by the model."
        )
        if r0 or cols < b:
            shown = [f"the latest {k - r0} of {k} cohorts"] if r0 else []
            shown += [f"offsets 0-{cols - 1} of {b}"] if cols < b else []
            caption += f" Showing {' and '.join(shown)} (every cell: to_dict())."
        return (
            f"<table class='fidelite-retention fidelite-forecast' data-rows='{k - r0}' data-cols='{cols}'>"
            f"<caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def __repr__(self) -> str:
        k, b = self.rates.shape
        show = min(b, 12)
        lines = [f"{self.title}: {k} cohorts x {b} offsets (projected cells in [brackets])"]
        lines.append("cohort        size  " + " ".join(f"{j:>8}" for j in range(show)))
        for i in range(min(k, 24)):
            cells = " ".join(
                f"{('[' + self._text(i, j) + ']') if self.projected[i, j] else self._text(i, j):>8}"
                for j in range(show)
            )
            lines.append(f"{self.cohort_labels[i]:<10} {self.sizes[i]:>7,}  {cells}")
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """A heatmap of the shares (:mod:`fidelite.results.style`); projected cells
        hatched. Returns the Axes."""
        patches = import_optional("matplotlib.patches", "plot")
        k, b = self.rates.shape
        ax = style.axes(ax, (min(2 + 0.5 * b, 16), min(1.5 + 0.3 * k, 12)))
        im = ax.imshow(self.rates, aspect="auto", cmap=style.cmap(), vmin=0, vmax=1, interpolation="nearest")
        for i, j in zip(*np.nonzero(self.projected)):
            rect = patches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch=style.HATCH, edgecolor=style.NEUTRAL)
            rect.set_linewidth(0)
            ax.add_patch(rect)
        ax.set_xlabel(f"offset ({self.params.get('period')}s)")
        style.ticks(ax, [str(j) for j in range(b)])
        style.ticks(ax, list(self.cohort_labels), axis="y")
        ax.set_ylabel("cohort")
        ax.set_title(self.title + ": hatched cells projected")
        ax.figure.colorbar(im, ax=ax, label="share active at or after the offset")
        return style.finish(ax)
