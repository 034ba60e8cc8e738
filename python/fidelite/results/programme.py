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
from . import style
from .base import TableResult
from .formatting import html_table, num
from .surveys import TransitionMatrix

#: The KPIs :meth:`ProgrammeKPIs.plot` compares, in order.
KPIS = ("repeat_rate", "retention", "revenue_per_customer", "purchase_frequency")


class ProgrammeKPIs(TableResult):
    """Members vs non-members on the same KPIs (rows ``members``, ``non_members``,
    ``difference``; :func:`fidelite.programme_kpis`)."""

    def plot(self, ax: Any = None, *, column: str | None = None) -> Any:
        """Without ``column``: each KPI of the members as an index of the non-members'
        (non-members = 100; a bar above 100 is a KPI where members do better), each bar
        labelled with both raw values. With ``column``: that KPI's two raw values.
        Returns the Axes."""
        ax = style.axes(ax, (7, 3.5))
        groups = [str(g) for g in self["group"]]
        members, others = groups.index("members"), groups.index("non_members")
        if column is not None:
            values = np.asarray(self[column], float)[[members, others]]
            bars = ax.bar([0, 1], values, color=[style.PRIMARY, style.NEUTRAL])
            ax.bar_label(bars, labels=[num(v) for v in values], fontsize=style.TICK_SIZE, padding=2)
            ax.set_xticks([0, 1], ["members", "non-members"])
            unit = self.unit(column)
            ax.set_ylabel(column.replace("_", " ") + (f" ({unit})" if unit else ""))
            ax.set_title(self.title)
            return style.finish(ax, grid=True)
        kpis = [k for k in KPIS if k in self.columns]
        m = np.array([self[k][members] for k in kpis], float)
        o = np.array([self[k][others] for k in kpis], float)
        with np.errstate(invalid="ignore", divide="ignore"):
            index = np.where(o != 0, m / np.where(o != 0, o, 1) * 100, np.nan)
        y = np.arange(len(kpis))
        colours = [style.GAIN if v >= 100 else style.LOSS for v in np.nan_to_num(index, nan=100)]
        bars = ax.barh(y, index, color=colours)
        ax.bar_label(bars, labels=[f"{num(a)} vs {num(b)}" for a, b in zip(m, o)], fontsize=style.TICK_SIZE, padding=3)
        ax.axvline(100, color=style.NEUTRAL, linewidth=1)
        style.ticks(ax, [k.replace("_", " ") for k in kpis], axis="y")
        ax.invert_yaxis()
        ax.set_xlabel("members as % of non-members (non-members = 100)")
        ax.set_title(self.title)
        return style.finish(ax, grid=True)


class ProgrammePoints(TableResult):
    """Points earned, redeemed and outstanding per period (:func:`fidelite.programme_points`)."""

    def plot(self, ax: Any = None) -> Any:
        """Earned (up) and redeemed (down) points per period as bars, the outstanding
        balance as a line on a second axis; incomplete periods hatched. Returns the Axes."""
        from .series import period_labels

        labels = period_labels(self["period"])
        ax = style.axes(ax, (min(4 + 0.35 * len(labels), 12), 4))
        x = np.arange(len(labels))
        complete = np.asarray(self["complete"], bool)
        earned = ax.bar(x, self["earned"], color=style.GAIN, label="earned")
        redeemed = ax.bar(x, -np.asarray(self["redeemed"], float), color=style.COMEBACK, label="redeemed")
        ax.axhline(0, color=style.NEUTRAL, linewidth=0.8)
        ax.set_ylabel("points in the period")
        balance = ax.twinx()
        balance.plot(x, self["outstanding"], color=style.PRIMARY, marker="o", markersize=3, label="outstanding")
        balance.set_ylabel("points outstanding")
        handles, names = ax.get_legend_handles_labels()
        more, more_names = balance.get_legend_handles_labels()
        handles, names = handles + more, names + more_names
        if style.hatch_incomplete([earned, redeemed], complete):
            handles.append(style.incomplete_handle())
            names.append(handles[-1].get_label())
        style.ticks(ax, labels)
        ax.legend(handles, names, loc="upper left", frameon=False)
        ax.set_title(self.title)
        return style.finish(ax)


class NearNextTier(TableResult):
    """Members within a few points of their next tier, closest first
    (:func:`fidelite.near_next_tier`)."""

    def plot(self, ax: Any = None) -> Any:
        """How many members are how far from each next tier: a stacked histogram of
        ``points_to_next``, one colour per next tier. Returns the Axes."""
        ax = style.axes(ax, (7, 3.5))
        tiers = list(dict.fromkeys(str(t) for t in self["next_tier"]))
        gaps = np.asarray(self["points_to_next"], float)
        within = float(self.meta.get("within", gaps.max() if len(gaps) else 1.0))
        edges = np.linspace(0.0, max(within, 1e-9), 11)
        if tiers:
            ax.hist(
                [gaps[np.asarray(self["next_tier"]).astype(str) == t] for t in tiers],
                bins=edges,
                stacked=True,
                color=[style.PALETTE[i % len(style.PALETTE)] for i in range(len(tiers))],
                label=[f"to {t}" for t in tiers],
            )
            ax.legend(frameon=False)
        else:
            ax.text(0.5, 0.5, "no member this close to a next tier", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel("points to the next tier")
        ax.set_ylabel("members")
        ax.set_title(self.title)
        return style.finish(ax, grid=True)


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

    def plot(self, ax: Any = None) -> Any:
        """Before and after joining, the mean KPI of the members and of their matched
        non-members (one line each): the gap between the two slopes is the difference
        in differences, given with its interval in the title. Returns the Axes."""
        ax = style.axes(ax, (6, 4))
        groups = [str(g) for g in self["group"]]
        for name, colour in (("members", style.PRIMARY), ("matched non-members", style.NEUTRAL)):
            k = groups.index(name)
            ax.plot([0, 1], [self["before"][k], self["after"][k]], color=colour, marker="o", label=name)
        window = self.meta["window_days"]
        ax.set_xticks([0, 1], [f"{window:g} days before joining", f"{window:g} days after"])
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylabel(f"{self.meta['kpi']} per customer")
        level = f"{self.meta['ci'] * 100:g}%"
        ax.set_title(
            f"programme impact: {num(self.value, 3)} {self.meta['kpi']} per member "
            f"({level} CI {num(self.ci_low, 3)} to {num(self.ci_high, 3)})"
        )
        ax.legend(frameon=False)
        return style.finish(ax, grid=True)


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
