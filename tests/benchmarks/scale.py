"""Past memory and past one machine (issue 14), run by ``make bench-scale`` (not by
``make test``): the monthly cohort matrix plus lifecycle

- out of core, from a Parquet directory of the headline generator at 17 M customers
  (~200 M events): time and peak RSS, against the in-memory path at 1 M customers
  (~11.7 M events) extrapolated linearly;
- on Dask, 11.7 M events on a 2-worker LocalCluster: the overhead over the in-memory path;
- out of core at ~1 M, 10 M and 100 M events: time and peak memory.

Every measurement runs in a fresh process (peak RSS is that process's high-water mark,
workers of a LocalCluster included); the Parquet data is written first, outside the
timing, under ``--work`` (default: a temporary directory), and removed at the end.

    .venv/bin/python tests/benchmarks/scale.py --customers 17000000
    make bench-scale SCALE_ARGS="--customers 2000000 --skip dask"
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import fidelite

EVENTS_PER_CUSTOMER = 11.7  # the headline generator: ~11.7 M events at 1 M customers
CHUNK = 500_000  # customers generated and written per file
DISTINCT = 4  # distinct chunks generated; the others are copies of them with shifted ids
ID_SHIFT = 10**9  # added to the ids of chunk i, i times (the generator's ids stay below it)


def _generate(path: str, n: int, seed: int) -> int:
    """The demo shop's events for ``n`` customers written to ``path`` (one Parquet file);
    the number of events."""
    pa = __import__("pyarrow")
    pq = __import__("pyarrow.parquet", fromlist=["parquet"])
    ev = fidelite.datasets.demo_shop(n, seed=seed, frame="numpy").events
    ids = np.asarray(ev["customer_id"], dtype=np.int64)
    assert ids.max() < ID_SHIFT, "ids of a chunk must stay below ID_SHIFT"
    table = pa.table(
        {
            "customer_id": ids,
            "timestamp": np.asarray(ev["timestamp"]),
            "amount": np.asarray(ev["amount"]),
            "event": np.asarray(ev["event"]),
        }
    )
    pq.write_table(table, path, row_group_size=1 << 20)
    return table.num_rows


def _shifted(source: str, path: str, shift: int) -> int:
    """A copy of the Parquet file ``source`` at ``path``, its ids plus ``shift``."""
    pc = __import__("pyarrow.compute", fromlist=["compute"])
    pq = __import__("pyarrow.parquet", fromlist=["parquet"])
    table = pq.read_table(source)
    ids = pc.add(table.column("customer_id"), shift)
    table = table.set_column(table.schema.get_field_index("customer_id"), "customer_id", ids)
    pq.write_table(table, path, row_group_size=1 << 20)
    return table.num_rows


def write_dataset(root: Path, n_customers: int, bases: Path) -> tuple[int, str]:
    """The demo shop's events for ``n_customers`` as a Parquet directory, one file per
    chunk of :data:`CHUNK` customers, on both cores: the first :data:`DISTINCT` chunks
    generated (once, kept under ``bases`` for the next datasets), every other full chunk a
    copy of one of them with its ids shifted (distinct customers, the same histories), a
    last partial chunk generated. Returns the events written and how they were made."""
    from concurrent.futures import ProcessPoolExecutor

    root.mkdir(parents=True, exist_ok=True)
    bases.mkdir(parents=True, exist_ok=True)
    full, rest = divmod(n_customers, CHUNK)
    base_paths = [bases / f"base-{i}.parquet" for i in range(min(full, DISTINCT))]
    with ProcessPoolExecutor(2) as pool:
        missing = [pool.submit(_generate, str(p), CHUNK, 1000 + i) for i, p in enumerate(base_paths) if not p.exists()]
        last = pool.submit(_generate, str(root / f"part-{full:05d}.parquet"), rest, 2000 + rest) if rest else None
        for f in missing:
            f.result()
        copies = [
            pool.submit(_shifted, str(base_paths[i % DISTINCT]), str(root / f"part-{i:05d}.parquet"), i * ID_SHIFT)
            for i in range(full)
        ]
        total = sum(f.result() for f in copies) + (last.result() if last else 0)
    how = f"{full} chunks of {CHUNK:,} customers, copies of {len(base_paths)} generated ones with shifted ids"
    return total, how + (f", and one of {rest:,} generated" if rest else "")


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM: per address space, so a child does not
    inherit its parent's, as ``ru_maxrss`` does on Linux)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def cpu_seconds() -> float:
    """This process's user + system CPU seconds (its threads included)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(task: str, path: str, memory_limit: str) -> dict[str, Any]:
    """One measurement, in this (fresh) process: seconds, CPU seconds and peak RSS."""
    t0, c0 = time.perf_counter(), cpu_seconds()
    if task == "memory":
        pq = __import__("pyarrow.parquet", fromlist=["parquet"])
        log = fidelite.EventLog(pq.read_table(path))
        m, lc = fidelite.retention(log, period="month"), fidelite.lifecycle(log, period="month")
    elif task == "spill":
        from fidelite.scale import SpilledLog

        with SpilledLog(path, memory_limit=memory_limit, progress=False) as log:
            m, lc = log.run(fidelite.retention, period="month"), log.run(fidelite.lifecycle, period="month")
    elif task == "dask":
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        from fidelite.scale import DaskLog

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            with Client(cluster) as client:
                t0, c0 = time.perf_counter(), cpu_seconds()  # the cluster's start-up is not the backend's cost
                log = DaskLog(dd.read_parquet(path))
                m, lc = log.run(fidelite.retention, period="month"), log.run(fidelite.lifecycle, period="month")
                seconds = time.perf_counter() - t0
                workers = client.run(peak_rss_mib)
                cpu = sum(client.run(cpu_seconds).values()) + cpu_seconds() - c0  # workers: their whole life
        return {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "peak_rss_mib": peak_rss_mib() + sum(workers.values()),
            "cohorts": int(m.sizes.sum()),
            "new": int(lc.new.sum()),
        }
    else:
        raise SystemExit(f"unknown task {task}")
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds() - c0,
        "peak_rss_mib": peak_rss_mib(),
        "cohorts": int(m.sizes.sum()),
        "new": int(lc.new.sum()),
    }


