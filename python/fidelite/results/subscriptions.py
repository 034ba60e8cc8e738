"""The revenue retention result (:class:`RevenueRetention`): the MRR bridge per period."""

from __future__ import annotations

from typing import Any

from ..io import RowReport
from .base import TableResult


class RevenueRetention(TableResult):
    """The MRR bridge per period; ``.value`` = NRR of the latest complete period."""

    def __init__(
        self, columns: dict[str, Any], *, value: float, reason: str | None, meta: dict[str, Any], report: RowReport
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
