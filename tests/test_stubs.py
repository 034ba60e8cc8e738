"""The hand-written stubs of the extension match it (pydantic-core's habit), and every
kernel error variant reaches Python as its own exception class."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fidelite
from fidelite import _core
from fidelite.exceptions import FideliteError, InputError, LengthMismatchError, ParameterError, TimeZoneError

ROOT = Path(__file__).resolve().parent.parent


def test_core_stubs_match_the_extension():
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "fidelite._core",
            "--allowlist",
            str(ROOT / ".mypy-stubtest-allowlist"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda: _core.Calendar("day", "Mars/Olympus"), TimeZoneError, "IANA"),
        (lambda: _core.Calendar("fortnight", "UTC"), ParameterError, "period"),
        (
            lambda: _core.group_by_customer(np.zeros(2, np.uint32), np.zeros(1, np.int64), 1),
            LengthMismatchError,
            "timestamps",
        ),
        (
            lambda: _core.group_by_customer(np.array([5], np.uint32), np.zeros(1, np.int64), 1),
            InputError,
            "customer code",
        ),
    ],
)
def test_each_kernel_error_variant_has_its_exception(call, exc, words):
    with pytest.raises(exc, match=words) as info:
        call()
    assert isinstance(info.value, (FideliteError, ValueError))


def test_dtype_is_checked_at_the_boundary():
    with pytest.raises(TypeError):
        _core.factorize_i64(np.zeros(3, np.float64))


def test_version_is_the_cargo_version():
    assert fidelite.__version__ == _core.__version__
    assert _core.build_profile in {"release", "debug"}
