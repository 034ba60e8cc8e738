"""The wheel users install: one abi3 wheel (every CPython 3.11+) whose plain install, with
no extras, gives a working command line.

The wheel is built once per session with maturin (cargo reuses the release build of
``make build-test`` when nothing changed), installed into a fresh virtualenv (its
dependencies from PyPI through pip's cache), and the installed ``fidelite`` script runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(*argv: str | Path, timeout: int = 900, **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert out.returncode == 0, f"{' '.join(map(str, argv))} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    maturin = Path(sys.executable).with_name("maturin")
    run(maturin, "build", "--release", "--quiet", "--out", out, cwd=ROOT)
    (built,) = out.glob("fidelite-*.whl")
    return built


@pytest.fixture(scope="module")
def plain_install(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel installed, no extras; its bin directory."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", venv)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel, env=env)
    return venv / "bin"


def cli(bin_dir: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run(
        [str(bin_dir / "fidelite"), *argv],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env={**env, "COLUMNS": "120"},
    )


def test_one_abi3_wheel_for_every_cpython_from_3_11(wheel):
    assert "-cp311-abi3-" in wheel.name, wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    assert [n for n in names if n.endswith(".so")] == ["fidelite/_core.abi3.so"]
    assert "fidelite/py.typed" in names and "fidelite/_core.pyi" in names


def test_a_plain_install_has_no_optional_dependency(plain_install):
    out = run(
        plain_install / "python",
        "-c",
        "import importlib.util as u; print([m for m in ('pandas', 'pyarrow', 'polars', 'matplotlib') if u.find_spec(m)])",
    )
    assert out.stdout.strip() == "[]"


def test_demo_and_indices_run_on_a_plain_install(plain_install, tmp_path):
    demo = cli(plain_install, "demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "rows read" in demo.stdout and "Traceback" not in demo.stderr
    indices = cli(plain_install, "indices", cwd=tmp_path)
    assert indices.returncode == 0, indices.stderr
    assert "nps" in indices.stdout


def test_a_file_report_names_the_extra_to_install(plain_install, tmp_path):
    (tmp_path / "events.csv").write_text("customer_id,timestamp\n1,2024-01-01\n2,2024-01-02\n")
    report = cli(plain_install, "report", "events.csv", cwd=tmp_path)
    assert report.returncode == 2 and "Traceback" not in report.stderr
    assert "pip install 'fidelite[" in report.stderr, report.stderr
