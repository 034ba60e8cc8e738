"""Tables over periods with a chart: :class:`PeriodSeries`, one row per period (a
``period`` column and a ``complete`` flag), whose :meth:`PeriodSeries.plot` draws the
chosen columns as lines over the periods, an interval as a band, and the periods not
over at ``as_of`` hollow (as the tables star them). NPS, loyalty index, engagement and
programme points over time are such tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import style
from .base import TableResult


def period_labels(days: np.ndarray) -> list[str]:
    """Short labels of period starts: ``2024-03-01`` (instants shown as their day)."""
    return [str(d)[:10] for d in np.asarray(days).astype("datetime64[D]")]


class PeriodSeries(TableResult):
    """One row per period: ``period`` (its start), columns of values, ``complete``.

    ``series`` names the columns :meth:`plot` draws (one line each, in the shared style's
    palette), ``band`` a (low, high) pair of columns drawn as a band around the first,
    ``ylabel`` the value axis.

    >>> import numpy as np
    >>> t = PeriodSeries({"period": np.array(["2024-01-01", "2024-02-01"], "datetime64[D]"),
    ...                   "nps": np.array([10.0, 20.0]), "complete": np.array([True, False])},
    ...                  series=("nps",), ylabel="points", title="NPS per month")
    >>> t.series, len(t)
    (('nps',), 2)
    """

    def __init__(
        self,
        columns: Mapping[str, Any],
        *,
        series: Sequence[str],
        band: tuple[str, str] | None = None,
        ylabel: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(columns, **kwargs)
        missing = [c for c in (*series, *(band or ())) if c not in self.columns]
        if missing:
            raise ValueError(f"no column {missing} to plot; columns: {list(self.columns)}")
        self.series = tuple(series)
        self.band = band
        self.ylabel = ylabel

    def plot(self, ax: Any = None, *, columns: Sequence[str] | None = None) -> Any:
        """The :attr:`series` (or ``columns``) per period, the band shaded, incomplete
        periods hollow. Returns the Axes."""
        shown = tuple(columns) if columns is not None else self.series
        labels = period_labels(self["period"])
        ax = style.axes(ax, (min(4 + 0.35 * len(labels), 12), 4))
        x = np.arange(len(labels))
        if self.band is not None:
            low, high = (np.asarray(self[c], float) for c in self.band)
            ax.fill_between(x, low, high, color=style.PRIMARY, alpha=0.18, linewidth=0, label="interval")
        for i, name in enumerate(shown):
            ax.plot(
                x,
                np.asarray(self[name], float),
                color=style.PALETTE[i % len(style.PALETTE)],
                marker="o",
                markersize=3,
                linewidth=2.0 if i == 0 else 1.4,
                label=name.replace("_", " "),
            )
        complete = np.asarray(self["complete"], bool) if "complete" in self.columns else np.ones(len(x), bool)
        style.hollow_incomplete(ax, x, complete)
        handles, names = ax.get_legend_handles_labels()
        if not complete.all():
            handle = style.incomplete_handle("line")
            handles, names = [*handles, handle], [*names, handle.get_label()]
        style.ticks(ax, labels)
        ax.set_ylabel(self.ylabel)
        ax.set_title(self.title)
        if len(handles) > 1:
            ax.legend(handles, names, loc="best", frameon=False)
        return style.finish(ax, grid=True)


__all__ = ["PeriodSeries", "period_labels"]
