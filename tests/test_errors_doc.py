"""docs/errors.md links every bad-input class to its test: each test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "errors.md"
LINK = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _linked() -> list[tuple[str, str]]:
    text = DOC.read_text()
    return LINK.findall(text)


def test_every_test_named_in_the_error_catalogue_exists():
    links = _linked()
    assert len(links) >= 30
    missing = []
    for path, name in links:
        tree = ast.parse((ROOT / path).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        if name not in names:
            missing.append(f"{path}::{name}")
    assert not missing, f"docs/errors.md names tests that do not exist: {missing}"


def test_every_new_fault_test_is_in_the_catalogue():
    linked = {f"{p}::{n}" for p, n in _linked()}
    for path in ("tests/test_faults.py", "tests/test_plugin_isolation.py", "tests/test_bad_input.py"):
        tree = ast.parse((ROOT / path).read_text())
        tests = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        absent = [t for t in tests if f"{path}::{t}" not in linked and t not in _UNLISTED]
        assert not absent, f"tests of {path} missing from docs/errors.md: {absent}"


# checks of the machinery rather than of one bad-input class
_UNLISTED = {"test_good_brackets_still_work", "test_every_new_error_is_a_fidelite_error"}
