"""Where our end-to-end time goes.

Two views, both independent of how eventlog.py and the metric modules happen to chain
their calls today:

- :func:`primitives`: the building blocks of an EventLog timed alone (best of R): reading
  the timestamp column (``io.times_us``), ``_core.factorize_i64``,
  ``_core.group_by_customer``, permuting one float64 column into grouped order, and the
  whole ``EventLog(columns)`` / ``.prepare()``.
- :func:`breakdown`: one end-to-end query (EventLog from the columns, then the query)
  under cProfile, averaged over R runs: every compiled kernel (``_core.*``) and numpy
  call is a line of its own, per calling function; Python functions show their own time
  (array indexing such as ``v[perm]`` counts in the function that does it).
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import fidelite
from fidelite import _core, io


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def primitives(cols: dict[str, np.ndarray], repeat: int, amount: np.ndarray | None = None) -> list[tuple[str, float]]:
    """(building block, best seconds) on ``cols`` (customer_id, timestamp)."""
    rows: list[tuple[str, float]] = []

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t, out = best_of(fn, repeat)
        rows.append((name, t))
        return out

    ids = np.ascontiguousarray(cols["customer_id"], np.int64)
    ts = timed(
        "io.times_us (timestamp column -> int64 us + null masks)", lambda: io.times_us(cols["timestamp"], "UTC")
    )[0]
    codes, uniques = timed("_core.factorize_i64 (ids -> dense codes, ascending)", lambda: _core.factorize_i64(ids))
    ts64 = np.ascontiguousarray(ts, np.int64)
    indptr, perm, _, _ = timed(
        "_core.group_by_customer (CSR layout: indptr, perm, grouped ts)",
        lambda: _core.group_by_customer(codes, ts64, len(uniques)),
    )
    if amount is not None:
        timed("_core.take: one float64 column into grouped order (amount[perm])", lambda: _core.take(amount, perm))
    timed("fidelite.EventLog(columns)", lambda: fidelite.EventLog(cols))
    if hasattr(fidelite.EventLog, "prepare"):
        timed("fidelite.EventLog(columns).prepare() (built and grouped)", lambda: fidelite.EventLog(cols).prepare())
    return rows


def _where(func: tuple[str, int, str]) -> str:
    path, line, name = func
    short = path.split("/python/fidelite/")[-1] if "/python/fidelite/" in path else path.rsplit("/", 1)[-1]
    return f"{name} ({short}:{line})"


def _label(func: tuple[str, int, str]) -> str:
    path, _, name = func
    if path == "~":  # a builtin: C function or method
        return name.replace("<built-in method ", "").replace("<method ", "").rstrip(">")
    if name == "end_to_end":
        return "freeing the EventLog and the result (end_to_end's own time)"
    return f"{_where(func)} own time"


def end_to_end(ours: Callable[[Any], Any], cols: dict[str, np.ndarray]) -> None:
    """One end-to-end run: EventLog from the columns, then the query; what this function
    itself spends is freeing the log and the result."""
    ours(fidelite.EventLog(cols))


def breakdown(
    ours: Callable[[Any], Any], cols: dict[str, np.ndarray], repeat: int, top: int = 12
) -> tuple[float, list[tuple[str, float, float]]]:
    """(mean seconds per run, [(what, calls per run, own seconds per run)]) of
    :func:`end_to_end` under cProfile, the ``top`` entries by own time. Compiled and numpy
    calls are split by calling function (``ufunc.reduce from __init__ (eventlog.py)``)."""
    end_to_end(ours, cols)  # warm imports and module caches (not the data: each run builds a new log)
    prof = cProfile.Profile()
    total = 0.0
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        prof.enable()
        end_to_end(ours, cols)
        prof.disable()
        total += time.perf_counter() - t0
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    rows = []
    for func, (cc, _nc, tt, _ct, callers) in stats.items():
        if func[0] == "~" and callers:
            for caller, (ccc, _cnc, ctt, _cct) in callers.items():
                if caller[0].endswith("_methods.py"):  # ndarray.any() / .sum() / .min() / .max()
                    what = f"numpy ndarray.{caller[2].lstrip('_a') if caller[2] in ('_amin', '_amax') else caller[2].lstrip('_')}() reductions"
                else:
                    what = f"{_label(func)} from {_where(caller)}"
                rows.append((what, ccc / repeat, ctt / repeat))
        else:
            rows.append((_label(func), cc / repeat, tt / repeat))
    rows.sort(key=lambda r: -r[2])
    return total / repeat, rows[:top]
