"""Activity results: stickiness per period (:class:`StickinessResult`) with its frequency
histogram."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._deps import import_optional
from .base import TableResult


class StickinessResult(TableResult):
    """Stickiness per period (period, active, units, mean_short_active, stickiness,
    complete); ``.value`` is the stickiness of the latest complete period;
    ``.histogram`` counts each period's active customers by their number of active units
    (period, active_units, customers, share)."""

    def __init__(
        self, columns: dict[str, Any], *, histogram: TableResult, value: float, reason: str | None, meta: dict[str, Any]
    ) -> None:
        ratio = f"{meta['short'][0].upper()}AU/{meta['long'][0].upper()}AU"
        super().__init__(
            columns,
            title=f"stickiness ({ratio}) per {meta['long']}",
            value=value,
            reason=reason,
            meta=meta,
            units={"stickiness": "%"},
        )
        self.histogram = histogram

    def plot(self, ax: Any = None) -> Any:
        """The stickiness (%) per period, incomplete periods hollow. Returns the Axes."""
        plt = import_optional("matplotlib.pyplot", "plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(min(3 + 0.35 * len(self), 16), 3.5))
        labels = self.meta.get("labels", [str(p) for p in self["period"]])
        x = np.arange(len(labels))
        done = self["complete"]
        ax.plot(x, self["stickiness"], color="#2166ac", linewidth=1)
        ax.scatter(x[done], self["stickiness"][done], color="#2166ac", zorder=3)
        ax.scatter(x[~done], self["stickiness"][~done], facecolors="none", edgecolors="#2166ac", zorder=3)
        step = max(1, len(x) // 18)
        ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
        ax.set_ylabel("%")
        ax.set_title(self.title)
        return ax
