"""One result per segment, the shape every metric returns when called with ``segment=``
(docs/segments.md): the segment's own result by key, one long frame with the segment
columns first, an overview (customers and headline value per segment) and a comparison
plot.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .._deps import import_optional
from ..query.params import choice
from .base import Result, TableResult

#: Okabe-Ito colours (colour-blind safe), one per segment in turn.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def headline(result: Result) -> float | None:
    """The one number a result stands for (``float(result)``), or None when it has none."""
    value = getattr(result, "value", None)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    return None


class SegmentedResult(Result):
    """A metric's result per segment: ``result[key]`` is the metric computed on that
    segment's customers alone (a key is the segment's value for one attribute, the tuple
    of its values for several).

    Attributes
    ----------
    attributes : the segment attribute names, in order.
    results : {key: result} of the segments that have events, in segment order.
    customers : {key: number of customers} of every segment (those without events too).
    skipped : {key: reason} of the segments that have no result (no event, nothing to
        compute on); they are in :attr:`customers` and :attr:`overview`, not in the frame.
    edges : the bin edges used, per binned attribute.
    report : the event log's row accounting, when the metric reads one.

    The default table (:meth:`to_dict`, ``to_pandas()``, ``to_polars()``, ``to_native()``,
    Arrow) is every segment's table stacked, the segment columns first; the other
    :attr:`forms` of the segments' results stack the same way.

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(500, seed=1)
    >>> r = fidelite.repeat_rate(shop.events, segment="channel")
    >>> list(r.to_pandas().columns[:2]), r.segments == list(r.results)
    (['channel', 'metric'], True)
    """

    def __init__(
        self,
        attributes: tuple[str, ...] | list[str],
        results: Mapping[Any, Result],
        *,
        customers: Mapping[Any, int] | None = None,
        skipped: Mapping[Any, str] | None = None,
        edges: Mapping[str, list[float]] | None = None,
        metric: str = "",
        report: Any = None,
    ) -> None:
        self.attributes = tuple(attributes)
        self.results = dict(results)
        self.customers = dict(customers) if customers is not None else dict.fromkeys(self.results, 0)
        self.skipped = dict(skipped or {})
        self.edges = dict(edges or {})
        self.metric = metric
        #: The event log's row accounting (:class:`~fidelite.RowReport`), when there is one.
        self.report = report
        self.title = f"{metric or 'result'} by {', '.join(self.attributes)}"

    # ----------------------------------------------------------------- access
    @property
    def segments(self) -> list[Any]:
        """The keys of the segments with a result, in order."""
        return list(self.results)

    def __getitem__(self, key: Any) -> Any:
        try:
            return self.results[key]
        except KeyError:
            why = f" ({self.skipped[key]})" if key in self.skipped else ""
            raise KeyError(f"no result for segment {key!r}{why}; segments are {self.segments}") from None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def items(self) -> Any:
        return self.results.items()

    def key_columns(self, keys: list[Any], lengths: list[int]) -> dict[str, np.ndarray]:
        """The segment columns of rows of ``keys`` repeated ``lengths`` times."""
        out = {}
        for i, name in enumerate(self.attributes):
            vals = [k if len(self.attributes) == 1 else k[i] for k in keys]
            out[name] = np.repeat(np.array(vals + [None], dtype=object)[:-1], lengths)
        return out

    # ----------------------------------------------------------------- tables
    @property
    def forms(self) -> tuple[str, ...]:  # type: ignore[override]
        """The forms of the segments' results (long first, as theirs)."""
        first = next(iter(self.results.values()), None)
        return first.forms if first is not None else ("table",)

    def to_dict(self) -> dict[str, np.ndarray]:
        return self.table(None)

    def table(self, form: str | None = None) -> dict[str, np.ndarray]:
        """Every segment's ``form`` table stacked, the segment columns first (a result
        column of the same name as an attribute is kept, its segment column renamed
        ``"<name> (segment)"``)."""
        if form is not None:
            choice("form", form, self.forms)
        parts = [r.table(form) for r in self.results.values()]
        lengths = [len(next(iter(p.values()))) if p else 0 for p in parts]
        names: list[str] = []
        for p in parts:
            names += [c for c in p if c not in names]
        keys = self.key_columns(list(self.results), lengths)
        out = {(f"{k} (segment)" if k in names else k): v for k, v in keys.items()}
        for c in names:
            cols = [p[c] if c in p else np.full(n, None, dtype=object) for p, n in zip(parts, lengths)]
            out[c] = np.concatenate(cols) if cols else np.zeros(0)
        return out

    @property
    def overview(self) -> TableResult:
        """One row per segment (skipped ones included): the segment columns, ``customers``,
        the headline ``value`` of its result (NaN when it has none or is skipped) and
        ``note`` (why a segment was skipped)."""
        keys = list(self.customers)
        cols = self.key_columns(keys, [1] * len(keys))
        cols["customers"] = np.array([self.customers[k] for k in keys], np.int64)
        cols["value"] = np.array(
            [
                math.nan if k not in self.results or headline(self.results[k]) is None else headline(self.results[k])
                for k in keys
            ],
            np.float64,
        )
        cols["note"] = np.array([self.skipped.get(k, "") for k in keys], dtype=object)
        return TableResult(cols, title=f"{self.title}: overview")

    # ----------------------------------------------------------------- display
    def to_html(self) -> str:
        blocks = [self.overview.to_html()]
        for k, r in self.results.items():
            blocks.append(f"<h4>{html.escape(self.label(k))}</h4>{r.to_html()}")
        return "".join(blocks)

    def __repr__(self) -> str:
        parts = [repr(self.overview)]
        parts += [f"--- {self.label(k)} ---\n{r!r}" for k, r in self.results.items()]
        return "\n\n".join(parts)

    def label(self, key: Any) -> str:
        """``country=FR, channel=web``: a segment key as text."""
        values = (key,) if len(self.attributes) == 1 else key
        return ", ".join(f"{a}={v}" for a, v in zip(self.attributes, values))

    def plot(self, column: str | None = None, ax: Any = None) -> Any:
        """Compares the segments (matplotlib); returns the Axes.

        - without ``column``, results with a headline value: one bar per segment;
        - retention matrices: the average rate per offset, one line per segment;
        - tables over periods (a ``period`` column): ``column`` (default: the first
          numeric column) per period, one line per segment;
        - per-customer tables (a ``customer_id`` column): the distribution of ``column``
          per segment (box plots).
        """
        plt = import_optional("matplotlib.pyplot", "plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(min(4 + 0.6 * max(len(self.results), 1), 14), 4))
        keys = list(self.results)
        labels = [self.label(k) for k in keys]
        ax.set_title(self.title)
        if not keys:
            ax.text(0.5, 0.5, "no segment with a result", ha="center", va="center", transform=ax.transAxes)
            return ax
        values = [headline(self.results[k]) for k in keys]
        first = self.results[keys[0]]
        if column is None and all(v is not None for v in values):
            y = np.arange(len(keys))
            ax.barh(y, [float(v) for v in values], color=[COLOURS[i % len(COLOURS)] for i in range(len(keys))])  # type: ignore[arg-type]
            ax.set_yticks(y, [f"{lab} ({self.customers.get(k, 0):,})" for lab, k in zip(labels, keys)])
            ax.invert_yaxis()
            ax.set_xlabel(first.title or "value")
            return ax
        if column is None and hasattr(first, "average") and hasattr(first, "offset_labels"):
            for i, k in enumerate(keys):
                m = self.results[k]
                ax.plot(m.offset_labels, m.average, marker="o", color=COLOURS[i % len(COLOURS)], label=labels[i])
            ax.set_xlabel("offset")
            ax.set_ylabel("average rate")
            ax.legend(fontsize="small")
            return ax
        tables = [self.results[k].to_dict() for k in keys]
        y_name = column or next(
            (
                c
                for c, v in tables[0].items()
                if v.dtype.kind in "fiu" and c not in ("period", "customer_id", "complete")
            ),
            None,
        )
        if y_name is None or any(y_name not in t for t in tables):
            raise ValueError(f"no numeric column {column!r} to compare; columns: {list(tables[0])}")
        if "customer_id" in tables[0]:
            ax.boxplot([np.asarray(t[y_name], float) for t in tables], orientation="horizontal")
            ax.set_yticks(np.arange(1, len(keys) + 1), labels)
            ax.set_xlabel(y_name)
            return ax
        for i, t in enumerate(tables):
            x = t["period"] if "period" in t else np.arange(len(t[y_name]))
            ax.plot(x, t[y_name], marker="o", color=COLOURS[i % len(COLOURS)], label=labels[i])
        ax.set_ylabel(y_name)
        ax.legend(fontsize="small")
        ax.tick_params(axis="x", rotation=45)
        return ax
