"""Every query end to end from the frames users hold, for each kind of customer id.

Id kinds (the demo shop's ids turned into what real exports carry): ``dense`` (the
demo's int64 ids, dense in their range), ``wide`` (``id * 7919 + 1_000_003``: a range
far beyond the row count, like hashed or snowflake ids), ``string`` (``"C-%08d"``),
``uuid`` (UUID strings, one per customer) and ``categorical`` (the ``"C-%08d"`` strings
dictionary-encoded: pandas / polars Categorical, Arrow dictionary). Frames: a pandas
DataFrame (pandas' own string dtype), a polars DataFrame and a pyarrow Table.

For each kind: every query from each frame (ours: ``EventLog(frame)`` + the query)
against the fastest of polars and DuckDB on the same data (their frames built before
timing; results checked equal first); the peak memory of building the EventLog from
each frame in a fresh process, over the frame's own size; and the id factorisation
alone (``fidelite.io.ids.factorize``, the ingest of phase B) from each frame's id column.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import fidelite

HERE = Path(__file__).resolve().parent
ID_KINDS = ("dense", "wide", "string", "uuid", "categorical")
FRAME_KINDS = ("pandas", "polars", "arrow")
COLUMNS = ("customer_id", "timestamp", "amount")


def id_column(ids: np.ndarray, kind: str) -> Any:
    """The demo's int64 ids as ids of ``kind``: numpy for integers, else Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind == "dense":
        return ids
    if kind == "wide":
        return ids * 7919 + 1_000_003
    distinct, inverse = np.unique(ids, return_inverse=True)
    if kind in ("string", "categorical"):
        labels = pc.binary_join_element_wise("C-", pc.utf8_lpad(pc.cast(pa.array(distinct), pa.string()), 8, "0"), "")
    elif kind == "uuid":
        import uuid

        labels = pa.array([str(uuid.UUID(int=(int(x) * 0x9E3779B97F4A7C15 + 0x5DEECE66D) % 2**128)) for x in distinct])
    else:
        raise ValueError(f"unknown id kind {kind!r}; choose from {ID_KINDS}")
    indices = pa.array(inverse.astype(np.int32))
    if kind == "categorical":
        return pa.DictionaryArray.from_arrays(indices, labels)
    return labels.take(indices)


def arrow_table(data: dict[str, np.ndarray], kind: str) -> Any:
    import pyarrow as pa

    cols = {k: data[k] for k in COLUMNS if k in data}
    cols["customer_id"] = id_column(data["customer_id"], kind)
    return pa.table({k: pa.array(v) if isinstance(v, np.ndarray) else v for k, v in cols.items()})


def frame(table: Any, kind: str) -> Any:
    """The table as a user of ``kind`` holds it."""
    if kind == "arrow":
        return table
    if kind == "polars":
        import polars as pl

        df = pl.from_arrow(table)
        if isinstance(table.column("customer_id").type, __import__("pyarrow").DictionaryType):
            df = df.with_columns(customer_id=df["customer_id"].cast(pl.String).cast(pl.Categorical))
        return df
    if kind == "pandas":
        import pandas as pd
        import pyarrow as pa

        df = table.to_pandas(
            types_mapper={
                pa.string(): pd.StringDtype(na_value=np.nan),
                pa.large_string(): pd.StringDtype(na_value=np.nan),
            }.get
        )
        return df
    raise ValueError(f"unknown frame kind {kind!r}; choose from {FRAME_KINDS}")


def frame_bytes(df: Any) -> int:
    """The memory a frame's columns take."""
    if hasattr(df, "estimated_size"):
        return int(df.estimated_size())
    if hasattr(df, "memory_usage"):
        return int(df.memory_usage(deep=True, index=False).sum())
    return int(df.nbytes)


def id_column_of(df: Any) -> Any:
    return df["customer_id"] if not hasattr(df, "column") else df.column("customer_id")


