"""The cohort retention matrix (:class:`RetentionMatrix`), one per segment
(:class:`SegmentedRetention`): arrays, exports, the shaded HTML table, the heatmap, and
the customers behind any cell.

What the cells mean is documented in docs/metrics.md ("Cohort retention matrix").
"""

from __future__ import annotations

import functools
import html
import math
import statistics
from typing import Any, Protocol

import numpy as np

from .._deps import import_optional
from ..exceptions import ParameterError
from ..io import RowReport
from ..query.params import choice
from . import style
from .base import Result, TableResult
from .forecast import RetentionForecast, forecast_matrix
from .formatting import ELLIPSIS, instant, num, pct, shown_rows, text_grid
from .segmented import SegmentedResult


def wilson(k: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of the proportions ``k / n``: NaN where ``n == 0`` and where
    ``k > n`` (not a proportion: ``reference="previous"`` with ``criterion="on"`` allows it).

    >>> lo, hi = wilson(np.array([5.0]), np.array([10.0]), 0.95)
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.2366, 0.7634)
    """
    if not 0 < level < 1:
        raise ParameterError(f"ci is a confidence level between 0 and 1, e.g. 0.95; got {level!r}")
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = n.astype(float)
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        valid = (n > 0) & (k <= n)
        return np.where(valid, centre - half, np.nan), np.where(valid, centre + half, np.nan)


class Cells(Protocol):
    """What lists the customers of a cell: the kernel that built the matrix, with the same
    events and parameters (see :class:`fidelite.metrics.retention.CohortCells`)."""

    def customers(self, segment: int, cohort: int, bucket: int) -> dict[str, np.ndarray]: ...


class RetentionMatrix(Result):
    """A cohort x offset retention matrix. :meth:`customers` lists the customers behind
    any cell (the matrix keeps a reference to the data it was computed from, for that).

    Attributes
    ----------
    counts : (cohorts, offsets) int64 distinct customers per cell (float64 revenue for
        the revenue measures).
    sizes : (cohorts,) int64 cohort sizes.
    rates : counts / sizes (or / the previous offset with ``reference="previous"``).
    complete : bool, the cell had fully elapsed at ``as_of``.
    observed : bool, the cell had begun at ``as_of`` (rates are NaN where it had not).
    cohorts : datetime64[D] local start date of each cohort period, ascending, with
        every period between the first and the last cohort.
    offsets : int64 first offset of each column (brackets span several).
    ci_low, ci_high : Wilson interval per rate cell (``ci=``), else None.
    customers_report : with ``cohort="signup"``, the customers table's row accounting
        (:class:`~fidelite.RowReport`), else None.
    average : average rate per offset over complete cells (weighted by the
        denominators, or the simple mean with ``average="simple"``).
    """

    def __init__(
        self,
        *,
        counts: np.ndarray,
        sizes: np.ndarray,
        complete: np.ndarray,
        observed: np.ndarray,
        cohorts: np.ndarray,
        offsets: np.ndarray,
        offset_labels: list[str],
        cohort_labels: list[str],
        params: dict[str, Any],
        as_of: int,
        ci: float | None,
        average: str,
        segment: Any = None,
        segment_code: int = 0,
        cells: Cells | None = None,
    ) -> None:
        self.cells = cells
        self.segment_code = segment_code
        self.counts = counts
        self.sizes = sizes
        self.complete = complete
        self.cohorts = cohorts
        self.offsets = offsets
        self.offset_labels = offset_labels
        self.cohort_labels = cohort_labels
        self.params = params
        self.as_of = np.datetime64(as_of, "us")
        self.segment = segment
        self.customers_report: RowReport | None = None
        self.measure = params["measure"]
        den = self._denominators()  # (cohorts, 1) for the cohort sizes, else (cohorts, offsets)
        self.observed = observed
        self.ci_level = ci
        self.ci_low = self.ci_high = None
        if ci is not None:
            if self.measure != "customers":
                raise ParameterError("ci= applies to customer rates; it has no meaning for revenue measures")
            self.ci_low, self.ci_high = wilson(counts.astype(float), np.where(observed, den, 0), ci)
        self.average_kind = average
        ok = complete & (den > 0)
        any_ok = ok.any(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if average == "weighted":
                num = np.sum(counts, axis=0, where=ok)
                total = np.sum(np.broadcast_to(den, counts.shape), axis=0, where=ok)
                self.average = np.where(any_ok, num / total, np.nan)
            else:
                self.average = np.where(any_ok, np.sum(self.rates, axis=0, where=ok) / ok.sum(0), np.nan)
        self.title = "retention" + (f" ({params['segment']} = {segment})" if segment is not None else "")

    @functools.cached_property
    def rates(self) -> np.ndarray:
        """``counts`` over each cell's base (:meth:`_denominators`) where the base is a
        count (> 0) and the cell had begun, NaN elsewhere. Computed when first read: a
        matrix of a log spanning centuries (one 1970 and one 9999 event, yearly: 8,030 x
        8,030 cells) is not divided out cell by cell until someone looks at its rates."""
        den = self._denominators()
        with np.errstate(divide="ignore", invalid="ignore"):
            rates = np.divide(self.counts, den, dtype=np.float64)
        np.copyto(rates, np.nan, where=~((den > 0) & self.observed))
        return rates

    def _denominators(self) -> np.ndarray:
        """The base of each rate: the cohort size (a column, broadcast over the offsets),
        or with ``reference="previous"`` the previous offset's count."""
        sizes = self.sizes[:, None].astype(float)
        if self.params["reference"] == "cohort" or self.counts.shape[1] == 0:
            return sizes
        return np.concatenate([sizes, self.counts[:, :-1].astype(float)], axis=1)

    #: "long": one row per cell (:meth:`to_dict`); "wide": one row per cohort (cohort,
    #: size, then the rate of each offset, named by its label), the matrix as it reads.
    forms = ("long", "wide")

    def table(self, form: str | None = None) -> dict[str, np.ndarray]:
        if form != "wide":
            return super().table(form)
        return {"cohort": self.cohorts, "size": self.sizes, **dict(zip(self.offset_labels, self.rates.T))}

    @property
    def values(self) -> np.ndarray:
        """Alias of :attr:`counts` (reads better for revenue measures)."""
        return self.counts

    @property
    def shape(self) -> tuple[int, int]:
        return self.counts.shape

    def to_dict(self) -> dict[str, np.ndarray]:
        """Long form: one row per cell."""
        k, b = self.counts.shape
        cols: dict[str, np.ndarray] = {
            "cohort": np.repeat(self.cohorts, b),
            "offset": np.tile(self.offsets, k),
            "offset_label": np.tile(np.array(self.offset_labels, dtype=object), k),
            "size": np.repeat(self.sizes, b),
            ("value" if self.measure != "customers" else "count"): self.counts.ravel(),
            "rate": self.rates.ravel(),
            "complete": self.complete.ravel(),
        }
        if self.ci_low is not None:
            cols["ci_low"] = self.ci_low.ravel()
            cols["ci_high"] = self.ci_high.ravel()  # type: ignore[union-attr]
        return cols

    def to_pandas(self, values: str | None = None) -> Any:
        """Long form (one row per cell: cohort, offset, size, count, rate, complete, CI)
        by default; ``values="rates"`` / ``"counts"`` gives the wide matrix with cohort
        rows and offset columns."""
        pd = import_optional("pandas", "export results to pandas")
        if values is None:
            return pd.DataFrame(self.to_dict())
        grid = self._grid(values)
        df = pd.DataFrame(grid, index=pd.Index(self.cohorts, name="cohort"), columns=self.offset_labels)
        df.insert(0, "size", self.sizes)
        return df

    def to_polars(self, values: str | None = None) -> Any:
        """Like :meth:`to_pandas`, as a polars DataFrame."""
        pl = import_optional("polars", "export results to polars")
        if values is None:
            return super().to_polars()
        grid = self._grid(values)
        data = {"cohort": self.cohorts, "size": self.sizes}
        data.update({lab: grid[:, j] for j, lab in enumerate(self.offset_labels)})
        return pl.DataFrame(data)

    def _grid(self, values: str) -> np.ndarray:
        choice("values", values, ("rates", "counts"))
        return self.rates if values == "rates" else self.counts

    # ------------------------------------------------------------------ drill-down
    def customers(self, cohort: int | str, offset: int | str) -> TableResult:
        """The customers counted in one cell: ``cohort`` is a row (index, or label such as
        ``"2024-03"``), ``offset`` a column (index, or label such as ``"1-2"`` for a
        bracket). Works for every semantics of :func:`fidelite.retention`: the kernel that
        built the matrix lists them.

        Columns: ``customer_id`` (ascending), ``entry`` (when the customer entered the
        cohort), ``last_event``, ``events`` and ``revenue`` (with an amount column) from the
        entry up to ``as_of``; for the revenue measures also ``cell_value``, which sums to
        the cell's value. For the customers measure there are exactly ``counts[k, j]`` rows.

        >>> import fidelite
        >>> m = fidelite.retention(fidelite.datasets.demo_shop(500, seed=3).events, period="quarter",
        ...                        criterion="on_or_after", offset0="return")
        >>> bool(len(m.customers(0, 2)) == m.counts[0, 2])
        True
        """
        n_k, n_j = self.counts.shape
        k = self.cohort_labels.index(cohort) if isinstance(cohort, str) and cohort in self.cohort_labels else cohort
        j = self.offset_labels.index(offset) if isinstance(offset, str) and offset in self.offset_labels else offset
        for value, n, labels in ((k, n_k, self.cohort_labels), (j, n_j, self.offset_labels)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < n:
                raise ParameterError(
                    f"cell ({cohort!r}, {offset!r}) is outside the {n_k} x {n_j} matrix: pass a row and a column "
                    f"index, or labels such as {', '.join(map(repr, labels[:3]))}"
                )
        if self.cells is None:
            raise ParameterError(
                "this matrix does not know the events it came from: recompute it with fidelite.retention"
            )
        assert isinstance(k, (int, np.integer)) and isinstance(j, (int, np.integer))
        columns = self.cells.customers(self.segment_code, int(k), int(j))
        title = f"customers of cohort {self.cohort_labels[k]}, offset {self.offset_labels[j]}"
        if self.segment is not None:
            title += f" ({self.params['segment']} = {self.segment})"
        cell = TableResult(
            columns,
            title=title,
            meta={"cohort": self.cohort_labels[k], "offset": int(self.offsets[j]), "tz": self.params.get("tz")},
        )
        return cell.carry(self.native_backend)

    # ------------------------------------------------------------------ display
    @property
    def membership_column(self) -> bool:
        """Whether offset 0 is the cohort itself (100 % by construction: the default
        ``offset0="cohort"`` on customer rates over the cohort size)."""
        p = self.params
        return (
            self.measure == "customers"
            and p.get("offset0") == "cohort"
            and p.get("reference") == "cohort"
            and self.counts.shape[1] > 1
        )

    def scale_top(self) -> float:
        """The top of the colour scale of the table and the heatmap: the largest rate at
        offsets >= 1 when offset 0 is the cohort itself (its 100 % would leave every other
        cell pale), else the largest rate."""
        rates = self.rates[:, 1:] if self.membership_column else self.rates
        finite = rates[np.isfinite(rates)]
        top = float(finite.max()) if finite.size else 1.0
        return top if top > 0 else 1.0

    def _cell_text(self, k: int, j: int) -> str:
        r = self.rates[k, j]
        if math.isnan(r):
            return ""
        return pct(r, fraction=True) if self.measure == "customers" else num(r)

    def _marked(self, k: int, j: int) -> str:
        """The cell's text with ``*`` when incomplete (a space otherwise: units line up)."""
        text = self._cell_text(k, j)
        return text + ("*" if not self.complete[k, j] else " ") if text else ""

    def _average_text(self, j: int) -> str:
        a = self.average[j]
        if math.isnan(a):
            return ""
        return pct(a, fraction=True) if self.measure == "customers" else num(a)

    @property
    def _as_of_text(self) -> str:
        return instant(int(self.as_of.astype(np.int64)), self.params.get("tz"))

    def _scale_note(self) -> str:
        return (
            " Colours are scaled on offsets 1 and later (offset 0 is the cohort itself)."
            if self.membership_column
            else ""
        )

    def to_html(self) -> str:
        k, b = self.counts.shape
        top = self.scale_top()
        head = "<th>cohort</th><th class=num>size</th>" + "".join(
            f"<th>{html.escape(s)}</th>" for s in self.offset_labels
        )
        rows = []
        for i in range(k):
            cells = []
            for j in range(b):
                r = self.rates[i, j]
                done = bool(self.complete[i, j])
                if j == 0 and self.membership_column:
                    css = "background: #eef0f3; color: #333333;"
                else:
                    css = style.cell_css(0.0 if math.isnan(r) else r / top) + ";"
                if not done:
                    css += " font-style: italic; outline: 1px dashed #666666; outline-offset: -2px;"
                title = (
                    f"count {self.counts[i, j]:,}" if self.measure == "customers" else f"value {num(self.counts[i, j])}"
                )
                if self.ci_low is not None and not math.isnan(self.ci_low[i, j]):
                    title += f"; {int(self.ci_level * 100)}% CI {100 * self.ci_low[i, j]:.1f}–{100 * self.ci_high[i, j]:.1f}%"  # type: ignore[operator,index]
                if not done:
                    title += "; incomplete at as_of"
                text = self._cell_text(i, j) + ("*" if not done and self._cell_text(i, j) else "")
                cells.append(
                    f"<td style='{css}' title='{html.escape(title)}' data-cohort='{self.cohort_labels[i]}' data-offset='{j}' "
                    f"data-count='{self.counts[i, j]}' data-rate='{'' if math.isnan(r) else f'{r:.6f}'}' "
                    f"data-complete='{int(done)}'>{text}</td>"
                )
            rows.append(f"<tr><th>{self.cohort_labels[i]}</th><td>{num(self.sizes[i])}</td>{''.join(cells)}</tr>")
        avg = "".join(
            f"<td data-average='{'' if math.isnan(a) else f'{a:.6f}'}'>{self._average_text(j)}</td>"
            for j, a in enumerate(self.average)
        )
        rows.append(f"<tr class='average'><th>average</th><td>{num(int(self.sizes.sum()))}</td>{avg}</tr>")
        p = self.params
        caption = (
            f"{html.escape(self.title)}: {p['period']} cohorts ({p['cohort']}), criterion {p['criterion']}, "
            f"measure {p['measure']}, as of {html.escape(self._as_of_text)}. * incomplete cell (excluded from the "
            f"average).{self._scale_note()}"
        )
        return (
            f"<table class='fidelite-retention' data-rows='{k}' data-cols='{b}'><caption>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def __repr__(self) -> str:
        """Every cohort up to 60 (else the first and last five, with ``…`` between), the
        offsets that fit the terminal (first and last, ``…`` between), the average row and
        the shape, as pandas and polars print a frame."""
        k, b = self.counts.shape
        p = self.params
        header = ["cohort", "size", *self.offset_labels]
        rows = []
        for i in shown_rows(k):
            if i < 0:
                rows.append([ELLIPSIS] * len(header))
                continue
            cells = [self._marked(i, j) for j in range(b)]
            rows.append([self.cohort_labels[i], num(self.sizes[i]), *cells])
        footer = [["average", num(int(self.sizes.sum())), *(self._average_text(j) + " " for j in range(b))]]
        grid = text_grid(header, rows, footer=footer, keep=2, right=[False] + [True] * (b + 1))
        return (
            f"{self.title}: {p['period']} cohorts ({p['cohort']}), criterion {p['criterion']}, measure {self.measure}\n"
            f"as of {self._as_of_text}\n{grid}\n[{k:,} cohorts x {b:,} offsets; * = incomplete at as_of, left out "
            "of the average]"
        )

    def forecast(
        self, model: str = "sbg", *, horizon: int | None = None, pooled: bool = True, ci: float = 0.95
    ) -> RetentionForecast:
        """The matrix completed and extended to offset ``horizon`` (default: its last
        column) by a survival model, ``"sbg"`` (shifted beta-geometric) or ``"bdw"`` (beta
        discrete-Weibull), fitted by maximum likelihood on the complete cells of every
        cohort (one set of parameters, the default: young cohorts have too few periods of
        their own) or, with ``pooled=False``, on each cohort with enough periods.

        A cohort is projected from its last complete cell L: rate(t) = rate(L) x S(t) / S(L),
        with a ``ci`` interval by the delta method. Needs unbounded retention:
        ``fidelite.retention(data, criterion="on_or_after")``, one column per offset.

        >>> import fidelite
        >>> shop = fidelite.datasets.load("shop")  # doctest: +SKIP
        >>> fidelite.retention(shop.events, criterion="on_or_after").forecast(horizon=24)  # doctest: +SKIP
        """
        return forecast_matrix(self, model, horizon=horizon, pooled=pooled, ci=ci)

    def plot(self, ax: Any = None) -> Any:
        """A heatmap of the rates (matplotlib, :mod:`fidelite.results.style`), its colour
        scale set on offsets >= 1; incomplete cells hatched and greyed (explained in the
        legend); at most 24 labels per axis. Returns the Axes."""
        k, b = self.counts.shape
        ax = style.axes(ax, (min(2 + 0.5 * b, 16), min(1.5 + 0.3 * k, 12)))
        if self.counts.size == 0:  # no cohort before as_of: an empty, labelled frame
            ax.set_title(self.title)
            ax.text(0.5, 0.5, f"no cohort at as_of {self.as_of}", ha="center", va="center", transform=ax.transAxes)
            return style.finish(ax)
        shown = np.where(self.complete, self.rates, np.nan)
        # the colour scale is set on offsets >= 1: offset 0 (100 % by definition) would
        # make every other cell pale; it shows at the top of the scale
        later = shown[:, 1:]
        top = float(np.nanmax(later)) if np.isfinite(later).any() else float(np.nanmax(shown, initial=0.0))
        top = top if top > 0 else 1.0
        im = ax.imshow(shown, aspect="auto", cmap=style.cmap(), interpolation="nearest", vmin=0.0, vmax=top)
        partial = np.where(~self.complete, 1.0, np.nan)
        if (~self.complete).any():
            from matplotlib.colors import ListedColormap
            from matplotlib.patches import Rectangle

            ax.imshow(partial, aspect="auto", cmap=ListedColormap([style.INCOMPLETE]), interpolation="nearest")
            for i, j in zip(*np.nonzero(~self.complete)):
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch=style.HATCH, ec=style.NEUTRAL, lw=0))
            handle = style.incomplete_handle()
            handle.set_facecolor(style.INCOMPLETE)
            handle.set_label("incomplete at as_of (not in the average)")
            ax.legend(handles=[handle], loc="upper right")
        style.ticks(ax, list(self.offset_labels))
        style.ticks(ax, list(self.cohort_labels), axis="y")
        ax.set_xlabel(f"offset ({self.params.get('offset_period', self.params['period'])}s)")
        ax.set_ylabel("cohort")
        ax.set_title(self.title)
        ax.figure.colorbar(
            im,
            ax=ax,
            extend="max",
            label=("rate" if self.measure == "customers" else "per cohort member") + " (scale: offsets >= 1)",
        )
        return style.finish(ax)


