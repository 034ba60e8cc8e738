"""Loyalty programme results: the programme's impact (:class:`ProgrammeImpact`, a
difference in differences with its bootstrap interval) and the tier migration matrix
(:class:`TierMigration`)."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..io import RowReport
from .base import TableResult
from .formatting import html_table, num
from .surveys import TransitionMatrix


class ProgrammeImpact(TableResult):
    """Mean KPI per customer before and after joining, for the members and their matched
    non-members (rows ``members``, ``matched non-members``, ``difference``); ``.value`` is
    the difference in differences, ``ci_low`` / ``ci_high`` its bootstrap interval and
    ``meta`` the settings (kpi, window, matches, seed...) and ``meta["excluded"]`` the
    members left out, by reason."""

    def __init__(
        self, columns: Mapping[str, Any], *, value: float, ci_low: float, ci_high: float, meta: Mapping[str, Any]
    ) -> None:
        super().__init__(columns, title=f"programme impact on {meta['kpi']} per customer", value=value, meta=meta)
        self.ci_low = ci_low
        self.ci_high = ci_high

    @property
    def headline(self) -> str:
        """The effect and its interval in words."""
        m = self.meta
        level = f"{m['ci'] * 100:g}%"
        return (
            f"{num(self.value, 3)} {m['kpi']} per member in the {m['window_days']:g} days after joining "
            f"({level} interval {num(self.ci_low, 3)} to {num(self.ci_high, 3)})"
        )

    def __repr__(self) -> str:
        return f"{super().__repr__()}\ndifference in differences: {self.headline}"

    def to_html(self) -> str:
        head = f"<p class='fidelite-value'><b>difference in differences</b>: {html.escape(self.headline)}</p>"
        return html_table(self.to_dict(), title=self.title, units=self.units) + head


class TierMigration(TransitionMatrix):
    """Transitions between programme states (not a member, no tier, each tier) from one
    period end to the next, summed over the periods: ``counts[i, j]`` (from ``labels[i]``
    to ``labels[j]``), ``shares`` (% of the row). The default table is long (from_tier,
    to_tier, customers, share); ``table("wide")`` is the matrix. ``.value`` is the % of
    the transitions of members who had a tier that moved up one tier or more;
    ``.ends`` the period ends compared."""

    def __init__(
        self, counts: np.ndarray, labels: Sequence[str], *, period: str, ends: np.ndarray, report: RowReport
    ) -> None:
        super().__init__(
            counts,
            labels,
            title=f"tier migration between consecutive {period}s",
            value_of=(0, 0),
            report=report,
            names=("from_tier", "to_tier", "customers"),
        )
        self.period = period
        self.ends = ends
        tiered = self.counts[2:, 2:]
        total = int(tiered.sum())
        up = int(np.triu(tiered, 1).sum())
        self.value = float(up / total * 100) if total else math.nan
