"""Activity results: stickiness per period (:class:`StickinessResult`) with its frequency
histogram."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
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
        """The stickiness (%) per period, incomplete periods hollow
        (:mod:`fidelite.results.style`). Returns the Axes."""
        ax = style.axes(ax, (min(3 + 0.35 * len(self), 16), 3.5))
        labels = self.meta.get("labels", [str(p) for p in self["period"]])
        x = np.arange(len(labels))
        ax.plot(x, self["stickiness"], color=style.PRIMARY, linewidth=1, marker="o", markersize=4, label="stickiness")
        style.hollow_incomplete(ax, x, self["complete"])
        if not np.all(self["complete"]):
            ax.legend(handles=[ax.get_lines()[0], style.incomplete_handle("line")], loc="best")
        style.ticks(ax, list(labels))
        ax.set_ylabel("%")
        ax.set_title(self.title)
        return style.finish(ax)