class SegmentedRetention(SegmentedResult):
    """One :class:`RetentionMatrix` per segment, on shared axes (the same cohorts and
    offsets), computed in one pass: the :class:`~fidelite.results.SegmentedResult` of
    ``retention(segment=...)``; ``result[key]``, ``.matrices`` (= ``.results``).
    Forms: "long" (one row per segment and cell) and "wide" (one row per segment and
    cohort: size and the rate of each offset), the segment columns first."""

    def __init__(
        self,
        attributes: str | tuple[str, ...],
        matrices: dict[Any, RetentionMatrix],
        *,
        customers: dict[Any, int] | None = None,
        edges: dict[str, list[float]] | None = None,
    ) -> None:
        attrs = (attributes,) if isinstance(attributes, str) else tuple(attributes)
        super().__init__(attrs, matrices, customers=customers, edges=edges, metric="retention")
        #: The segment attribute (its name; the tuple of names for several).
        self.attribute = attrs[0] if len(attrs) == 1 else attrs

    @property
    def matrices(self) -> dict[Any, RetentionMatrix]:
        return self.results

    forms = ("long", "wide")

    def to_dict(self) -> dict[str, np.ndarray]:
        return self.table("long")

    def table(self, form: str | None = None) -> dict[str, np.ndarray]:
        return super().table(form or "long")
