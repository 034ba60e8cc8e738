"""fidelite against pandas / polars / DuckDB / lifetimes on the same in-memory data (the
README's Performance section says what is measured and why). Run by ``make bench``
(``BENCH_ARGS="--customers 100000"``).

For each query: our time end to end (EventLog built from the numpy columns, ids
factorised, then the query), on a prepared EventLog (built and grouped beforehand, the
query only, nothing derived cached yet), warm (the same query again on that log), and each
peer's time on frames built before timing; every peer's result is checked equal to ours
before its time counts (a mismatch aborts, exit status 1). Then every query end to end from pandas / polars / pyarrow frames for each kind of customer
id (dense and wide ints, "C-%08d" and UUID strings, categoricals; ``--ids``, ``--frames``
pick some; see id_kinds.py), linear growth (the cohort matrix at N/10 and N customers),
the peak memory of building the EventLog (fresh process, RSS), and where the end-to-end
time goes, stage by stage.

    .venv/bin/python tests/benchmarks/bench.py --customers 1000000 --repeat 3 --json out.json
    make bench BENCH_ARGS="--ids string,uuid --frames polars --skip variants,explorer"
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import fidelite
from fidelite import _core

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import id_kinds
from queries import QUERIES, Frames, Query, compare
from stages import breakdown, primitives

TARGET_E2E = 5.0  # fastest peer / ours, end to end
TARGET_PREPARED = 20.0  # fastest peer / ours, on a prepared EventLog
TARGET_GROWTH = 1.1  # (time ratio / event ratio) for 10x the customers
SECTIONS = ("queries", "ids", "variants", "growth", "memory", "stages", "explorer", "predict")


class Mismatch(SystemExit):
    pass


# ------------------------------------------------------------------------------- context


def machine() -> dict[str, Any]:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(next(line.split()[1] for line in f if line.startswith("MemTotal"))) * 1024
    except (OSError, StopIteration):
        pass
    versions = {"python": platform.python_version(), "numpy": np.__version__, "fidelite": fidelite.__version__}
    for name in ("pandas", "polars", "duckdb", "pyarrow", "lifetimes"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = "not installed"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_bytes": mem,
        "load_average": os.getloadavg(),
        "fidelite_build": getattr(_core, "build_profile", "?"),
        "versions": versions,
    }


def print_machine(m: dict[str, Any]) -> None:
    v = m["versions"]
    print(
        f"machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), "
        f"{m['memory_bytes'] / 2**30:.1f} GiB RAM, load average {' '.join(f'{x:.2f}' for x in m['load_average'])}"
    )
    print(
        f"fidelite {v['fidelite']} ({m['fidelite_build']} build); "
        + ", ".join(f"{k} {v[k]}" for k in v if k != "fidelite")
    )


def event_data(n_customers: int, seed: int, columns: set[str]) -> dict[str, np.ndarray]:
    """The demo shop's event columns (only ``columns``), as numpy arrays."""
    events = fidelite.datasets.demo_shop(n_customers, seed=seed, frame="numpy").events
    data: dict[str, np.ndarray] = {
        k: np.ascontiguousarray(events[k]) for k in ("customer_id", "timestamp", "amount", "event") if k in columns
    }
    del events
    gc.collect()
    return data


def describe(data: dict[str, np.ndarray], n_customers: int) -> dict[str, Any]:
    ids, ts = data["customer_id"], data["timestamp"]
    return {
        "customers_requested": n_customers,
        "events": len(ids),
        "customers_with_events": int(len(np.unique(ids))),
        "id_range": [int(ids.min()), int(ids.max())],
        "first": str(ts.min()),
        "last": str(ts.max()),
        "input_bytes": {k: int(v.nbytes) for k, v in data.items()},
    }


def print_data(d: dict[str, Any]) -> None:
    cols = ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in d["input_bytes"].items())
    print(
        f"data: demo_shop({d['customers_requested']:,}): {d['events']:,} events, {d['customers_with_events']:,} customers "
        f"with events (ids {d['id_range'][0]:,}..{d['id_range'][1]:,}, unsorted), {d['first'][:10]} .. {d['last'][:10]}; "
        f"input columns {cols}"
    )


# ------------------------------------------------------------------------------- queries


