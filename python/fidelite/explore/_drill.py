"""Drill-down: the customers behind one cell of a retention matrix.

The cohort kernel only returns counts, so the members of a cell are recomputed here,
vectorised over the events of one cohort period (no loop over customers): each member's
cohort entry instant ``t0``, the calendar offset of each of its later events, then the
criterion. The customers listed for cell ``(k, j)`` are exactly those the kernel counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..calendar import Calendar, to_instant
from ..eventlog import EventLog
from ..exceptions import ParameterError
from ..results import TableResult

_NONE = np.iinfo(np.int64).min


def _check_supported(p: dict[str, Any]) -> None:
    unsupported = {
        "window": ("calendar", p.get("window")),
        "brackets": (None, p.get("brackets")),
        "offset0": ("cohort", p.get("offset0")),
        "start_event": (None, p.get("start_event")),
        "return_event": (None, p.get("return_event")),
    }
    bad = [f"{k}={got!r}" for k, (want, got) in unsupported.items() if got != want]
    if bad:
        raise ParameterError(
            f"cell drill-down covers calendar cohorts of all events with offset 0 = the cohort; this matrix has "
            f"{', '.join(bad)}: recompute it with the defaults of those parameters"
        )


def _entries(log: EventLog, mode: str, lo: int, hi: int, as_of: int,
             signup_us: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(customer codes, entry instants t0) of the entries whose cohort period is [lo, hi)."""
    layout = log.grouped()
    ts, indptr = layout.ts, layout.indptr
    if mode == "signup":
        assert signup_us is not None
        sel = (signup_us != _NONE) & (signup_us >= lo) & (signup_us < hi) & (signup_us <= as_of)
        codes = np.flatnonzero(sel)
        return codes, signup_us[codes]
    if mode == "first":
        has = np.flatnonzero(np.diff(indptr) > 0)
        first = ts[indptr[has]]
        sel = (first >= lo) & (first < hi) & (first <= as_of)
        return has[sel], first[sel]
    # recurring: the first event of each customer inside the period
    ev = np.flatnonzero((ts >= lo) & (ts < hi) & (ts <= as_of))
    owner = np.searchsorted(indptr, ev, side="right") - 1
    first = np.ones(len(ev), bool)
    first[1:] = owner[1:] != owner[:-1]
    return owner[first], ts[ev[first]]


def _gather(indptr: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(event indices, position in ``codes`` of their customer) of every event of ``codes``."""
    starts, lens = indptr[codes], indptr[codes + 1] - indptr[codes]
    owner = np.repeat(np.arange(len(codes)), lens)
    before = np.cumsum(lens) - lens
    idx = np.arange(int(lens.sum()), dtype=np.int64) + np.repeat(starts - before, lens)
    return idx, owner


def cell_customers(log: EventLog, matrix: Any, k: int, j: int, *, signup_us: np.ndarray | None = None,
                   extra_ids: np.ndarray | None = None, segment_codes: np.ndarray | None = None,
                   segment_code: int | None = None) -> TableResult:
    """The customers counted in cell ``(k, j)`` of ``matrix`` (computed from ``log``).

    ``signup_us`` / ``extra_ids`` (signup instant per customer, ids of customers-table-only
    customers) are needed for ``cohort="signup"``; ``segment_codes`` / ``segment_code``
    for a segment's matrix. Columns: ``customer_id``, ``entry`` (cohort start instant),
    ``last_event``, ``events`` and ``revenue`` up to ``as_of``; for the revenue measures
    also ``cell_value``, which sums to ``matrix.counts[k, j]``.

    >>> import fidelite
    >>> log = fidelite.EventLog(fidelite.datasets.demo_shop(500, seed=3).events)
    >>> m = fidelite.retention(log, period="quarter")
    >>> bool(len(cell_customers(log, m, 0, 2)) == m.counts[0, 2])
    True
    """
    p = matrix.params
    _check_supported(p)
    n_k, n_j = matrix.counts.shape
    if not (0 <= k < n_k and 0 <= j < n_j):
        raise ParameterError(f"cell ({k}, {j}) is outside the {n_k} x {n_j} matrix")
    mode, criterion, measure = p["cohort"], p["criterion"], p["measure"]
    cal = Calendar.make(p["period"], p["tz"], p["week_start"])
    as_of = int(matrix.as_of.astype(np.int64))
    period0 = int(cal.periods_of(np.array([to_instant(matrix.cohorts[k], cal.tz, end_of_day=False)]))[0])
    _, bounds = cal.axis(period0, 1)
    if mode == "signup" and (signup_us is None or extra_ids is None):
        raise ParameterError("a cohort='signup' matrix needs signup_us= and extra_ids= (see retention._signup_instants)")
    members, t0 = _entries(log, mode, int(bounds[0]), int(bounds[1]), as_of, signup_us)
    if segment_codes is not None:
        keep = segment_codes[members] == segment_code
        members, t0 = members[keep], t0[keep]

    # events of the members from their entry instant to as_of, with their calendar offset
    n = log.n_customers
    in_log = members < n
    layout = log.grouped()
    idx, owner = _gather(layout.indptr, members[in_log])
    owner = np.flatnonzero(in_log)[owner]
    t = layout.ts[idx]
    keep = (t >= t0[owner]) & (t <= as_of)
    idx, owner, t = idx[keep], owner[keep], t[keep]
    offset = cal.periods_of(t) - period0

    m = len(members)
    n_events = np.bincount(owner, minlength=m)
    last = np.full(m, _NONE)
    np.maximum.at(last, owner, t)
    amount = layout.columns.get("amount")
    cols: dict[str, np.ndarray] = {}
    if measure == "customers":
        if j == 0:
            chosen = np.ones(m, bool)
        elif criterion == "on":
            chosen = np.bincount(owner[offset == j], minlength=m) > 0
        elif criterion == "on_or_after":
            chosen = np.bincount(owner[offset >= j], minlength=m) > 0
        else:  # streak: a return at every offset 1..j
            span = (offset >= 1) & (offset <= j)
            pairs = np.unique(owner[span] * np.int64(j + 1) + offset[span])
            chosen = np.bincount(pairs // (j + 1), minlength=m) == j
    else:
        in_cell = offset == j if measure == "revenue" else offset <= j
        assert amount is not None  # the matrix could not have a revenue measure otherwise
        chosen = np.bincount(owner[in_cell], minlength=m) > 0
        cols["cell_value"] = np.bincount(owner[in_cell], weights=amount[idx[in_cell]], minlength=m)

    ids = log.customer_ids if extra_ids is None or not len(extra_ids) else np.concatenate([log.customer_ids, extra_ids])
    order = np.flatnonzero(chosen)
    order = order[np.argsort(ids[members[order]], kind="stable")]
    out: dict[str, np.ndarray] = {
        "customer_id": ids[members[order]],
        "entry": t0[order].view("datetime64[us]"),
        "last_event": np.where(n_events[order] > 0, last[order], np.iinfo(np.int64).min).view("datetime64[us]"),
        "events": n_events[order],
    }
    if amount is not None:
        out["revenue"] = np.bincount(owner, weights=amount[idx], minlength=m)[order]
    out.update({c: v[order] for c, v in cols.items()})
    title = f"customers of cohort {matrix.cohort_labels[k]}, offset {matrix.offset_labels[j]}"
    if matrix.segment is not None:
        title += f" ({p['segment']} = {matrix.segment})"
    return TableResult(out, title=title, meta={"cohort": matrix.cohort_labels[k], "offset": int(matrix.offsets[j])})
