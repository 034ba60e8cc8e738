"""The short pass of the Python fuzzing (issue 18): every committed input of the atheris
harness tests/fuzz/ingest.py (its corpus, grown by ``make fuzz-python``, and the crashes it
found, each fixed) replayed through the same check, without atheris."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parent / "fuzz"
INPUTS = sorted(p for kind in ("corpus/ingest", "regressions/ingest") for p in (FUZZ / kind).glob("*") if p.is_file())


@functools.cache
def _harness():
    spec = importlib.util.spec_from_file_location("fuzz_ingest", FUZZ / "ingest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_committed_inputs():
    assert len(INPUTS) >= 20


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name[:12]}")
def test_committed_input_gives_an_answer_or_a_fidelite_error(path):
    _harness().check(path.read_bytes())
