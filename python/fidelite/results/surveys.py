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
from . import style
from .base import Result, TableResult, ValueResult
from .formatting import html_table, num, text_grid


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

    def plot(self, ax: Any = None) -> Any:
        """The matrix as a heatmap of the row shares (% of each "from" state), each cell
        labelled with its share and count; an empty row is left blank. Returns the Axes."""
        k = len(self.labels)
        ax = style.axes(ax, (min(3 + 0.9 * k, 12), min(2.5 + 0.7 * k, 10)))
        im = ax.imshow(self.shares, cmap=style.cmap(), vmin=0, vmax=100, aspect="auto")
        for i in range(k):
            for j in range(k):
                share = self.shares[i, j]
                if math.isnan(share):
                    continue
                colour = style.text_on(style.ramp(share / 100))
                ax.text(
                    j, i, f"{share:.0f}%\n({int(self.counts[i, j]):,})", ha="center", va="center",
                    color=colour, fontsize=style.TICK_SIZE,
                )  # fmt: skip
        style.ticks(ax, self.labels, most=k)
        style.ticks(ax, self.labels, axis="y", most=k)
        ax.set_xlabel(self.names[1].replace("_", " "))
        ax.set_ylabel(self.names[0].replace("_", " "))
        ax.set_title(self.title)
        bar = ax.figure.colorbar(im, ax=ax)
        bar.set_label("% of the row")
        return style.finish(ax)


class NPSBehaviour(TableResult):
    """What promoters, passives and detractors do after answering (rows promoter,
    passive, detractor, all): answers, customers, repurchase and churn rates (%), revenue
    and purchases per answer (:func:`fidelite.nps_behaviour`)."""

    def plot(self, ax: Any = None, *, columns: Sequence[str] = ("repurchase_rate", "churn_rate")) -> Any:
        """``columns`` per category as grouped horizontal bars (rates in %: repurchase in
        green, churn in vermillion), each bar labelled. Returns the Axes."""
        cats = [str(c) for c in self["category"]]
        ax = style.axes(ax, (7, 3.5))
        y = np.arange(len(cats))
        h = 0.8 / max(len(columns), 1)
        roles = {"repurchase_rate": style.GAIN, "churn_rate": style.LOSS}
        for i, name in enumerate(columns):
            colour = roles.get(name, style.PALETTE[i % len(style.PALETTE)])
            values = np.asarray(self[name], float)
            bars = ax.barh(y + (i - (len(columns) - 1) / 2) * h, values, height=h, color=colour,
                           label=name.replace("_", " "))  # fmt: skip
            ax.bar_label(bars, labels=[num(v, 1) for v in values], fontsize=style.TICK_SIZE, padding=2)
        style.ticks(ax, cats, axis="y")
        ax.invert_yaxis()
        ax.set_xlabel("% of answers" if all(self.unit(c) == "%" for c in columns) else "value per answer")
        days = self.meta.get("days")
        ax.set_title(f"in the {days:g} days after an NPS answer" if days is not None else self.title)
        top = np.nanmax([np.nanmax(np.asarray(self[c], float), initial=0.0) for c in columns], initial=0.0)
        ax.set_xlim(0, max(top, 1.0) * 1.15)  # room for the bar labels
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        return style.finish(ax, grid=True)
