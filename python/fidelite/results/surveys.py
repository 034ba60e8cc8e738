"""Survey results: the NPS (:class:`NPSResult`) and the customer loyalty index
(:class:`LoyaltyIndexResult`), each with the row accounting of the surveys table."""

from __future__ import annotations

from typing import Any

from ..io import RowReport
from .base import TableResult, ValueResult


class NPSResult(ValueResult):
    """The NPS (``.value``, -100..100), its parts, and ``report`` (rows read / used / rejected)."""

    def __init__(
        self, value: float, *, question: str, parts: dict[str, Any], reason: str | None, report: RowReport
    ) -> None:
        super().__init__(value, title=f"NPS ({question})", unit="points", parts=parts, reason=reason)
        self.question = question
        self.report = report


class LoyaltyIndexResult(TableResult):
    """Per-question net scores (a table) with the index as ``.value`` and the row ``report``."""

    def __init__(self, columns: dict[str, Any], *, value: float, reason: str | None, report: RowReport) -> None:
        super().__init__(
            columns,
            title="customer loyalty index",
            value=value,
            reason=reason,
            units={"net_score": "points", "value": "points"},
        )
        self.report = report
