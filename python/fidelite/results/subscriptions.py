"""The revenue retention results: the MRR bridge per period (:class:`RevenueRetention`)
and per cohort (:class:`RevenueCohorts`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._deps import import_optional
from ..io import RowReport
from .base import TableResult


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
        plt = import_optional("matplotlib.pyplot", "plot")
        grid = self.matrix(column)
        n = len(self.cohort_labels)
        if ax is None:
            _, ax = plt.subplots(figsize=(min(4 + 0.4 * n, 16), min(2 + 0.3 * n, 12)))
        im = ax.imshow(grid, cmap="viridis", aspect="auto")
        done = self.matrix("complete")
        ys, xs = np.nonzero(done == 0)
        ax.scatter(xs, ys, marker="x", color="white", s=12, label="incomplete at as_of")
        step = max(1, n // 24)
        ax.set_yticks(range(0, n, step), self.cohort_labels[::step])
        ax.set_xlabel(f"offset ({self.meta['period']}s)")
        ax.set_ylabel("cohort")
        ax.set_title(f"{column.upper()} per cohort (%)" if column in ("nrr", "grr") else f"{column} per cohort")
        ax.figure.colorbar(im, ax=ax)
        return ax
