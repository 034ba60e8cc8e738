"""docs/plugins.md documents every hook (name and signature), the environment variables
and the public plugin API, and its code examples run."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

import fidelite
from fidelite.plugins import hookspecs, manager

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugins.md"
README = ROOT / "README.md"
HOOKS = manager.hook_names()


def python_blocks(text: str) -> list[str]:
    return [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)```", text, flags=re.S)]


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    nxt = re.search(r"^#{2,3} ", text[start + len(heading) :], flags=re.M)
    return text[start : start + len(heading) + (nxt.start() if nxt else len(text))]


@pytest.mark.parametrize("hook", HOOKS)
def test_plugin_hooks_are_documented(hook):
    spec = getattr(hookspecs, hook)
    signature = f"{hook}({', '.join(inspect.signature(spec).parameters)})"
    assert f"### `{signature}`" in DOCS.read_text(), f"docs/plugins.md needs a '### `{signature}`' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_hookspecs_have_docstrings_with_their_parameters(hook):
    spec = getattr(hookspecs, hook)
    doc = inspect.getdoc(spec) or ""
    assert doc.strip(), f"{hook} has no docstring"
    for param in inspect.signature(spec).parameters:
        assert f":param {param}:" in doc, f"{hook}: document :param {param}:"
    assert "Example::" in doc


def test_hooks_are_prefixed():
    specs = [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if getattr(f, "fidelite_spec", None)]
    assert specs == HOOKS and all(h.startswith("fidelite_") for h in HOOKS)


@pytest.mark.parametrize(
    "name",
    [
        manager.AUTOLOAD_ENV,
        manager.BLOCK_ENV,
        manager.TRACE_ENV,
        "available_indices",
        "compute_all",
        "compute_index",
        "errors()",
        "check()",
        "list_plugins",
        "register(",
        "unregister(",
        "IndexDefinitionError",
        "[project.entry-points.fidelite]",
        "fidelite indices",
    ],
)
def test_docs_mention(name):
    assert name in DOCS.read_text()


def test_readme_section_points_to_the_docs():
    text = section(README.read_text(), "## Your own loyalty index (plugins)")
    assert "docs/plugins.md" in text and "[project.entry-points.fidelite]" in text
    assert "fidelite.hookimpl" in text and "fidelite.Index(" in text


def test_three_step_example_runs():
    """Steps 1 and 2 of docs/plugins.md, registered as a plugin module, compute."""
    steps = section(DOCS.read_text(), "## Write an index in three steps")
    module = types.ModuleType("fidelite_orders")
    exec(compile("\n".join(python_blocks(steps)), str(DOCS), "exec"), module.__dict__)
    name = fidelite.plugins.register(module, name="docs-orders")
    try:
        log = {
            "customer_id": [1, 1, 2],
            "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "event": ["purchase", "visit", "purchase"],
        }
        assert float(fidelite.compute_index("orders_per_customer", events=log)) == 1.0
        assert fidelite.indices().get("orders_per_customer").plugin == "docs-orders"
    finally:
        fidelite.plugins.unregister(name)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_examples_run(hook):
    text = section(DOCS.read_text(), f"### `{hook}(")
    [block] = python_blocks(text)
    module = types.ModuleType(f"docs_example_{hook}")
    exec(compile(block, str(DOCS), "exec"), module.__dict__)
    name = fidelite.plugins.register(module, name=f"docs-{hook}")
    try:
        assert fidelite.plugins.list_plugins()[-1].hooks == (hook,)
    finally:
        fidelite.plugins.unregister(name)


def test_testing_example_runs(tmp_path):
    """The fixture of "Testing a plugin", with the three-step plugin as ``fidelite_orders``."""
    text = DOCS.read_text()
    steps = "\n".join(python_blocks(section(text, "## Write an index in three steps")))
    (tmp_path / "fidelite_orders.py").write_text(steps)
    (tmp_path / "test_orders.py").write_text(python_blocks(section(text, "## Testing a plugin"))[0])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", "test_orders.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
