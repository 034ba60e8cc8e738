"""Survey results: the NPS (:class:`NPSResult`), the customer loyalty index
(:class:`LoyaltyIndexResult`), each with the row accounting of the surveys table, and the
transitions between states (:class:`TransitionMatrix`: NPS categories between answers,
programme tiers between periods)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..io import RowReport
from .base import Result, TableResult, ValueResult
from .formatting import html_table, text_grid


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


class TransitionMatrix(Result):
    """Transitions between states: ``counts[i, j]`` from ``labels[i]`` to ``labels[j]``,
    ``shares`` (% of the row, NaN for an empty row). The default table is long (``from``,
    ``to``, ``count``, ``share``); ``table("wide")`` is the matrix of counts. ``.value``
    is the share of the cell ``value_of`` (row, column)."""

    forms = ("table", "wide")

    def __init__(
        self,
        counts: np.ndarray,
        labels: Sequence[str],
        *,
        title: str,
        value_of: tuple[int, int],
        report: RowReport,
        names: tuple[str, str, str] = ("from", "to", "count"),
    ) -> None:
        self.counts = np.asarray(counts, np.int64)
        self.labels = list(labels)
        self.title = title
        self.report = report
        self.names = names
        rows = self.counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.shares = np.where(rows > 0, self.counts / np.where(rows > 0, rows, 1) * 100, math.nan)
        self.value = float(self.shares[value_of])

    def __float__(self) -> float:
        return self.value

    def to_dict(self) -> dict[str, np.ndarray]:
        k = len(self.labels)
        lab = np.array(self.labels, dtype=object)
        a, b, c = self.names
        return {a: np.repeat(lab, k), b: np.tile(lab, k), c: self.counts.ravel(), "share": self.shares.ravel()}

    def table(self, form: str | None = None) -> dict[str, np.ndarray]:
        if form != "wide":
            return super().table(form)
        cols: dict[str, np.ndarray] = {self.names[0]: np.array(self.labels, dtype=object)}
        for j, label in enumerate(self.labels):
            cols[label] = self.counts[:, j]
        return cols

    def __repr__(self) -> str:
        rows = [[self.labels[i], *(str(int(c)) for c in self.counts[i])] for i in range(len(self.labels))]
        return f"{self.title}\n{text_grid(['from / to', *self.labels], rows)}"

    def to_html(self) -> str:
        return html_table(self.table("wide"), title=self.title)
