"""The benchmark runs: a small smoke run of every query, from every frame and id kind,
checked equal to polars and DuckDB (the bench exits 1 on a mismatch). No timing is
asserted: timings belong to ``make bench``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_smoke_run_checks_every_id_kind_and_frame(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "benchmarks" / "bench.py"),
            "--customers",
            "5000",
            "--repeat",
            "1",
            "--peers",
            "polars,duckdb",
            "--skip",
            "variants,growth,stages,explorer,memory",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(out.read_text())
    assert set(report["ids"]) == {"dense", "wide", "string", "uuid", "categorical"}
    for kind, res in report["ids"].items():
        assert set(res["queries"]) == {"cohort_matrix", "lifecycle", "rolling_active", "customer_summary"}, kind
        for q, r in res["queries"].items():
            assert set(r["ours"]) == {"pandas", "polars", "arrow"} and r["peers"], (kind, q)
        assert set(res["factorize"]) == {"pandas", "polars", "arrow"}
    assert "MISMATCH" not in run.stdout


def test_bench_subset_arguments_are_checked():
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "benchmarks" / "bench.py"), "--ids", "strings"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2 and "--ids: choose from" in run.stderr
