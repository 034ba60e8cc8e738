"""Peak memory of building an EventLog, measured in a fresh process.

Run by bench.py as ``python memory_probe.py FOLDER COLUMN...``: loads ``FOLDER/COLUMN.npy``
(the input columns, fully in memory as a user would hold them), resets the process's peak
RSS (``/proc/self/clear_refs``), builds the EventLog, then runs the monthly cohort matrix on
it, and prints one JSON line of byte counts. RSS is used rather than tracemalloc, which
does not see the Rust allocations.

``python memory_probe.py --frame pandas|polars|arrow EVENTS.parquet`` does the same from a
frame of that kind read from the file (its input size: the frame's own memory).
"""

from __future__ import annotations

import gc
import json
import sys

import numpy as np


def status(key: str) -> int:
    """A ``/proc/self/status`` memory field (VmRSS, VmHWM) in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {key} field")


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not permitted."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def main(folder: str, names: list[str]) -> dict[str, int | bool]:
    import fidelite

    # Load the extension and warm the allocator on a tiny log first: only the build's
    # own growth should count.
    tiny = {
        "customer_id": np.array([3, 1, 3]),
        "timestamp": np.array(["2024-01-05", "2024-02-01", "2024-03-01"], "datetime64[us]"),
    }
    if "amount" in names:
        tiny["amount"] = np.ones(3)
    fidelite.retention(fidelite.EventLog(tiny), period="month")
    cols = {name: np.load(f"{folder}/{name}.npy") for name in names}
    gc.collect()
    base = status("VmRSS")
    reset = reset_peak()
    log = fidelite.EventLog(cols)
    build_peak = status("VmHWM")
    log_rss = status("VmRSS")
    fidelite.retention(log, period="month")
    query_peak = status("VmHWM")
    return {
        "input_bytes": sum(c.nbytes for c in cols.values()),
        "baseline_rss": base,
        "build_peak_extra": build_peak - base,
        "log_resident_extra": log_rss - base,
        "build_and_cohort_peak_extra": query_peak - base,
        "peak_reset": reset,
    }


def main_frame(kind: str, path: str) -> dict[str, int | bool]:
    import pyarrow.parquet as pq
    from id_kinds import frame, frame_bytes

    import fidelite

    tiny = {
        "customer_id": np.array([3, 1, 3]),
        "timestamp": np.array(["2024-01-05", "2024-02-01", "2024-03-01"], "datetime64[us]"),
    }
    fidelite.retention(fidelite.EventLog(tiny), period="month")
    df = frame(pq.read_table(path), kind)
    gc.collect()
    base = status("VmRSS")
    reset = reset_peak()
    log = fidelite.EventLog(df)
    build_peak = status("VmHWM")
    log_rss = status("VmRSS")
    del log
    return {
        "input_bytes": frame_bytes(df),
        "baseline_rss": base,
        "build_peak_extra": build_peak - base,
        "log_resident_extra": log_rss - base,
        "peak_reset": reset,
    }


if __name__ == "__main__":
    if sys.argv[1] == "--frame":
        sys.path.insert(0, __import__("os").path.dirname(__file__))
        print(json.dumps(main_frame(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(main(sys.argv[1], sys.argv[2:])))