def run(
    data: dict[str, np.ndarray],
    queries: list[Any],
    kinds: list[str],
    frames: list[str],
    repeat: int,
    peers: list[str] | None,
    interleaved: Callable[..., dict[str, float]],
    compare: Callable[..., str | None],
    mismatch: type[BaseException],
    memory: bool,
) -> dict[str, Any]:
    """Times every query from every frame for every id kind (see the module doc)."""
    from queries import Frames

    out: dict[str, Any] = {}
    for kind in kinds:
        table = arrow_table(data, kind)
        held = {f: frame(table, f) for f in frames}
        peer_frames = Frames({})
        peer_frames._polars = frame(table, "polars")
        peer_frames._pandas = held.get("pandas")
        res: dict[str, Any] = {
            "queries": {},
            "factorize": {},
            "frame_bytes": {f: frame_bytes(d) for f, d in held.items()},
        }
        for q in queries:
            cols = list(q.columns)
            sub = {
                f: (d.select(cols) if hasattr(d, "select") and not hasattr(d, "loc") else d[cols])
                for f, d in held.items()
            }
            ours_ref = q.canon(q.ours(fidelite.EventLog(sub[frames[0]])))
            contenders: dict[str, Any] = {f"ours_{f}": _ours(q, d) for f, d in sub.items()}
            chosen = {n: p for n, p in q.peers.items() if n in ("polars", "duckdb") and (peers is None or n in peers)}
            for name, p in chosen.items():
                contenders[name] = _peer(p, peer_frames)

            def check(
                name: str, result: Any, q: Any = q, ours_ref: Any = ours_ref, chosen: Any = chosen, kind: str = kind
            ) -> None:
                if name.startswith("ours_"):
                    diff = compare(ours_ref, q.canon(result))
                    where = f"our result from the {name[5:]} frame differs from the {frames[0]} one"
                else:
                    try:
                        theirs = chosen[name].canon(result, ours_ref)
                    except Exception as exc:
                        raise mismatch(
                            f"MISMATCH in {q.name} ({kind} ids): cannot read the {name} result: {exc!r}"
                        ) from exc
                    diff = compare(ours_ref, theirs, chosen[name].checks)
                    where = f"{name} disagrees with fidelite"
                if diff:
                    raise mismatch(f"MISMATCH in {q.name} ({kind} ids): {where}: {diff}")

            best = interleaved(contenders, repeat, check)
            theirs = {n: t for n, t in best.items() if not n.startswith("ours_")}
            row: dict[str, Any] = {"ours": {f: best[f"ours_{f}"] for f in sub}, "peers": theirs}
            if theirs:
                fastest = min(theirs, key=theirs.__getitem__)
                row.update(fastest_peer=fastest, ratio={f: theirs[fastest] / t for f, t in row["ours"].items()})
            res["queries"][q.name] = row
            del contenders, sub
            gc.collect()
        for f, d in held.items():
            res["factorize"][f] = _factorize_seconds(id_column_of(d), repeat)
        if memory:
            res["memory"] = memory_by_frame(table, frames)
        out[kind] = res
        del held, peer_frames, table
        gc.collect()
    return out


def _ours(q: Any, df: Any) -> Callable[[], Any]:
    return lambda: q.ours(fidelite.EventLog(df))


def _peer(p: Any, frames: Any) -> Callable[[], Any]:
    return lambda: p.run(frames)


def _factorize_seconds(col: Any, repeat: int) -> float:
    """Best of ``repeat`` seconds of ``fidelite.io.ids.factorize(col)``."""
    import time

    from fidelite.io import ids

    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        ids.factorize(col)
        best = min(best, time.perf_counter() - t)
    return best


def memory_by_frame(table: Any, frames: list[str]) -> dict[str, Any]:
    """Peak RSS growth of ``EventLog(frame)`` in a fresh process per frame kind."""
    import pyarrow.parquet as pq

    out = {}
    with tempfile.TemporaryDirectory(prefix="fidelite-bench-") as folder:
        path = os.path.join(folder, "events.parquet")
        pq.write_table(table, path)
        for f in frames:
            proc = subprocess.run(
                [sys.executable, str(HERE / "memory_probe.py"), "--frame", f, path],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(f"memory probe failed ({proc.returncode}):\n{proc.stderr}")
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            r["ratio"] = r["build_peak_extra"] / r["input_bytes"]
            out[f] = r
    return out


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def print_results(results: dict[str, Any], frames: list[str], target: float) -> None:
    print(
        "\nend to end from the frames users hold, per id kind (EventLog(frame) + the query; peer = fastest of "
        "polars / DuckDB on the same data, results checked equal first):"
    )
    head = ["ids", "query", *[f"ours {f}" for f in frames], "peer", *[f"peer/{f}" for f in frames]]
    rows = []
    for kind, res in results.items():
        for q, r in res["queries"].items():
            peer = f"{r['fastest_peer']} {fmt(r['peers'][r['fastest_peer']])}" if "fastest_peer" in r else "-"
            ratios = [f"{r['ratio'][f]:.1f}x" if "ratio" in r else "-" for f in frames]
            rows.append([kind, q, *[fmt(r["ours"][f]) for f in frames], peer, *ratios])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(
        str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
    )
    print(line(head))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    worst = [
        (r["ratio"][f], kind, q, f)
        for kind, res in results.items()
        for q, r in res["queries"].items()
        if "ratio" in r
        for f in frames
    ]
    if worst:
        low = min(worst)
        met = sum(1 for w in worst if w[0] >= target)
        print(
            f"target >= {target:g}x end to end: met in {met} of {len(worst)} rows; slowest: {low[0]:.2f}x "
            f"({low[1]} ids, {low[2]}, from {low[3]})"
        )
    print("\nid factorisation alone (fidelite.io.ids.factorize on the frame's id column, best of R):")
    for kind, res in results.items():
        print(f"  {kind:<12} " + "  ".join(f"{f} {fmt(t)}" for f, t in res["factorize"].items()))
    if any("memory" in res for res in results.values()):
        print("\npeak memory of EventLog(frame) in a fresh process, over the frame's own size (target <= 1x):")
        for kind, res in results.items():
            for f, m in res.get("memory", {}).items():
                print(
                    f"  {kind:<12} {f:<7} frame {m['input_bytes'] / 2**20:,.0f} MiB, build peak "
                    f"+{m['build_peak_extra'] / 2**20:,.0f} MiB ({m['ratio']:.2f}x) {'met' if m['ratio'] <= 1 else 'NOT met'}"
                )
