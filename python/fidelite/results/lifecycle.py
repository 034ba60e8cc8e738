"""Lifecycle per period (:class:`LifecycleResult`): new, returning, resurrected and
dormant customers, the quick ratio, the table and the PostHog-style chart."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .base import Result
from .formatting import html_table


class LifecycleResult(Result):
    """Lifecycle counts per period: ``new``, ``returning``, ``resurrected``, ``dormant``
    (a positive count of customers who went dormant), and ``quick_ratio``."""

    def __init__(
        self,
        periods: np.ndarray,
        labels: list[str],
        counts: dict[str, np.ndarray],
        complete: np.ndarray,
        params: dict[str, Any],
    ) -> None:
        self.periods = periods
        self.labels = labels
        self.new = counts["new"]
        self.returning = counts["returning"]
        self.resurrected = counts["resurrected"]
        self.dormant = counts["dormant"]
        self.complete = complete
        self.params = params
        with np.errstate(divide="ignore", invalid="ignore"):
            self.quick_ratio = np.where(
                self.dormant > 0, (self.new + self.resurrected) / np.maximum(self.dormant, 1), np.nan
            )
        self.title = f"lifecycle per {params['period']}"

    @property
    def active(self) -> np.ndarray:
        """Customers active in each period (new + returning + resurrected)."""
        return self.new + self.returning + self.resurrected

    #: "wide": one row per period (:meth:`to_dict`); "long": one row per period and status
    #: (period, status, customers, complete), dormant customers counted positive.
    forms = ("wide", "long")
    STATUSES = ("new", "returning", "resurrected", "dormant")

    def table(self, form: str | None = None) -> dict[str, np.ndarray]:
        if form != "long":
            return super().table(form)
        k = len(self.STATUSES)
        return {
            "period": np.repeat(self.periods, k),
            "status": np.tile(np.array(self.STATUSES, dtype=object), len(self.periods)),
            "customers": np.stack([getattr(self, s) for s in self.STATUSES], axis=1).ravel(),
            "complete": np.repeat(self.complete, k),
        }

    def to_dict(self) -> dict[str, np.ndarray]:
        return {
            "period": self.periods,
            "new": self.new,
            "returning": self.returning,
            "resurrected": self.resurrected,
            "dormant": self.dormant,
            "active": self.active,
            "quick_ratio": self.quick_ratio,
            "complete": self.complete,
        }

    def to_html(self) -> str:
        cols = self.to_dict()
        cols = {"period": np.array(self.labels, dtype=object), **{k: v for k, v in cols.items() if k != "period"}}
        return html_table(cols, title=self.title, css="fidelite-table fidelite-lifecycle")

    def plot(self, ax: Any = None) -> Any:
        """Stacked bars per period, dormant drawn below zero (PostHog style); incomplete
        periods hatched (:mod:`fidelite.results.style`). Returns the Axes."""
        ax = style.axes(ax, (min(3 + 0.35 * len(self.labels), 16), 4))
        x = np.arange(len(self.labels))
        bottom = np.zeros(len(x))
        bars = []
        for name, colour in (("new", style.GAIN), ("returning", style.PRIMARY), ("resurrected", style.COMEBACK)):
            vals = getattr(self, name)
            bars.append(ax.bar(x, vals, bottom=bottom, label=name, color=colour))
            bottom = bottom + vals
        bars.append(ax.bar(x, -self.dormant, label="dormant", color=style.LOSS))
        handles, _ = ax.get_legend_handles_labels()
        if style.hatch_incomplete(bars, self.complete):  # as starred in the table
            handles.append(style.incomplete_handle())
        style.ticks(ax, list(self.labels))
        ax.axhline(0, color=style.NEUTRAL, linewidth=0.8)
        ax.set_ylabel("customers")
        ax.set_title(self.title)
        ax.legend(handles=handles, loc="upper left")
        return style.finish(ax)