def measure(task: str, path: Path, memory_limit: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", task, "--path", str(path), "--memory-limit", memory_limit],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{task} on {path} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def line(what: str, events: int, r: dict[str, Any], extra: str = "") -> None:
    print(
        f"{what:<34} {events / 1e6:>8.1f} M events {r['seconds']:>9.1f} s {r['cpu_seconds']:>9.1f} CPU s "
        f"{r['peak_rss_mib']:>9.0f} MiB  {extra}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--customers", type=int, default=17_000_000, help="the out-of-core run (default 17 M: ~200 M events)"
    )
    ap.add_argument("--reference", type=int, default=1_000_000, help="customers of the in-memory and Dask runs")
    ap.add_argument(
        "--scaling", default="85000,850000,8500000", help="customers of the scaling runs (~1 M, 10 M, 100 M events)"
    )
    ap.add_argument("--memory-limit", default="2GB")
    ap.add_argument("--skip", default="", help="comma-separated: big, dask, scaling")
    ap.add_argument("--work", default=None, help="where the Parquet data goes (removed at the end)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.path, args.memory_limit)))
        return 0
    skip = set(filter(None, args.skip.split(",")))
    work = Path(tempfile.mkdtemp(prefix="fidelite-bench-scale-", dir=args.work))
    print(
        f"data under {work} (free: {shutil.disk_usage(work).free / 2**30:.0f} GiB); memory_limit={args.memory_limit}",
        flush=True,
    )
    try:
        bases = work / "bases"
        ref_dir = work / "reference"
        ref_events, how = write_dataset(ref_dir, args.reference, bases)
        print(f"(reference data: {how})", flush=True)
        mem = measure("memory", ref_dir, args.memory_limit)
        line("in memory (reference)", ref_events, mem)
        spill_ref = measure("spill", ref_dir, args.memory_limit)
        ratios = f"x{spill_ref['seconds'] / mem['seconds']:.2f} of in memory (CPU x{spill_ref['cpu_seconds'] / mem['cpu_seconds']:.2f})"
        line("out of core", ref_events, spill_ref, ratios)
        assert (spill_ref["cohorts"], spill_ref["new"]) == (mem["cohorts"], mem["new"])
        if "dask" not in skip:
            dk = measure("dask", ref_dir, args.memory_limit)
            line("Dask, 2-worker LocalCluster", ref_events, dk, f"x{dk['seconds'] / mem['seconds']:.2f} of in memory")
            assert (dk["cohorts"], dk["new"]) == (mem["cohorts"], mem["new"])
        if "scaling" not in skip:
            for n in map(int, args.scaling.split(",")):
                d = work / f"scaling-{n}"
                events, _ = write_dataset(d, n, bases)
                r = measure("spill", d, args.memory_limit)
                line(f"out of core, {n:,} customers", events, r, f"{r['seconds'] / events * 1e9:.0f} ns/event")
                shutil.rmtree(d)
        if "big" not in skip:
            d = work / "big"
            t0 = time.perf_counter()
            events, how = write_dataset(d, args.customers, bases)
            print(
                f"(wrote {events / 1e6:.1f} M events in {time.perf_counter() - t0:.0f} s, outside the timing: {how})",
                flush=True,
            )
            r = measure("spill", d, args.memory_limit)
            linear = mem["seconds"] * events / ref_events
            line(
                f"out of core, {args.customers:,} customers",
                events,
                r,
                f"x{r['seconds'] / linear:.2f} of in memory extrapolated ({linear:.0f} s; target < 2; CPU "
                f"x{r['cpu_seconds'] / (mem['cpu_seconds'] * events / ref_events):.2f}); RSS target < 4096 MiB",
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