Contender = Callable[[], Any] | tuple[Callable[[], Any], Callable[[Any], Any]]


def interleaved(
    contenders: dict[str, Contender],
    repeat: int,
    check: Callable[[str, Any], None],
    cpu: dict[str, float] | None = None,
) -> dict[str, float]:
    """Best of ``repeat`` wall-clock seconds per contender, the contenders taking turns
    within each round (so that a burst of load on the shared machine hits all of them
    alike). A contender is ``fn`` or ``(setup, fn)``: ``setup()`` runs untimed before each
    timed ``fn(setup())``. ``check(name, result)`` runs on each first result (it raises on
    a mismatch); ``cpu`` receives the best process CPU seconds (all threads)."""
    best = {name: float("inf") for name in contenders}
    best_cpu = {name: float("inf") for name in contenders}
    for round_ in range(repeat):
        for name, contender in contenders.items():
            if isinstance(contender, tuple):
                setup, fn = contender
                arg = setup()
                run: Callable[[], Any] = functools.partial(fn, arg)
            else:
                run = contender
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            out = run()
            best[name] = min(best[name], time.perf_counter() - t0)
            best_cpu[name] = min(best_cpu[name], time.process_time() - c0)
            if round_ == 0:
                check(name, out)
            del out, run
    if cpu is not None:
        cpu.update(best_cpu)
    return best


def prepared_log(cols: dict[str, np.ndarray]) -> Any:
    """An EventLog built and grouped by customer (``prepare()``, when the log groups lazily),
    with no derived structure cached yet."""
    log = fidelite.EventLog(cols)
    prepare = getattr(log, "prepare", None)
    return prepare() if prepare is not None else log


def run_query(
    q: Query,
    data: dict[str, np.ndarray],
    frames: Frames,
    logs: dict[tuple[str, ...], Any],
    repeat: int,
    peers: list[str] | None,
) -> dict[str, Any]:
    """Times ours end to end, on a prepared log (cold: nothing derived cached on it yet;
    warm: the same query already ran on it, as when the explorer repeats one) and every
    peer; checks every result against ours."""
    cols = {c: data[c] for c in q.columns}
    if q.columns not in logs:
        logs[q.columns] = prepared_log(cols)
    log = logs[q.columns]
    ours = q.canon(q.ours(log))  # the reference every timed result is checked against; warms the log
    chosen = {name: p for name, p in q.peers.items() if peers is None or name in peers}
    contenders: dict[str, Contender] = {
        "ours_e2e": lambda: q.ours(fidelite.EventLog(cols)),
        "ours_prepared": (lambda: prepared_log(cols), q.ours),
        "ours_warm": lambda: q.ours(log),
    }
    for name, peer in chosen.items():
        contenders[name] = functools.partial(peer.run, frames)

    def check(name: str, result: Any) -> None:
        if name.startswith("ours_"):
            diff = compare(ours, q.canon(result))
            if diff:
                raise Mismatch(f"MISMATCH in {q.name}: our {name} result differs from the prepared one: {diff}")
            return
        peer = chosen[name]
        try:
            theirs = peer.canon(result, ours)
        except Exception as exc:  # a peer output we cannot read is a mismatch too
            raise Mismatch(f"MISMATCH in {q.name}: cannot read the {name} result: {exc!r}") from exc
        diff = compare(ours, theirs, peer.checks)
        if diff:
            raise Mismatch(f"MISMATCH in {q.name}: {name} disagrees with fidelite: {diff}")

    cpu: dict[str, float] = {}
    load = os.getloadavg()[0]
    best = interleaved(contenders, repeat, check, cpu)
    e2e, prepared, warm = best.pop("ours_e2e"), best.pop("ours_prepared"), best.pop("ours_warm")
    out: dict[str, Any] = {
        "title": q.title,
        "columns": list(q.columns),
        "ours_e2e": e2e,
        "ours_prepared": prepared,
        "ours_warm": warm,
        "peers": best,
        "cpu_seconds": cpu,
        "load_average_1min": [load, os.getloadavg()[0]],
    }
    notes = {name: p.note for name, p in chosen.items() if p.note}
    if notes:
        out["notes"] = notes
    if best:
        fastest = min(best, key=best.__getitem__)
        t = best[fastest]
        out.update(
            fastest_peer=fastest,
            ratio_e2e=t / e2e,
            ratio_prepared=t / prepared,
            ratio_warm=t / warm,
            met_e2e=t / e2e >= TARGET_E2E,
            met_prepared=t / prepared >= TARGET_PREPARED,
            met_warm=t / warm >= TARGET_PREPARED,
        )
    return out


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def verdict(ratio: float, met: bool) -> str:
    return f"{ratio:.1f}x {'met' if met else 'NOT met'}"


