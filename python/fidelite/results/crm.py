"""The CRM campaign result (:class:`CampaignResult`): KPIs overall, per channel and per
campaign, with the per-period pressure and solicitation tables."""

from __future__ import annotations

from typing import Any

from ..io import RowReport
from .base import TableResult


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
            units={"net_reactivity": "%", "reactivity": "%", "roi": "%", "unsubscribe_rate": "%"},
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
