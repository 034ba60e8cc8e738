"""The survival result (:class:`SurvivalResult`): Kaplan-Meier curves of customer
lifetimes with their interval, the median lifetime, the at-risk table and the log-rank
test."""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

from ..io import RowReport
from . import style
from .base import TableResult
from .formatting import value as show

#: One colour per segment curve (colour-blind safe, Okabe-Ito).
COLOURS = style.PALETTE


class SurvivalResult(TableResult):
    """Kaplan-Meier survival of customer lifetimes (see :func:`fidelite.survival`).

    The frame is the curve: one row per distinct duration (per segment): ``time``,
    ``at_risk``, ``churned``, ``censored``, ``survival`` (0-1), ``lower`` and ``upper``
    (the exponential Greenwood interval). ``.value`` is the median lifetime (inf when the
    curve stays above 0.5); ``.median`` the median with its interval (per segment, and
    ``(all)``); ``.at_risk`` the at-risk table; ``.logrank`` the log-rank test between
    segments (None without ``segment=``); ``.lifetimes`` every customer's duration and
    whether it churned; ``.report`` the row accounting of a subscriptions table.
    """

    def __init__(
        self,
        columns: dict[str, Any],
        *,
        value: float,
        reason: str | None,
        median: TableResult,
        at_risk: TableResult,
        logrank: TableResult | None,
        lifetimes: TableResult,
        meta: dict[str, Any],
        report: RowReport | None,
    ) -> None:
        unit = meta["unit"]
        super().__init__(
            columns,
            title=f"survival of customer lifetimes (from {meta['source']}, {unit}s)",
            value=value,
            reason=reason,
            meta=meta,
            units={"survival": "fraction", "lower": "fraction", "upper": "fraction", "time": unit + "s"},
        )
        self.median = median
        self.at_risk = at_risk
        self.logrank = logrank
        self.lifetimes = lifetimes
        self.report = report
        self.time_unit = unit

    def curve(self, segment: Any = None) -> dict[str, np.ndarray]:
        """The columns of one segment's curve (the only one without ``segment=``)."""
        if "segment" not in self.columns:
            return self.columns
        keep = np.fromiter((k == segment for k in self.columns["segment"]), bool, len(self.columns["segment"]))
        if not keep.any():
            raise KeyError(f"no segment {segment!r}; segments: {list(dict.fromkeys(self.columns['segment']))}")
        return {k: v[keep] for k, v in self.columns.items()}

    @property
    def segments(self) -> list[Any]:
        """The segments, in order ([None] without ``segment=``)."""
        return list(dict.fromkeys(self.columns["segment"])) if "segment" in self.columns else [None]

    def summary(self) -> str:
        """One line: the median lifetime with its interval, and the log-rank p-value."""
        m, unit = self.median, self.time_unit
        median, lo, hi = (float(m[k][0]) for k in ("median", "median_lower", "median_upper"))
        text = f"median lifetime {_duration(median, unit)} ({self.meta['ci']:.0%} CI {_duration(lo, unit)} to "
        text += f"{_duration(hi, unit)}), {int(m['customers'][0]):,} customers, {int(m['churned'][0]):,} churned"
        if self.logrank is not None:
            text += f"; log-rank p = {float(self.logrank['p_value'][0]):.3g}"
        return text

    def to_html(self) -> str:
        """The summary line, the median per segment and the head and tail of the curve."""
        parts = [
            f"<div class='fidelite-survival'><p><b>{html.escape(self.title)}</b>: {html.escape(self.summary())}</p>"
        ]
        parts.append(self.median.to_html())
        parts.append(super().to_html())
        return "".join(parts) + "</div>"

    def __repr__(self) -> str:
        return f"{self.summary()}\n{super().__repr__()}"

    def plot(self, ax: Any = None, *, band: bool = True) -> Any:
        """The step curve of each segment with its interval as a band. Returns the Axes."""
        ax = style.axes(ax, (7, 4))
        for i, seg in enumerate(self.segments):
            c = self.curve(seg)
            colour = COLOURS[i % len(COLOURS)]
            x = np.concatenate([[0.0], c["time"]])
            label = "all customers" if seg is None else str(seg)
            ax.step(x, np.concatenate([[1.0], c["survival"]]), where="post", color=colour, label=label)
            if band:
                lo, hi = np.concatenate([[1.0], c["lower"]]), np.concatenate([[1.0], c["upper"]])
                ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.2, linewidth=0)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(f"lifetime ({self.time_unit}s)")
        ax.set_ylabel("share still active")
        ax.set_title(self.title)
        if len(self.segments) > 1:
            ax.legend(title=str(self.meta.get("segment")), frameon=False)
        return style.finish(ax)


def _duration(x: float, unit: str) -> str:
    return "beyond the data" if math.isinf(x) else f"{show(x, '')} {unit}s"