def print_table(results: dict[str, dict[str, Any]], peer_names: list[str]) -> None:
    head = ["query", "ours e2e", "prepared", "warm", *peer_names, "peer/ours e2e", "peer/prepared", "peer/warm"]
    rows = []
    for name, r in results.items():
        row = [
            name,
            fmt_s(r["ours_e2e"]),
            fmt_s(r["ours_prepared"]),
            fmt_s(r["ours_warm"]),
            *[fmt_s(r["peers"].get(p)) for p in peer_names],
        ]
        if "fastest_peer" in r:
            row += [
                verdict(r["ratio_e2e"], r["met_e2e"]),
                verdict(r["ratio_prepared"], r["met_prepared"]),
                verdict(r["ratio_warm"], r["met_warm"]),
            ]
        else:
            row += ["no peer"] * 3
        rows.append(row)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(
        str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
    )
    print(line(head))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    print(
        f"ours e2e: EventLog built from the numpy columns + the query; prepared: the query on a log built and grouped\n"
        f"beforehand, nothing derived cached yet; warm: the same query again on a log it already ran on (derived\n"
        f"structures cached, as in the explorer). peer/x = fastest peer time / our time. Targets: >= {TARGET_E2E:g}x end\n"
        f"to end, >= {TARGET_PREPARED:g}x prepared. Every peer result was checked equal to ours before its time counted."
    )
    for name, r in results.items():
        if "fastest_peer" in r:
            print(
                f"  {name}: fastest peer {r['fastest_peer']} {fmt_s(r['peers'][r['fastest_peer']])}; "
                f"end to end {verdict(r['ratio_e2e'], r['met_e2e'])}, prepared {verdict(r['ratio_prepared'], r['met_prepared'])} "
                f"(warm {verdict(r['ratio_warm'], r['met_warm'])})"
            )
        for peer, note in r.get("notes", {}).items():
            print(f"    note on {peer}: {note}")
    print("process CPU seconds (all threads; steadier than wall time when the machine is loaded):")
    for name, r in results.items():
        c = r["cpu_seconds"]
        print(
            f"  {name}: ours e2e {c['ours_e2e']:.3f}, prepared {c['ours_prepared']:.3f}, warm {c['ours_warm']:.3f}; "
            + ", ".join(f"{p} {c[p]:.3f}" for p in peer_names if p in c)
        )


# ------------------------------------------------------------------------------- growth / memory


