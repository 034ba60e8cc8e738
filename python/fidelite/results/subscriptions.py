"""The revenue retention results: the MRR bridge per period (:class:`RevenueRetention`)
and per cohort (:class:`RevenueCohorts`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..io import RowReport
from . import style
from .base import TableResult

#: The MRR movements of the bridge, drawn above (+1) or below (-1) zero, with their colour.
MOVES = (
    ("new", 1, style.GAIN),
    ("reactivation", 1, style.COMEBACK),
    ("expansion", 1, style.PRIMARY),
    ("contraction", -1, style.OKABE_ITO["reddish_purple"]),
    ("churned", -1, style.LOSS),
)


class RevenueRetention(TableResult):
    """The MRR bridge per period; ``.value`` = NRR of the latest complete period;
    ``.cohorts`` the same per cohort (:class:`RevenueCohorts`)."""

    def __init__(
        self,
        columns: dict[str, Any],
        *,
        value: float,
        reason: str | None,
        meta: dict[str, Any],
        report: RowReport,
        cohorts: RevenueCohorts | None = None,
    ) -> None:
        super().__init__(
            columns,
            title=f"revenue retention per {meta['period']}",
            value=value,
            reason=reason,
            meta=meta,
            units={"nrr": "%", "grr": "%", "revenue_churn": "%"},
        )
        self.report = report
        self.period = meta["period"]
        self.tz = meta["tz"]
        self.as_of = meta["as_of"]
        self.cohorts = cohorts

    def plot(self, ax: Any = None) -> Any:
        """The MRR bridge per period: movements stacked (gains above zero, losses below)
        with NRR and GRR (%, right axis); incomplete periods hatched and hollow
        (:mod:`fidelite.results.style`). Returns the Axes."""
        labels = list(self.meta["labels"])
        ax = style.axes(ax, (min(3 + 0.35 * len(labels), 16), 4))
        x = np.arange(len(labels))
        complete = np.asarray(self["complete"], bool)
        up, down, bars = np.zeros(len(x)), np.zeros(len(x)), []
        for name, sign, colour in MOVES:
            v = np.nan_to_num(np.asarray(self[name], float))
            bars.append(ax.bar(x, sign * v, bottom=up if sign > 0 else down, color=colour, label=name))
            if sign > 0:
                up = up + v
            else:
                down = down - v
        ax.axhline(0, color=style.NEUTRAL, linewidth=0.8)
        ax.set_ylabel("MRR moved")
        rates = ax.twinx()
        rates.plot(x, self["nrr"], color=style.ACTUAL, marker="o", markersize=3, label="NRR")
        rates.plot(x, self["grr"], color=style.NEUTRAL, marker="o", markersize=3, linestyle="--", label="GRR")
        style.hollow_incomplete(rates, x, complete)
        rates.set_ylabel("% of the start MRR")
        handles = ax.get_legend_handles_labels()[0] + rates.get_legend_handles_labels()[0]
        if style.hatch_incomplete(bars, complete):
            handles += [style.incomplete_handle(), style.incomplete_handle("line")]
        ax.legend(handles=handles, loc="upper left", ncols=2)
        style.ticks(ax, labels)
        ax.set_title(f"MRR bridge per {self.period}")
        return style.finish(ax)


class RevenueCohorts(TableResult):
    """Revenue retention per cohort, one row per (cohort, offset) cell: ``cohort``,
    ``offset``, ``customers`` (the cohort's size), ``paying`` (members with MRR at the
    offset), ``start_mrr`` (the cohort's MRR at offset 0), ``mrr``, ``churned``,
    ``contraction``, ``expansion``, ``reactivation``, ``nrr`` and ``grr`` (%),
    ``complete``. :meth:`matrix` gives one column as a cohorts x offsets grid."""

    def __init__(self, columns: dict[str, Any], *, cohort_labels: list[str], meta: dict[str, Any]) -> None:
        super().__init__(
            columns,
            title=f"revenue retention per {meta['period']} cohort",
            meta=meta,
            units={"nrr": "%", "grr": "%"},
        )
        self.cohort_labels = cohort_labels
        self.tz = meta["tz"]

    def matrix(self, column: str = "nrr") -> np.ndarray:
        """``column`` as a (cohorts x offsets) float grid, NaN past ``as_of``."""
        n = len(self.cohort_labels)
        grid = np.full((n, n), np.nan)
        first = {d: i for i, d in enumerate(dict.fromkeys(self["cohort"].tolist()))}
        rows = np.array([first[d] for d in self["cohort"].tolist()], dtype=np.int64)
        grid[rows, self["offset"]] = self[column]
        return grid

    def plot(self, column: str = "nrr", ax: Any = None) -> Any:
        """``column`` as a heatmap (cohorts x offsets), incomplete cells hatched. Returns the Axes."""
        grid = self.matrix(column)
        n = len(self.cohort_labels)
        ax = style.axes(ax, (min(4 + 0.4 * n, 16), min(2 + 0.3 * n, 12)))
        im = ax.imshow(grid, cmap=style.cmap(), aspect="auto")
        done = self.matrix("complete")
        ys, xs = np.nonzero(done == 0)
        ax.scatter(xs, ys, marker="x", color=style.NEUTRAL, s=12, label="incomplete at as_of")
        style.ticks(ax, list(self.cohort_labels), axis="y")
        ax.set_xlabel(f"offset ({self.meta['period']}s)")
        ax.set_ylabel("cohort")
        ax.set_title(f"{column.upper()} per cohort (%)" if column in ("nrr", "grr") else f"{column} per cohort")
        ax.figure.colorbar(im, ax=ax)
        return style.finish(ax)
