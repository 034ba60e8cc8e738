"""Cohort retention matrices and lifecycle (METRICS.md, "Cohort retention matrix" and
"Lifecycle"). Thin Python: parse parameters, call one kernel, wrap the arrays."""

from __future__ import annotations

import html
import math
import statistics
from typing import Any, Iterator, Sequence

import numpy as np

from . import _bitmaps, _core, _ingest
from ._calendar import ROLLING_US, Calendar, to_instant
from ._deps import import_optional
from .eventlog import EventLog, RowReport
from .exceptions import MissingTableError, ParameterError
from .results import Result, html_table

CRITERIA = ("on", "on_or_after", "streak")
COHORT_MODES = ("first", "recurring", "signup")
MEASURES = ("customers", "revenue", "cumulative_revenue")
MISSING = "(missing)"


def _check(name: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ParameterError(f"unknown {name} {value!r}: use one of {', '.join(map(repr, allowed))}")


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


class RetentionMatrix(Result):
    """A cohort x offset retention matrix.

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

    def __init__(self, *, counts: np.ndarray, sizes: np.ndarray, complete: np.ndarray, observed: np.ndarray, cohorts: np.ndarray,
                 offsets: np.ndarray, offset_labels: list[str], cohort_labels: list[str], params: dict[str, Any],
                 as_of: int, ci: float | None, average: str, segment: Any = None) -> None:
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
        den = self._denominators()
        with np.errstate(divide="ignore", invalid="ignore"):
            self.rates = np.where((den > 0) & observed, counts / np.maximum(den, 1), np.nan)
        self.observed = observed
        self.ci_level = ci
        self.ci_low = self.ci_high = None
        if ci is not None:
            if self.measure != "customers":
                raise ParameterError("ci= applies to customer rates; it has no meaning for revenue measures")
            self.ci_low, self.ci_high = wilson(counts.astype(float), np.where(observed, den, 0), ci)
        self.average_kind = average
        ok = complete & (den > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if average == "weighted":
                self.average = np.where(ok.any(0), (counts * ok).sum(0) / (den * ok).sum(0), np.nan)
            else:
                self.average = np.where(ok.any(0), np.nansum(np.where(ok, self.rates, 0), 0) / ok.sum(0), np.nan)
        self.title = "retention" + (f" ({params['segment']} = {segment})" if segment is not None else "")

    def _denominators(self) -> np.ndarray:
        sizes = np.broadcast_to(self.sizes[:, None], self.counts.shape).astype(float)
        if self.params["reference"] == "cohort" or self.counts.shape[1] == 0:
            return sizes
        prev = np.concatenate([sizes[:, :1], self.counts[:, :-1].astype(float)], axis=1)
        return prev

    @property
    def values(self) -> np.ndarray:
        """Alias of :attr:`counts` (reads better for revenue measures)."""
        return self.counts

    @property
    def shape(self) -> tuple[int, int]:
        return self.counts.shape  # type: ignore[return-value]

    def _frame(self) -> dict[str, np.ndarray]:
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
            return pd.DataFrame(self._frame())
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
        _check("values", values, ("rates", "counts"))
        return self.rates if values == "rates" else self.counts

    # ------------------------------------------------------------------ display
    def _cell_text(self, k: int, j: int) -> str:
        r = self.rates[k, j]
        if math.isnan(r):
            return ""
        if self.measure != "customers":
            return f"{r:,.2f}"
        return f"{100 * r:.1f}%"

    def _repr_html_(self) -> str:
        k, b = self.counts.shape
        top = np.nanmax(self.rates) if self.rates.size and not np.all(np.isnan(self.rates)) else 1.0
        top = top if top > 0 else 1.0
        head = "<th>cohort</th><th>size</th>" + "".join(f"<th>{html.escape(s)}</th>" for s in self.offset_labels)
        rows = []
        for i in range(k):
            cells = []
            for j in range(b):
                r = self.rates[i, j]
                shade = 0.0 if math.isnan(r) else min(1.0, r / top)
                done = bool(self.complete[i, j])
                style = f"background: rgba(33, 102, 172, {0.08 + 0.82 * shade:.2f}); color: {'#fff' if shade > 0.55 else '#111'};"
                if not done:
                    style += " font-style: italic; outline: 1px dashed #888; outline-offset: -2px;"
                title = f"count {self.counts[i, j]:,}" if self.measure == "customers" else f"value {self.counts[i, j]:,.2f}"
                if self.ci_low is not None and not math.isnan(self.ci_low[i, j]):
                    title += f"; {int(self.ci_level * 100)}% CI {100 * self.ci_low[i, j]:.1f}–{100 * self.ci_high[i, j]:.1f}%"  # type: ignore[operator,index]
                if not done:
                    title += "; incomplete at as_of"
                text = self._cell_text(i, j) + ("*" if not done and self._cell_text(i, j) else "")
                cells.append(
                    f"<td style='{style}' title='{html.escape(title)}' data-cohort='{self.cohort_labels[i]}' data-offset='{j}' "
                    f"data-count='{self.counts[i, j]}' data-rate='{'' if math.isnan(r) else f'{r:.6f}'}' "
                    f"data-complete='{int(done)}'>{text}</td>"
                )
            rows.append(f"<tr><th>{self.cohort_labels[i]}</th><td>{self.sizes[i]:,}</td>{''.join(cells)}</tr>")
        avg = "".join(
            f"<td data-average='{'' if math.isnan(a) else f'{a:.6f}'}'>{'' if math.isnan(a) else (f'{100 * a:.1f}%' if self.measure == 'customers' else f'{a:,.2f}')}</td>"
            for a in self.average
        )
        rows.append(f"<tr class='average'><th>average</th><td>{int(self.sizes.sum()):,}</td>{avg}</tr>")
        p = self.params
        caption = (
            f"{html.escape(self.title)}: {p['period']} cohorts ({p['cohort']}), criterion {p['criterion']}, "
            f"measure {p['measure']}, tz {p['tz']}, as of {self.as_of}. * incomplete cell (excluded from the average)."
        )
        return (
            f"<table class='fidelite-retention' data-rows='{k}' data-cols='{b}'><caption>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def __repr__(self) -> str:
        k, b = self.counts.shape
        show = min(b, 12)
        lines = [f"{self.title}: {k} cohorts x {b} offsets ({self.params['period']}, {self.params['criterion']}, {self.measure})"]
        lines.append("cohort        size  " + " ".join(f"{s:>7}" for s in self.offset_labels[:show]))
        for i in range(min(k, 24)):
            cells = " ".join(f"{self._cell_text(i, j) + ('*' if not self.complete[i, j] else ''):>7}" for j in range(show))
            lines.append(f"{self.cohort_labels[i]:<10} {self.sizes[i]:>7,}  {cells}")
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """A heatmap of the rates (matplotlib); incomplete cells are hatched. Returns the Axes."""
        plt = import_optional("matplotlib.pyplot", "plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(min(2 + 0.5 * self.counts.shape[1], 16), min(1.5 + 0.3 * self.counts.shape[0], 12)))
        if self.counts.size == 0:  # no cohort before as_of: an empty, labelled frame
            ax.set_title(self.title)
            ax.text(0.5, 0.5, f"no cohort at as_of {self.as_of}", ha="center", va="center", transform=ax.transAxes)
            return ax
        shown = np.where(self.complete, self.rates, np.nan)
        im = ax.imshow(shown, aspect="auto", cmap="Blues", interpolation="nearest")
        partial = np.where(~self.complete, self.rates, np.nan)
        ax.imshow(partial, aspect="auto", cmap="Greys", alpha=0.35, interpolation="nearest")
        ax.set_xticks(range(len(self.offset_labels)), self.offset_labels, rotation=90 if len(self.offset_labels) > 24 else 0)
        step = max(1, len(self.cohort_labels) // 24)
        ax.set_yticks(range(0, len(self.cohort_labels), step), self.cohort_labels[::step])
        ax.set_xlabel(f"offset ({self.params['period']}s)")
        ax.set_ylabel("cohort")
        ax.set_title(self.title)
        ax.figure.colorbar(im, ax=ax, label="rate" if self.measure == "customers" else "per cohort member")
        return ax


class SegmentedRetention(Result):
    """One :class:`RetentionMatrix` per segment value, on shared axes; ``result[value]``."""

    def __init__(self, attribute: str, matrices: dict[Any, RetentionMatrix]) -> None:
        self.attribute = attribute
        self.matrices = matrices
        self.title = f"retention by {attribute}"

    @property
    def segments(self) -> list[Any]:
        return list(self.matrices)

    def __getitem__(self, value: Any) -> RetentionMatrix:
        try:
            return self.matrices[value]
        except KeyError:
            raise KeyError(f"no segment {value!r}; segments are {self.segments}") from None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.matrices)

    def __len__(self) -> int:
        return len(self.matrices)

    def items(self) -> Any:
        return self.matrices.items()

    def _frame(self) -> dict[str, np.ndarray]:
        frames = [m._frame() for m in self.matrices.values()]
        out = {self.attribute: np.concatenate([np.full(len(f["cohort"]), v, dtype=object) for v, f in zip(self.matrices, frames)])}
        for col in frames[0]:
            out[col] = np.concatenate([f[col] for f in frames])
        return out

    def _repr_html_(self) -> str:
        return "".join(f"<h4>{html.escape(self.attribute)} = {html.escape(str(v))}</h4>{m._repr_html_()}" for v, m in self.matrices.items())

    def __repr__(self) -> str:
        return "\n\n".join(repr(m) for m in self.matrices.values())


def _segment_codes(log: EventLog, attribute: str, customers_table: Any, customer_col: str,
                   extra_ids: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Segment value per customer code (log customers, then customers-table-only ones)."""
    all_ids = np.concatenate([log.customer_ids, extra_ids]) if len(extra_ids) else log.customer_ids
    values = np.full(len(all_ids), MISSING, dtype=object)
    if customers_table is not None and attribute in customers_table.columns:
        ids, raw = _customer_attribute(log, customers_table, customer_col, attribute)
        pos = np.searchsorted(all_ids[: log.n_customers], ids) if len(ids) else np.zeros(0, int)
        found = (pos < log.n_customers) & (all_ids[np.minimum(pos, max(log.n_customers - 1, 0))] == ids)
        values[pos[found]] = raw[found]
        if len(extra_ids):
            pos2 = np.searchsorted(extra_ids, ids)
            f2 = (pos2 < len(extra_ids)) & (extra_ids[np.minimum(pos2, len(extra_ids) - 1)] == ids)
            values[log.n_customers + pos2[f2]] = raw[f2]
    elif log.has(attribute):
        if attribute not in ("event", "product", "channel"):
            raise ParameterError(f"segment={attribute!r} is numeric; segment by a label column (event, product, channel) or a customers-table attribute")
        labs = np.array(log.labels(attribute) + (MISSING,), dtype=object)
        first = log._cols[attribute][log._indptr[:-1][np.diff(log._indptr) > 0]]
        has_events = np.diff(log._indptr) > 0
        vals = np.full(log.n_customers, MISSING, dtype=object)
        vals[has_events] = labs[np.where(first < 0, len(labs) - 1, first)]
        values[: log.n_customers] = vals
    else:
        where = "the customers table or the event log" if customers_table is not None else "the event log (pass customers= for customer attributes)"
        raise ParameterError(f"segment={attribute!r} is not a column of {where}")
    values[np.equal(values, np.array(None, dtype=object)) | np.not_equal(values, values)] = MISSING  # None, NaN
    # segments in the order of their text, "(missing)" last
    uniq, first, inverse = np.unique(values.astype(str), return_index=True, return_inverse=True)
    order = np.argsort(uniq == MISSING, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank[inverse].astype(np.uint32), [values[first[i]] for i in order]


def _customer_attribute(log: EventLog, table: Any, customer_col: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids in the log's id type, raw values) of one customers-table column."""
    ids_prepared, null = _ingest.id_nulls(table.get(customer_col, "customer"))
    f = _ingest.factorize_ids(ids_prepared, ~null if null.any() else None)
    ids = f.labels[f.codes]
    raw = table.columns[column]
    arr = _ingest._to_arrow(raw)
    vals = np.array(arr.to_pylist(), dtype=object) if arr is not None else np.asarray(raw, dtype=object)
    if null.any():
        vals = vals[~null]
    return _match_id_type(log, ids), vals


def _match_id_type(log: EventLog, ids: np.ndarray) -> np.ndarray:
    if len(ids) == 0:  # an empty (or all-null) id column has no type of its own
        return ids.astype(log.customer_ids.dtype)
    if log.customer_ids.dtype == object and ids.dtype != object:
        raise ParameterError("the customers table has integer ids but the event log has string ids; use one id type")
    if log.customer_ids.dtype != object and ids.dtype == object:
        raise ParameterError("the customers table has string ids but the event log has integer ids; use one id type")
    return ids


def retention(
    data: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str | None = None,
    window: str = "calendar",
    criterion: str = "on",
    brackets: Sequence[int] | None = None,
    offset0: str = "cohort",
    cohort: str = "first",
    customers: Any = None,
    signup: str = "created",
    start_event: str | Sequence[str] | None = None,
    return_event: str | Sequence[str] | None = None,
    measure: str = "customers",
    reference: str = "cohort",
    as_of: Any = None,
    ci: float | None = None,
    segment: str | None = None,
    average: str = "weighted",
    **columns: Any,
) -> RetentionMatrix | SegmentedRetention:
    """Cohort retention matrix (METRICS.md, "Cohort retention matrix").

    ``counts[k, j]`` = distinct customers of cohort ``k`` with a return event at offset
    ``j`` (``criterion="on"``), at ``j`` or later (``"on_or_after"``), or at every offset
    ``1..j`` (``"streak"``). Cohort = period of the first start event (``cohort="first"``),
    every period holding a start event (``"recurring"``), or the period of a customers-table
    date (``"signup"``; customers who never appear in the log count in the size).

    - ``period``/``week_start``/``tz``: calendar periods in local wall time, DST-correct.
    - ``window="rolling"``: offsets are floor((t - t0) / L) from each customer's start
      instant, L = 24 h / 7 d / 30 d for day / week / month; cohorts stay calendar periods.
    - ``offset0="cohort"`` (PostHog): offset 0 is the cohort size; ``"return"``
      (Amplitude, Mixpanel day 0): only returns strictly after the start instant.
    - ``brackets=[w1, w2, ...]``: columns are offset ranges [0, w1), [w1, w1 + w2), ...;
      offsets past the last bracket are ignored.
    - ``measure="revenue"`` sums ``amount`` per cell (from the start event on; with
      ``offset0="return"`` the start instant is excluded); ``"cumulative_revenue"`` is its
      running sum over offsets (historic LTV); rates are then per cohort member.
    - ``reference="previous"`` divides each cell by the previous offset's count.
    - ``as_of`` (default: the latest event): later events are ignored; cells whose last
      offset has not fully elapsed are ``complete=False`` and left out of ``average``.
      A date means the end of that day in ``tz``.
    - ``ci=0.95``: Wilson score interval per rate cell (NaN over an empty base, and where
      a count exceeds its base, which ``reference="previous"`` with ``criterion="on"`` allows).
    - ``segment=``: a customers-table attribute, or an event label column (event, product,
      channel) taken at the customer's first event: one matrix per value.
    - ``average="weighted"`` (by denominators) or ``"simple"`` (mean of cell rates).

    Column keywords (``customer=``, ``time=``, ``amount=``, ``event=``, ...) are those of
    :class:`EventLog`. No horizon cap: offsets run to ``as_of``.

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(2000, seed=1)
    >>> m = fidelite.retention(shop.events, period="quarter")
    >>> bool((m.counts[:, 0] == m.sizes).all())
    True
    """
    _check("window", window, ("calendar", "rolling"))
    _check("criterion", criterion, CRITERIA)
    _check("offset0", offset0, ("cohort", "return"))
    _check("cohort", cohort, COHORT_MODES)
    _check("measure", measure, MEASURES)
    _check("reference", reference, ("cohort", "previous"))
    _check("average", average, ("weighted", "simple"))
    customer_col = columns.get("customer", "customer_id")
    log = EventLog.of(data, tz=tz, **columns)
    tz = tz or log.tz
    cal = Calendar.make(period, tz, week_start)
    if window == "rolling" and period not in ROLLING_US:
        raise ParameterError(f"window='rolling' measures days, weeks (7 d) or months (30 d); period={period!r} has no fixed length")
    as_of_us = log.t_max if as_of is None else to_instant(as_of, tz)
    if brackets is not None:
        brackets = [int(w) for w in brackets]
        if not brackets or min(brackets) < 1:
            raise ParameterError(f"brackets must be a non-empty list of positive widths, got {brackets!r}")

    indptr, extra_ids, signup_us, customers_report = None, np.zeros(0, log.customer_ids.dtype), None, None
    ctable = _ingest.read_table(customers, what="customers table") if customers is not None else None
    if cohort == "signup":
        if ctable is None:
            raise MissingTableError("cohort='signup' needs the customers table: pass customers=<table with customer_id and the signup date>")
        indptr, extra_ids, signup_us, customers_report = _signup_instants(log, ctable, customer_col, signup, tz)

    seg_codes, seg_values = None, [None]
    if segment is not None:
        seg_codes, seg_values = _segment_codes(log, segment, ctable, customer_col, extra_ids)

    common_kw = dict(t_range=(log.t_min, log.t_max), as_of=as_of_us, mode=cohort, criterion=criterion,
                     brackets=brackets, segment=seg_codes, n_segments=len(seg_values), **cal.kw())
    if _bitmap_path(window, measure, offset0, cohort, log, cal, as_of_us):
        p_lo, n_periods, start_bits = _bitmaps.active(log, cal, as_of_us, start_event)
        return_bits = start_bits if return_event == start_event else _bitmaps.active(log, cal, as_of_us, return_event)[2]
        out = _core.cohort_matrix_bitmaps(start_bits, return_bits, p_lo=p_lo, n_periods=n_periods, **common_kw)
    else:
        amount = _amount(log, measure)  # before the layout, which then carries it
        out = _core.cohort_matrix(
            log._indptr if indptr is None else indptr, log._ts, window_us=ROLLING_US[period] if window == "rolling" else 0, offset0=offset0,
            measure=measure, start_mask=log.event_mask(start_event), return_mask=log.event_mask(return_event),
            amount=amount, signup=signup_us, **common_kw,
        )
    grid = out["counts"] if measure == "customers" else out["values"]
    n_cohorts, n_buckets = out["complete"].shape
    days, _ = cal.axis(out["first_period"], n_cohorts)
    cohorts = days[:n_cohorts]
    if brackets is None:
        offsets = np.arange(n_buckets, dtype=np.int64)
        offset_labels = [str(j) for j in offsets]
    else:
        offsets = np.concatenate([[0], np.cumsum(brackets)[:-1]]).astype(np.int64)
        offset_labels = [str(o) if w == 1 else f"{o}-{o + w - 1}" for o, w in zip(offsets, brackets)]
    # cells that had not even begun at as_of show no rate (they are incomplete, too)
    max_off = int(offsets[-1]) if n_buckets else 0
    _, starts = cal.axis(out["first_period"], n_cohorts + max_off + 1)
    if window == "rolling":
        cell_start = starts[:n_cohorts, None] + offsets[None, :] * ROLLING_US[period]
    else:
        cell_start = starts[np.arange(n_cohorts)[:, None] + offsets[None, :]]
    observed = cell_start <= as_of_us
    params = dict(period=period, week_start=cal.week_start, tz=tz, window=window, criterion=criterion, brackets=brackets,
                  offset0=offset0, cohort=cohort, start_event=start_event, return_event=return_event, measure=measure,
                  reference=reference, segment=segment)
    common = dict(complete=out["complete"], observed=observed, cohorts=cohorts, offsets=offsets, offset_labels=offset_labels,
                  cohort_labels=cal.labels(cohorts), params=params, as_of=as_of_us, ci=ci, average=average)
    mats = {v: RetentionMatrix(counts=grid[s], sizes=out["sizes"][s], segment=v, **common) for s, v in enumerate(seg_values)}
    for m in mats.values():
        m.customers_report = customers_report
    if segment is None:
        return mats[None]
    return SegmentedRetention(segment, mats)


def _bitmap_path(window: str, measure: str, offset0: str, cohort: str, log: EventLog, cal: Calendar, as_of_us: int) -> bool:
    """Whether the query only needs *whether* customers were active per calendar period:
    then active-period bitmaps answer it in one pass, without grouping the events."""
    if window != "calendar" or measure != "customers" or offset0 != "cohort" or cohort == "signup":
        return False
    return _bitmaps.affordable(log, cal, as_of_us)


def _amount(log: EventLog, measure: str) -> np.ndarray | None:
    if measure == "customers":
        return None
    if not log.has("amount"):
        raise ParameterError(f"measure={measure!r} needs an amount column: pass amount=<column name>")
    return log._grouped_column("amount")


def _signup_instants(log: EventLog, table: Any, customer_col: str, column: str,
                     tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, RowReport]:
    """Extended indptr (customers-table-only customers as empty runs), their ids, the
    signup instant of every customer (i64 min = none), and the customers table's row
    accounting (rows without an id or a readable signup date are rejected, counted)."""
    ids_prepared, null_id = _ingest.id_nulls(table.get(customer_col, "customer"))
    ts, null_t, bad_t = _ingest.times_us(table.get(column, "signup"), tz)
    keep = ~(null_id | null_t | bad_t)
    rejected = {}
    for why, mask in (("null customer id", null_id), (f"null {column}", null_t & ~null_id),
                      (f"unparseable {column}", bad_t & ~null_id & ~null_t)):
        if mask.any():
            rejected[why] = int(mask.sum())
    report = RowReport(read=len(keep), used=int(keep.sum()), rejected=rejected)
    f = _ingest.factorize_ids(ids_prepared, keep if not keep.all() else None)
    ids = _match_id_type(log, f.labels)
    ts = ts[keep]
    # earliest signup per distinct id
    first = np.full(len(ids), np.iinfo(np.int64).max)
    np.minimum.at(first, f.codes, ts)
    known = log.customer_ids
    pos = np.searchsorted(known, ids)
    in_log = (pos < len(known)) & (known[np.minimum(pos, len(known) - 1)] == ids)
    signup = np.full(log.n_customers, np.iinfo(np.int64).min)
    signup[pos[in_log]] = first[in_log]
    extra_ids = ids[~in_log]
    indptr = np.concatenate([log._indptr, np.full(len(extra_ids), log._indptr[-1])])
    without = int((signup == np.iinfo(np.int64).min).sum())
    if without:
        report.notes["customers of the event log without a signup date (in no cohort)"] = without
    if len(extra_ids):
        report.notes["customers who signed up but have no event"] = len(extra_ids)
    return indptr, extra_ids, np.concatenate([signup, first[~in_log]]), report


# ---------------------------------------------------------------------- lifecycle


class LifecycleResult(Result):
    """Lifecycle counts per period: ``new``, ``returning``, ``resurrected``, ``dormant``
    (a positive count of customers who went dormant), and ``quick_ratio``."""

    def __init__(self, periods: np.ndarray, labels: list[str], counts: dict[str, np.ndarray], complete: np.ndarray,
                 params: dict[str, Any]) -> None:
        self.periods = periods
        self.labels = labels
        self.new = counts["new"]
        self.returning = counts["returning"]
        self.resurrected = counts["resurrected"]
        self.dormant = counts["dormant"]
        self.complete = complete
        self.params = params
        with np.errstate(divide="ignore", invalid="ignore"):
            self.quick_ratio = np.where(self.dormant > 0, (self.new + self.resurrected) / np.maximum(self.dormant, 1), np.nan)
        self.title = f"lifecycle per {params['period']}"

    @property
    def active(self) -> np.ndarray:
        """Customers active in each period (new + returning + resurrected)."""
        return self.new + self.returning + self.resurrected

    def _frame(self) -> dict[str, np.ndarray]:
        return {"period": self.periods, "new": self.new, "returning": self.returning, "resurrected": self.resurrected,
                "dormant": self.dormant, "quick_ratio": self.quick_ratio, "complete": self.complete}

    def _repr_html_(self) -> str:
        cols = self._frame()
        cols = {"period": np.array(self.labels, dtype=object), **{k: v for k, v in cols.items() if k != "period"}}
        return html_table(cols, title=self.title, css="fidelite-table fidelite-lifecycle")

    def plot(self, ax: Any = None) -> Any:
        """Stacked bars per period, dormant drawn below zero (PostHog style). Returns the Axes."""
        plt = import_optional("matplotlib.pyplot", "plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(min(3 + 0.35 * len(self.labels), 16), 4))
        x = np.arange(len(self.labels))
        bottom = np.zeros(len(x))
        for name, colour in (("new", "#2ca02c"), ("returning", "#1f77b4"), ("resurrected", "#ff7f0e")):
            vals = getattr(self, name)
            ax.bar(x, vals, bottom=bottom, label=name, color=colour)
            bottom = bottom + vals
        ax.bar(x, -self.dormant, label="dormant", color="#d62728")
        step = max(1, len(x) // 18)
        ax.set_xticks(x[::step], self.labels[::step], rotation=45, ha="right")
        ax.axhline(0, color="#444", linewidth=0.8)
        ax.set_ylabel("customers")
        ax.set_title(self.title)
        ax.legend(loc="upper left", fontsize="small")
        return ax


def lifecycle(
    data: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str | None = None,
    active_event: str | Sequence[str] | None = None,
    as_of: Any = None,
    **columns: Any,
) -> LifecycleResult:
    """New / returning / resurrected / dormant customers per period, and the quick ratio
    (new + resurrected) / dormant (NaN when nobody went dormant).

    "New" is whole-history (Amplitude): the customer's first active period ever, not
    relative to a query window. ``active_event`` restricts which event types make a
    customer active (default: any event); "new" is then the first period with such an
    event. Periods run from the first active period to the period of ``as_of``; the last
    one is ``complete=False`` unless it had elapsed.

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(2000, seed=1)
    >>> lc = fidelite.lifecycle(shop.events, period="quarter")
    >>> int(lc.new.sum()) == fidelite.EventLog(shop.events).n_customers
    True
    """
    log = EventLog.of(data, tz=tz, **columns)
    tz = tz or log.tz
    cal = Calendar.make(period, tz, week_start)
    as_of_us = log.t_max if as_of is None else to_instant(as_of, tz)
    kw = dict(t_range=(log.t_min, log.t_max), as_of=as_of_us, **cal.kw())
    if _bitmap_path("calendar", "customers", "cohort", "first", log, cal, as_of_us):
        p_lo, n_periods, bits = _bitmaps.active(log, cal, as_of_us, active_event)
        out = _core.lifecycle_bitmaps(bits, p_lo=p_lo, n_periods=n_periods)
    else:
        out = _core.lifecycle(log._indptr, log._ts, mask=log.event_mask(active_event), **kw)
    n = len(out["new"])
    days, starts = cal.axis(out["first_period"], n)
    complete = starts[1:] <= as_of_us + 1
    params = dict(period=period, week_start=cal.week_start, tz=tz, active_event=active_event)
    return LifecycleResult(days[:n], cal.labels(days[:n]), out, complete, params)