def growth(n_customers: int, seed: int, data: dict[str, np.ndarray], repeat: int) -> dict[str, Any]:
    """The cohort matrix end to end at N/10 and N customers."""
    small = event_data(max(n_customers // 10, 1), seed, {"customer_id", "timestamp"})
    run: Callable[[dict[str, np.ndarray]], Callable[[], Any]] = lambda cols: (
        lambda: fidelite.retention(fidelite.EventLog(cols), period="month")
    )
    big_cols = {k: data[k] for k in ("customer_id", "timestamp")}
    times = interleaved({"small": run(small), "big": run(big_cols)}, repeat, lambda name, out: None)
    t_small, t_big = times["small"], times["big"]
    e_small, e_big = len(small["customer_id"]), len(big_cols["customer_id"])
    per_10x = (t_big / t_small) / (e_big / e_small)
    return {
        "customers": [max(n_customers // 10, 1), n_customers],
        "events": [e_small, e_big],
        "seconds": [t_small, t_big],
        "time_ratio": t_big / t_small,
        "event_ratio": e_big / e_small,
        "normalised": per_10x,
        "met": per_10x <= TARGET_GROWTH,
    }


def memory(data: dict[str, np.ndarray], columns: list[tuple[str, ...]]) -> list[dict[str, Any]]:
    """Peak RSS growth of building the EventLog, in a fresh process per column set."""
    out = []
    with tempfile.TemporaryDirectory(prefix="fidelite-bench-") as folder:
        for name in {c for cols in columns for c in cols}:
            np.save(os.path.join(folder, f"{name}.npy"), data[name])
        for cols in columns:
            proc = subprocess.run(
                [sys.executable, str(HERE / "memory_probe.py"), folder, *cols],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(f"memory probe failed ({proc.returncode}):\n{proc.stderr}")
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            r["columns"] = list(cols)
            r["ratio"] = r["build_peak_extra"] / r["input_bytes"]
            r["met"] = r["ratio"] <= 1.0
            out.append(r)
    return out


def mib(b: int) -> str:
    return f"{b / 2**20:,.0f} MiB"


# ------------------------------------------------------------------------------- variants

#: Retention variants of issue "Retention analysis, complete", each against the basic
#: monthly matrix (target: within 2x), end to end and on a prepared log with nothing cached.
VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("basic: month, first, on", {}),
    ("week, week_start=sunday, tz=Europe/Paris", {"period": "week", "week_start": "sunday", "tz": "Europe/Paris"}),
    ("quarter", {"period": "quarter"}),
    ("window=rolling (30 d)", {"window": "rolling"}),
    ("criterion=on_or_after", {"criterion": "on_or_after"}),
    ("criterion=streak", {"criterion": "streak"}),
    ("brackets=[1, 2, 3, 6]", {"brackets": [1, 2, 3, 6]}),
    ("offset0=return", {"offset0": "return"}),
    ("cohort=recurring", {"cohort": "recurring"}),
    ("measure=revenue", {"measure": "revenue"}),
    ("measure=cumulative_revenue", {"measure": "cumulative_revenue"}),
    ("reference=previous, ci=0.95, average=simple", {"reference": "previous", "ci": 0.95, "average": "simple"}),
    ("as_of=2025-06-30", {"as_of": "2025-06-30"}),
)


def variants(data: dict[str, np.ndarray], repeat: int) -> dict[str, dict[str, float]]:
    cols = {k: data[k] for k in ("customer_id", "timestamp", "amount")}
    prepared = fidelite.EventLog(cols).prepare()

    def e2e(kw: dict[str, Any]) -> float:
        return best(lambda: fidelite.retention(fidelite.EventLog(cols), **kw), repeat)

    def warm_free(kw: dict[str, Any]) -> float:
        def run() -> None:
            prepared.cache.clear()  # nothing derived is reused: every query recomputes
            fidelite.retention(prepared, **kw)

        return best(run, repeat)

    out: dict[str, dict[str, float]] = {}
    for label, kw in VARIANTS:
        out[label] = {"e2e": e2e(kw), "prepared": warm_free(kw)}
    base = out[VARIANTS[0][0]]
    print("\nretention variants (ours only; target: each within 2x of the basic matrix, same mode):")
    print(f"  {'variant':<46} {'e2e':>9} {'x basic':>8} {'prepared':>9} {'x basic':>8}")
    for label, t in out.items():
        re, rp = t["e2e"] / base["e2e"], t["prepared"] / base["prepared"]
        t.update(e2e_ratio=re, prepared_ratio=rp)
        print(
            f"  {label:<46} {fmt_s(t['e2e']):>9} {re:7.2f}x{'' if re <= 2 else '!':1} "
            f"{fmt_s(t['prepared']):>9} {rp:7.2f}x{'' if rp <= 2 else '!':1}"
        )
    worst_e, worst_p = max(t["e2e_ratio"] for t in out.values()), max(t["prepared_ratio"] for t in out.values())
    print(
        f"  worst: {worst_e:.2f}x end to end ({'met' if worst_e <= 2 else 'NOT met'}), "
        f"{worst_p:.2f}x prepared ({'met' if worst_p <= 2 else 'NOT met'}) ('!' marks a variant over 2x)"
    )
    return out


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


# ------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--customers", type=int, default=1_000_000, help="demo_shop customers (default 1,000,000: ~11-12 M events)"
    )
    p.add_argument("--repeat", type=int, default=3, help="best of R timings (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--queries",
        default=",".join(q.name for q in QUERIES),
        help=f"comma-separated, from {', '.join(q.name for q in QUERIES)}",
    )
    p.add_argument("--peers", default=None, help="comma-separated peer names (default: every peer of each query)")
    p.add_argument("--skip", default="", help=f"comma-separated sections to skip: {', '.join(SECTIONS)}")
    p.add_argument(
        "--ids",
        default=",".join(id_kinds.ID_KINDS),
        help=f"id kinds of the 'ids' section, comma-separated, from {', '.join(id_kinds.ID_KINDS)}",
    )
    p.add_argument(
        "--frames",
        default=",".join(id_kinds.FRAME_KINDS),
        help=f"frames of the 'ids' section, comma-separated, from {', '.join(id_kinds.FRAME_KINDS)}",
    )
    p.add_argument("--json", dest="json_out", default=None, help="also write the numbers to this JSON file")
    a = p.parse_args(argv)
    if a.customers < 10 or a.repeat < 1:
        p.error("--customers must be >= 10 and --repeat >= 1")
    known = {q.name: q for q in QUERIES}
    wanted = [s.strip() for s in a.queries.split(",") if s.strip()]
    unknown = [w for w in wanted if w not in known]
    if unknown:
        p.error(f"unknown queries {unknown}; choose from {list(known)}")
    skip = {s.strip() for s in a.skip.split(",") if s.strip()}
    if skip - set(SECTIONS):
        p.error(f"unknown sections to skip {sorted(skip - set(SECTIONS))}; choose from {SECTIONS}")
    peer_filter = [s.strip() for s in a.peers.split(",")] if a.peers else None
    id_kinds_wanted = [s.strip() for s in a.ids.split(",") if s.strip()]
    frames_wanted = [s.strip() for s in a.frames.split(",") if s.strip()]
    if set(id_kinds_wanted) - set(id_kinds.ID_KINDS) or not id_kinds_wanted:
        p.error(f"--ids: choose from {id_kinds.ID_KINDS}")
    if set(frames_wanted) - set(id_kinds.FRAME_KINDS) or not frames_wanted:
        p.error(f"--frames: choose from {id_kinds.FRAME_KINDS}")

    report: dict[str, Any] = {"machine": machine(), "args": vars(a)}
    print_machine(report["machine"])
    busy = report["machine"]["load_average"][0]
    if busy > 0.5 * report["machine"]["usable_cores"]:
        print(
            f"warning: the machine is busy (1-min load {busy:.1f} on {report['machine']['usable_cores']} cores): "
            "timings will be noisy; ratios within a round hold better than seconds"
        )
    queries: list[Query] = []
    for w in wanted:
        why = known[w].missing()
        if why:
            print(f"note: skipping {w}: {why}")
            report.setdefault("skipped", {})[w] = why
        else:
            queries.append(known[w])
    columns = {"customer_id", "timestamp", "amount"} | {c for q in queries for c in q.columns}
    t0 = time.perf_counter()
    data = event_data(a.customers, a.seed, columns)
    report["data"] = describe(data, a.customers)
    print_data(report["data"])
    print(
        f"(generated in {time.perf_counter() - t0:.1f} s; every time below is the best of {a.repeat}, "
        "the contenders of a query taking turns in each round)\n"
    )

    if "queries" not in skip and queries:
        frames = Frames(data)
        kinds = {
            peer.frame for q in queries for name, peer in q.peers.items() if peer_filter is None or name in peer_filter
        }
        frames.prepare(kinds)  # the user already has these: built before any timing
        logs: dict[tuple[str, ...], Any] = {}
        results: dict[str, dict[str, Any]] = {}
        for q in queries:
            print(f"running {q.name} ({q.title}) ...", flush=True)
            results[q.name] = run_query(q, data, frames, logs, a.repeat, peer_filter)
        del logs, frames
        gc.collect()
        peer_names = [
            n for n in ("pandas", "polars", "duckdb", "lifetimes") if any(n in r["peers"] for r in results.values())
        ]
        peer_names += sorted({n for r in results.values() for n in r["peers"]} - set(peer_names))
        print()
        print_table(results, peer_names)
        report["queries"] = results

    if "ids" not in skip and queries:
        print("\nid kinds x frames ...", flush=True)
        report["ids"] = id_kinds.run(
            data,
            queries,
            id_kinds_wanted,
            frames_wanted,
            a.repeat,
            peer_filter,
            interleaved,
            compare,
            Mismatch,
            memory="memory" not in skip,
        )
        id_kinds.print_results(report["ids"], frames_wanted, TARGET_E2E)

    if "variants" not in skip and "amount" in data:
        report["variants"] = variants(data, a.repeat)

    if "growth" not in skip:
        g = growth(a.customers, a.seed, data, a.repeat)
        report["growth"] = g
        print(
            f"\nlinear growth (cohort matrix end to end): {g['customers'][0]:,} -> {g['customers'][1]:,} customers, "
            f"{g['events'][0]:,} -> {g['events'][1]:,} events ({g['event_ratio']:.2f}x), "
            f"{fmt_s(g['seconds'][0])} -> {fmt_s(g['seconds'][1])} ({g['time_ratio']:.2f}x): "
            f"{g['normalised']:.2f}x per event-scaled 10x (target <= {TARGET_GROWTH}x) {'met' if g['met'] else 'NOT met'}"
        )

    if "memory" not in skip:
        sets: list[tuple[str, ...]] = [("customer_id", "timestamp")]
        if "amount" in data:
            sets.append(("customer_id", "timestamp", "amount"))
        report["memory"] = memory(data, sets)
        print("\npeak memory of building the EventLog (fresh process, RSS growth over the loaded input columns):")
        for r in report["memory"]:
            note = "" if r["peak_reset"] else " (peak RSS could not be reset: an upper bound)"
            print(
                f"  columns {', '.join(r['columns'])}: input {mib(r['input_bytes'])}, build peak +{mib(r['build_peak_extra'])} "
                f"({r['ratio']:.2f}x input; target <= 1x) {'met' if r['met'] else 'NOT met'}; the built log keeps "
                f"+{mib(r['log_resident_extra'])}; build + cohort matrix peak +{mib(r['build_and_cohort_peak_extra'])}{note}"
            )

    if "stages" not in skip:
        base = {k: data[k] for k in ("customer_id", "timestamp")}
        print("\nbuilding blocks of an EventLog, each alone (best of R):")
        rows = primitives(base, a.repeat, data.get("amount"))
        report["primitives"] = dict(rows)
        for name, seconds in rows:
            print(f"  {name:<70} {seconds * 1000:8.1f} ms")
        report["breakdown"] = {}
        for q in queries:
            cols = {c: data[c] for c in q.columns}
            total, top = breakdown(q.ours, cols, a.repeat)
            report["breakdown"][q.name] = {"seconds": total, "top": top}
            print(
                f"\nwhere {q.name} end to end goes (cProfile, mean of {a.repeat} runs: {fmt_s(total)} per run, "
                "own time per function; profiling adds a little):"
            )
            for name, calls, own in top:
                print(
                    f"  {own * 1000:8.1f} ms {100 * own / total:5.1f}%  {name} ({calls:g} call{'s' if calls != 1 else ''})"
                )

    if "predict" not in skip:
        from models_bench import predict_section

        print("\npredict: the models' summary and fits against lifetimes and PyMC-Marketing ...", flush=True)
        predict_peers = {"lifetimes", "pymc"} if peer_filter is None else {"lifetimes", "pymc"} & set(peer_filter)
        report["predict"] = predict_section(data, a.repeat, predict_peers)

    if "explorer" not in skip:
        from explorer_bench import explorer_bench

        del data
        gc.collect()
        shop = fidelite.datasets.demo_shop(a.customers, seed=a.seed)
        log = fidelite.EventLog(shop.events).prepare()
        print(
            f"\nexplorer on a prepared log ({log.n_events:,} events, every column): time to redraw after a control "
            f"change (median of {a.repeat}; the explorer's own result cache cleared before each change)"
        )
        report["explorer"] = explorer_bench(log, customers=shop.customers, repeat=a.repeat)
        for label, seconds in report["explorer"].items():
            print(f"  {label:<50} {seconds * 1000:9.0f} ms")
        del shop, log

    report["machine"]["load_average_end"] = os.getloadavg()
    print(
        f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"(shared machine: compare ratios within one run, not seconds across runs)"
    )
    if a.json_out:
        Path(a.json_out).write_text(json.dumps(report, indent=2, default=str))
        print(f"numbers written to {a.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
