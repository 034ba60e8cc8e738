"""Lifecycle per period (:class:`LifecycleResult`): new, returning, resurrected and
dormant customers, the quick ratio, the table and the PostHog-style chart."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._deps import import_optional
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
        periods hatched. Returns the Axes."""
        plt = import_optional("matplotlib.pyplot", "plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(min(3 + 0.35 * len(self.labels), 16), 4))
        x = np.arange(len(self.labels))
        bottom = np.zeros(len(x))
        # Okabe-Ito colours (colour-blind safe); incomplete periods hatched, as starred in the table
        bars = []
        for name, colour in (("new", "#009E73"), ("returning", "#0072B2"), ("resurrected", "#E69F00")):
            vals = getattr(self, name)
            bars.append(ax.bar(x, vals, bottom=bottom, label=name, color=colour))
            bottom = bottom + vals
        bars.append(ax.bar(x, -self.dormant, label="dormant", color="#D55E00"))
        incomplete = ~np.asarray(self.complete, bool)
        for container in bars:
            for patch, open_ in zip(container.patches, incomplete):
                if open_:
                    patch.set_hatch("///")
                    patch.set_alpha(0.55)
        if incomplete.any():
            ax.bar([], [], color="white", edgecolor="0.4", hatch="///", label="incomplete at as_of")
        step = max(1, len(x) // 18)
        ax.set_xticks(x[::step], self.labels[::step], rotation=45, ha="right")
        ax.axhline(0, color="#444", linewidth=0.8)
        ax.set_ylabel("customers")
        ax.set_title(self.title)
        ax.legend(loc="upper left", fontsize="small")
        return ax
