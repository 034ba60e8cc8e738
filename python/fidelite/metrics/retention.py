"""Cohort retention matrices (docs/metrics.md, "Cohort retention matrix"): parse the
parameters, call one kernel, wrap the arrays in a :class:`~fidelite.RetentionMatrix`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core
from ..calendar import ROLLING_US
from ..eventlog import Events
from ..exceptions import MissingColumnError, MissingTableError, ParameterError
from ..query import Query, bitmaps, choice, parse, positive_ints, segments, signups
from ..results.retention import RetentionMatrix, SegmentedRetention

CRITERIA = ("on", "on_or_after", "streak")
COHORT_MODES = ("first", "recurring", "signup")
MEASURES = ("customers", "revenue", "cumulative_revenue")


def retention(
    data: Any,
    *,
    period: str = "month",
    week_start: str | int = "monday",
    tz: str | None = None,
    window: str = "calendar",
    offset_period: str | None = None,
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
    segment: str | Sequence[str] | None = None,
    bins: Mapping[str, Any] | None = None,
    average: str = "weighted",
    min_events: int = 1,
    **columns: Any,
) -> RetentionMatrix | SegmentedRetention:
    """Cohort retention matrix (docs/metrics.md, "Cohort retention matrix").

    ``counts[k, j]`` = distinct customers of cohort ``k`` with a return event at offset
    ``j`` (``criterion="on"``), at ``j`` or later (``"on_or_after"``), or at every offset
    ``1..j`` (``"streak"``). Cohort = period of the first start event (``cohort="first"``),
    every period holding a start event (``"recurring"``), or the period of a customers-table
    date (``"signup"``; customers who never appear in the log count in the size).

    - ``period``/``week_start``/``tz``: calendar periods in local wall time, DST-correct;
      ``period="hour"``: elapsed hours cut at the local :00 (docs/metrics.md, "Hour periods").
    - ``window="rolling"``: offsets are floor((t - t0) / L) from each customer's start
      instant, L = 1 h / 24 h / 7 d / 30 d for hour / day / week / month; cohorts stay
      calendar periods.
    - ``offset_period`` (re-bucketing, with ``window="rolling"``): offsets in another
      unit than the cohorts, e.g. ``period="week", window="rolling",
      offset_period="day"``: weekly cohorts, offset j = the (j + 1)-th 24 h since each
      customer's own start (day / week / month = 24 h / 7 d / 30 d). Default: ``period``.
    - ``min_events=N``: a customer counts in a cell only with at least N return events
      in it (in the bracket, with ``brackets``); offset 0 as the cohort size
      (``offset0="cohort"``) is unchanged. Customers measure only.
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
      channel) taken at the customer's first event, or several (``["country", "channel"]``);
      ``bins=`` cuts numeric ones (``{"age": [18, 35]}``, ``{"age": 4}`` for quartiles):
      one matrix per segment, on shared axes, in one pass (docs/segments.md).
    - ``matrix.customers(cohort, offset)`` lists the customers any cell counted, for every
      combination of these parameters (the kernel that built the matrix decides).
    - ``average="weighted"`` (by denominators) or ``"simple"`` (mean of cell rates).

    Column keywords (``customer=``, ``time=``, ``amount=``, ``event=``, ...) are those of
    :class:`EventLog`. No horizon cap: offsets run to ``as_of``.

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(2000, seed=1)
    >>> m = fidelite.retention(shop.events, period="quarter")
    >>> bool((m.counts[:, 0] == m.sizes).all())
    True
    """
    choice("window", window, ("calendar", "rolling"))
    choice("criterion", criterion, CRITERIA)
    choice("offset0", offset0, ("cohort", "return"))
    choice("cohort", cohort, COHORT_MODES)
    choice("measure", measure, MEASURES)
    choice("reference", reference, ("cohort", "previous"))
    choice("average", average, ("weighted", "simple"))
    customer_col = columns.get("customer", "customer_id")
    q = parse(data, columns, metric=retention, tz=tz, as_of=as_of, period=period, week_start=week_start)
    log, cal = q.log, q.calendar
    unit = period if offset_period is None else offset_period
    if window == "rolling" and unit not in ROLLING_US:
        name = "period" if offset_period is None else "offset_period"
        raise ParameterError(
            f"window='rolling' measures days, weeks (7 d) or months (30 d); {name}={unit!r} has no fixed length"
        )
    if offset_period is not None and offset_period != period and window != "rolling":
        raise ParameterError(
            f"offset_period={offset_period!r} re-buckets the offsets of {period} cohorts into fixed lengths from "
            "each customer's start: pass window='rolling' with it"
        )
    if not isinstance(min_events, (int, np.integer)) or isinstance(min_events, bool) or min_events < 1:
        raise ParameterError(f"min_events must be a whole number >= 1 (1 = any return), got {min_events!r}")
    min_events = int(min_events)
    if min_events > 1 and measure != "customers":
        raise ParameterError(
            f"min_events counts customers with at least {min_events} returns in a cell: use measure='customers'"
        )
    if brackets is not None:
        brackets = positive_ints("brackets", brackets)
    if measure != "customers" and not log.has("amount"):
        raise MissingColumnError(f"measure={measure!r} needs an amount column: pass amount=<column name>", "amount")

    extra_ids, signup_us, customers_report = log.no_ids(), None, None
    if cohort == "signup":
        if customers is None:
            raise MissingTableError(
                "cohort='signup' needs the customers table: pass customers=<table with customer_id and the signup date>"
            )
        s = signups(q, customers, customer_col, signup)
        extra_ids, signup_us, customers_report = s.extra_ids, s.signup, s.report

    seg_codes, seg_values = None, [None]
    attrs: tuple[str, ...] = ()
    if segment is not None or bins is not None:
        seg = segments.resolve(segment, bins, log=log, customers=customers, customer=customer_col, extra_ids=extra_ids)
        seg_codes, seg_values, attrs = seg.codes, seg.keys, seg.attributes

    cells = CohortCells(
        q,
        dict(
            window_us=ROLLING_US[unit] if window == "rolling" else 0,
            mode=cohort,
            criterion=criterion,
            offset0=offset0,
            measure=measure,
            brackets=brackets,
            signup=signup_us,
            segment=seg_codes,
            n_segments=len(seg_values),
            min_events=min_events,
        ),
        start_event,
        return_event,
        extra_ids,
    )
    if min_events == 1 and _bitmap_path(window, measure, offset0, cohort, q):
        p_lo, n_periods, start_bits = bitmaps.active(q, start_event)
        return_bits = start_bits if return_event == start_event else bitmaps.active(q, return_event)[2]
        out = _core.cohort_matrix_bitmaps(
            start_bits,
            return_bits,
            q,
            p_lo=p_lo,
            n_periods=n_periods,
            mode=cohort,
            criterion=criterion,
            brackets=brackets,
            segment=seg_codes,
            n_segments=len(seg_values),
        )
    else:
        events, spec = cells.kernel_args()
        out = _core.cohort_matrix(events, q, spec)
    grid = out["counts"] if measure == "customers" else out["values"]
    n_cohorts, n_buckets = out["complete"].shape
    days, _ = cal.axis(out["first_period"], n_cohorts)
    if brackets is None:
        offsets = np.arange(n_buckets, dtype=np.int64)
        offset_labels = [str(j) for j in offsets]
    else:
        offsets = np.concatenate([[0], np.cumsum(brackets)[:-1]]).astype(np.int64)
        offset_labels = [str(o) if w == 1 else f"{o}-{o + w - 1}" for o, w in zip(offsets, brackets)]
    params = dict(
        period=period,
        week_start=cal.week_start,
        tz=q.tz,
        window=window,
        offset_period=unit,
        criterion=criterion,
        brackets=brackets,
        offset0=offset0,
        cohort=cohort,
        start_event=start_event,
        return_event=return_event,
        measure=measure,
        reference=reference,
        segment=segment,
        bins=bins,
        min_events=min_events,
    )
    common = dict(
        complete=out["complete"],
        observed=out["observed"],
        cohorts=days[:n_cohorts],
        offsets=offsets,
        offset_labels=offset_labels,
        cohort_labels=cal.period_labels(out["first_period"], n_cohorts),
        params=params,
        as_of=q.as_of,
        ci=ci,
        average=average,
        cells=cells,
    )
    mats = {
        v: RetentionMatrix(counts=grid[s], sizes=out["sizes"][s], segment=v, segment_code=s, **common)
        for s, v in enumerate(seg_values)
    }
    for m in mats.values():
        m.customers_report = customers_report
    if not attrs:
        return mats[None]
    return SegmentedRetention(attrs, mats, customers=dict(zip(seg_values, seg.counts.tolist())), edges=seg.edges)


def _bitmap_path(window: str, measure: str, offset0: str, cohort: str, q: Query) -> bool:
    """Whether the query only needs *whether* customers were active per calendar period:
    then active-period bitmaps answer it in one pass, without grouping the events."""
    if window != "calendar" or measure != "customers" or offset0 != "cohort" or cohort == "signup":
        return False
    return bitmaps.affordable(q)


@dataclass(frozen=True)
class CohortCells:
    """What the cohort kernel reads for one matrix (the query, the cohort parameters, the
    start and return event types, the customers of a customers table without an event),
    kept by the matrix so that the same kernel lists the members of any of its cells."""

    q: Query
    spec: dict[str, Any]
    start_event: str | Sequence[str] | None
    return_event: str | Sequence[str] | None
    extra_ids: np.ndarray

    def kernel_args(self) -> tuple[Events, dict[str, Any]]:
        """The grouped events (customers of the table without an event as empty runs after
        the log's) and the kernel's spec, masks and amounts included."""
        log = self.q.log
        revenue = self.spec["measure"] != "customers"
        layout = self.q.grouped(columns=("amount",) if revenue else ())
        indptr = layout.indptr
        if len(self.extra_ids):
            indptr = np.concatenate([indptr, np.full(len(self.extra_ids), indptr[-1])])
        events = Events(layout.ts, None, indptr, (), {}, len(indptr) - 1)
        spec = dict(
            self.spec,
            start_mask=log.event_mask(self.start_event),
            return_mask=log.event_mask(self.return_event),
            amount=layout.columns["amount"] if revenue else None,
        )
        return events, spec

    def customers(self, segment: int, cohort: int, bucket: int) -> dict[str, np.ndarray]:
        """The customers counted in cell (``cohort``, ``bucket``) of segment ``segment``:
        ``customer_id`` (ascending), ``entry`` (the instant each entered the cohort),
        ``last_event``, ``events`` and ``revenue`` from the entry up to ``as_of`` (revenue
        when the log has amounts), and ``cell_value`` for the revenue measures (summing to
        the cell's value)."""
        q, log = self.q, self.q.log
        events, spec = self.kernel_args()
        m = _core.cohort_members(events, q, spec, segment_code=segment, cohort=cohort, bucket=bucket)
        codes, entry = m["codes"].astype(np.int64), m["entry"]
        ids = log.customer_ids if not len(self.extra_ids) else np.concatenate([log.customer_ids, self.extra_ids])
        # each member's events from its entry to as_of
        layout = q.grouped()
        in_log = codes < log.n_customers
        starts = np.zeros(len(codes), np.int64)
        ends = np.zeros(len(codes), np.int64)
        starts[in_log] = layout.indptr[codes[in_log]]
        ends[in_log] = layout.indptr[codes[in_log] + 1]
        lens = ends - starts
        owner = np.repeat(np.arange(len(codes)), lens)
        idx = np.arange(int(lens.sum()), dtype=np.int64) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
        t = layout.ts[idx]
        keep = (t >= entry[owner]) & (t <= q.as_of)
        idx, owner, t = idx[keep], owner[keep], t[keep]
        n_events = np.bincount(owner, minlength=len(codes))
        last = np.full(len(codes), np.iinfo(np.int64).min)
        np.maximum.at(last, owner, t)
        order = np.argsort(ids[codes], kind="stable")  # ascending id
        out: dict[str, np.ndarray] = {
            "customer_id": ids[codes][order],
            "entry": entry[order].view("datetime64[us]"),
            "last_event": np.where(n_events > 0, last, np.iinfo(np.int64).min)[order].view("datetime64[us]"),
            "events": n_events[order],
        }
        if log.has("amount"):
            amount = layout.columns["amount"]
            out["revenue"] = np.bincount(owner, weights=amount[idx], minlength=len(codes))[order]
        if spec["measure"] != "customers":
            out["cell_value"] = m["values"][order]
        return out
