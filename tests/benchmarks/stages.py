"""Where the end-to-end time goes: EventLog construction replayed stage by stage with the
package's own internals (the same calls, in the order ``EventLog.__init__`` makes them),
then the query itself, each stage timed on its own (best of R).

The replay mirrors eventlog.py; ``total`` next to the measured ``EventLog(...)`` time shows
whether it still covers the constructor (a gap means a new stage to add here).
"""

from __future__ import annotations

import gc
import time
from typing import Any, Callable

import numpy as np

import fidelite
from fidelite import _core, _ingest
from fidelite import eventlog as ev


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _reject(reasons: list[tuple[str, np.ndarray]], n: int) -> tuple[np.ndarray, dict[str, int]]:
    rejected_any = np.zeros(n, bool)
    rejected: dict[str, int] = {}
    for why, mask in reasons:
        fresh = mask & ~rejected_any
        count = int(fresh.sum())
        if count:
            rejected[why] = count
            rejected_any |= fresh
    return rejected_any, rejected


def profile(cols: dict[str, np.ndarray], repeat: int, amount: np.ndarray | None = None) -> list[tuple[str, float]]:
    """(stage, best seconds) of building an EventLog from ``cols`` (customer_id, timestamp)
    and running the monthly cohort matrix on it, plus the measured totals; with ``amount``
    also what an amount column adds (reading it, permuting it into grouped order)."""
    rows: list[tuple[str, float]] = []

    def stage(name: str, fn: Callable[[], Any]) -> Any:
        t, out = best_of(fn, repeat)
        rows.append((name, t))
        return out

    table = stage("read_table (wrap the columns)", lambda: _ingest.read_table(cols))
    n = table.n_rows
    ids, null_id = stage("_ingest.id_nulls (ids to int64 + null mask)", lambda: _ingest.id_nulls(table.get("customer_id", "customer")))
    ts, null_t, bad_t = stage("_ingest.times_us (timestamps to int64 us + masks)",
                              lambda: _ingest.times_us(table.get("timestamp", "time"), "UTC"))

    def masks() -> tuple[np.ndarray, dict[str, int]]:
        reasons = [(ev.NULL_ID, null_id), (ev.NULL_TIME, null_t), (ev.BAD_TIME, bad_t)]
        reasons.append((ev.TIME_RANGE, ~(null_t | bad_t) & ((ts < _ingest.MIN_US) | (ts > _ingest.MAX_US))))
        return _reject(reasons, n)

    stage("row checks (range mask, rejection counts)", masks)
    f = stage("_core.factorize_i64 (ids -> dense codes)", lambda: _ingest.factorize_ids(ids, None))
    ts64 = np.ascontiguousarray(ts, np.int64)
    indptr, perm, ts_grouped = stage("_core.group_by_customer (CSR layout)",
                                     lambda: _core.group_by_customer(f.codes, ts64, len(f.labels)))
    stage("t_min / t_max", lambda: (int(ts.min()), int(ts.max())))
    rows.append(("= sum of the build stages", sum(t for _, t in rows)))
    rows.append(("measured: fidelite.EventLog(columns)", best_of(lambda: fidelite.EventLog(cols), repeat)[0]))
    log = fidelite.EventLog(cols)
    kernel_kw = dict(t_range=(log.t_min, log.t_max), as_of=log.t_max, tz="UTC", period="month", week_start=0)
    stage("_core.cohort_matrix (the kernel alone)", lambda: _core.cohort_matrix(log._indptr, log._ts, **kernel_kw))
    stage("fidelite.retention on the prepared log", lambda: fidelite.retention(log, period="month"))
    rows.append(("measured: end to end (EventLog + retention)",
                 best_of(lambda: fidelite.retention(fidelite.EventLog(cols), period="month"), repeat)[0]))
    if amount is not None:
        # What an amount column adds (per-customer summary); not in the sums above.
        def read_amount() -> np.ndarray:
            amt, null_amt = _ingest.floats(amount, "amount")
            np.isinf(amt)
            int(null_amt.sum())
            amt = np.where(null_amt, 0.0, amt)
            int((amt < 0).sum())
            return amt

        amt = stage("(+ amount) _ingest.floats + checks", read_amount)
        stage("(+ amount) column permutation amount[perm]", lambda: amt[perm])
    return rows
