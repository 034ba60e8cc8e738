"""The CRM campaign result (:class:`CampaignResult`): KPIs overall, per channel and per
campaign, with the per-period pressure and solicitation tables."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..io import RowReport
from . import style
from .base import TableResult

#: The count columns (floats where a missing flag column makes them NaN).
COUNTS = ("converted_active", "opened", "clicked", "unsubscribed", "attributed_orders")


class CampaignResult(TableResult):
    """Campaign KPIs: one row overall (``level="all"``), then one per channel and per
    campaign. ``.value`` = overall net reactivity rate; ``pressure``, ``solicitation`` and
    ``reactivity`` are per-period tables; ``kpis`` holds the overall numbers; ``report`` the contacts rows."""

    def __init__(
        self,
        columns: dict[str, Any],
        *,
        value: float,
        reason: str | None,
        pressure: TableResult,
        solicitation: TableResult,
        kpis: dict[str, Any],
        meta: dict[str, Any],
        report: RowReport,
        reactivity: TableResult | None = None,
    ) -> None:
        super().__init__(
            columns,
            title="CRM campaign KPIs",
            value=value,
            reason=reason,
            meta=meta,
            units={
                "net_reactivity": "%",
                "reactivity": "%",
                "roi": "%",
                "unsubscribe_rate": "%",
                **dict.fromkeys(COUNTS, "count"),
            },
        )
        self.pressure = pressure
        self.solicitation = solicitation
        self.reactivity = reactivity
        self.kpis = kpis
        self.report = report

    def by(self, level: str) -> TableResult:
        """The rows of one level: "all", "channel" or "campaign"."""
        keep = self.columns["level"] == level
        rows = TableResult(
            {k: v[keep] for k, v in self.columns.items() if k != "level"},
            title=f"CRM KPIs by {level}",
            units=self.units,
        )
        return rows.carry(self.native_backend)

    def plot(self, ax: Any = None) -> Any:
        """The commercial pressure per period: contacts on active customers (bars) and
        contacts per active customer (line), incomplete periods hatched and hollow
        (:mod:`fidelite.results.style`). Returns the Axes."""
        p = self.pressure
        labels = [str(v) for v in p["label"]]
        ax = style.axes(ax, (min(3 + 0.35 * len(labels), 16), 4))
        x = np.arange(len(labels))
        complete = np.asarray(p["complete"], bool)
        bars = ax.bar(x, p["contacts_to_active"], color=style.PRIMARY, alpha=0.35, label="contacts on active customers")
        ax.set_ylabel("contacts")
        right = ax.twinx()
        right.plot(x, p["pressure"], color=style.LOSS, marker="o", markersize=3, label="pressure")
        style.hollow_incomplete(right, x, complete)
        right.set_ylabel("contacts per active customer")
        handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        if style.hatch_incomplete([bars], complete):
            handles += [style.incomplete_handle(), style.incomplete_handle("line")]
        ax.legend(handles=handles, loc="upper left")
        style.ticks(ax, labels)
        ax.set_title(f"commercial pressure per {self.meta.get('period', 'period')}")
        return style.finish(ax)
