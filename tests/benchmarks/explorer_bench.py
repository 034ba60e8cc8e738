"""How fast the explorer redraws after a control change, on a prepared EventLog.

``explorer_bench(log, customers=...)`` builds the headless ipywidgets explorer on an
already built :class:`fidelite.EventLog` and times, for each control change, what a user
waits for: ``state.set`` (the kernels) plus redrawing the visible tab (HTML, charts). The
state's result cache is cleared before each timed change, so every number is a real
recomputation. Run alone (``python tests/benchmarks/explorer_bench.py --customers 1000000``)
or from bench.py.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable
from typing import Any

import fidelite

#: (label, tab, control, value before, value after): each step changes one control.
STEPS: tuple[tuple[str, int, str, Any, Any], ...] = (
    ("period month -> quarter (retention tab)", 0, "period", "month", "quarter"),
    ("period month -> week (retention tab)", 0, "period", "month", "week"),
    ("criterion on -> on_or_after", 0, "criterion", "on", "on_or_after"),
    ("criterion on -> streak", 0, "criterion", "on", "streak"),
    ("measure customers -> revenue", 0, "measure", "customers", "revenue"),
    ("cohort first -> recurring", 0, "cohort", "first", "recurring"),
    ("segment none -> channel", 0, "segment", "", "channel"),
    ("period month -> quarter (lifecycle & KPI tab)", 1, "period", "month", "quarter"),
)


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def explorer_bench(log: fidelite.EventLog, *, customers: Any = None, repeat: int = 3) -> dict[str, float]:
    """Median seconds per step (see :data:`STEPS`), plus opening each tab and drilling
    into a cell, on the prepared ``log``. Checks each redraw produced what it should."""
    ex = fidelite.explore(log, customers=customers)
    _ = ex.widget  # build the widgets and draw the retention tab once
    out: dict[str, list[float]] = {}

    def record(label: str, seconds: float) -> None:
        out.setdefault(label, []).append(seconds)

    for _ in range(repeat):
        for label, tab, control, before, after in STEPS:
            ex.tabs.selected_index = tab
            ex.controls[control].value = before
            ex.state.cache.clear()
            record(label, _timed(functools.partial(setattr, ex.controls[control], "value", after)))
            assert ex.state.params[control] == (after or None), (label, ex.state.params)
            assert not any(e.value for e in ex.errors), [e.value for e in ex.errors]
            ex.controls[control].value = before
        ex.tabs.selected_index = 0
        for tab, label in ((1, "open lifecycle & KPI tab"), (2, "open customers tab (drill-down, RFM, at-risk)")):
            ex.state.cache.clear()
            ex._dirty.add(tab)
            record(label, _timed(functools.partial(setattr, ex.tabs, "selected_index", tab)))
            ex.tabs.selected_index = 0
        m = ex.state.matrix()
        k = max(0, m.counts.shape[0] - 12)
        ex.state.cache.clear()
        ex.state.matrix()
        ex.state.select(k, 1)
        record("drill-down: customers of one cell", _timed(lambda: ex.state.cell_customers()))
        assert len(ex.state.cell_customers()) == m.counts[k, 1]
    return {label: statistics.median(times) for label, times in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    shop = fidelite.datasets.demo_shop(args.customers, seed=args.seed)
    t = time.perf_counter()
    log = fidelite.EventLog(shop.events)
    print(f"{log!r}: built in {time.perf_counter() - t:.2f} s (not part of the numbers below)")
    for label, seconds in explorer_bench(log, customers=shop.customers, repeat=args.repeat).items():
        print(f"{label:<50} {seconds * 1000:9.0f} ms")


if __name__ == "__main__":
    main()
