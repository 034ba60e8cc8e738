"""The package's architecture, checked mechanically from the source (``ast``, nothing is
imported): layers import only downward, no metric module imports another, no private
(underscore) name crosses a module boundary, and the imports form no cycle.

Layers, top to bottom (CONTRIBUTING.md, "Design"):

- the package root (``fidelite/__init__.py``) re-exports everything;
- surfaces: ``cli``, ``datasets``, ``report``, ``explore``, ``plugins``;
- ``metrics`` (and ``models``): one module per family;
- ``scale``: partitioned execution (runs the metric it is handed, merges results);
- ``results``: result classes and their rendering;
- ``query``, ``eventlog``, ``calendar``: shared parameters, the log, the calendar;
- ``io``: reading any input, row accounting;
- ``_core``, ``_deps``, ``exceptions``, ``cache``, ``frames``: the kernels and what every
  layer may use.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "fidelite"

#: (module name prefix, layer): the first prefix that matches a module gives its layer.
LAYERS = [
    ("fidelite.cli", 5),
    ("fidelite.datasets", 5),
    ("fidelite.report", 5),
    ("fidelite.explore", 5),
    ("fidelite.plugins", 5),
    ("fidelite.metrics", 4),
    ("fidelite.models", 4),
    ("fidelite.scale", 3.5),
    ("fidelite.results", 3),
    ("fidelite.query", 2),
    ("fidelite.eventlog", 2),
    ("fidelite.calendar", 2),
    ("fidelite.io", 1),
    ("fidelite._core", 0),
    ("fidelite._deps", 0),
    ("fidelite.exceptions", 0),
    ("fidelite.cache", 0),
    ("fidelite.limits", 0),
    ("fidelite.frames", 0),
]
ROOT_LAYER = 6
LAYER_NAMES = {
    6: "the package root",
    5: "surfaces",
    4: "metrics",
    3.5: "partitioned execution",
    3: "results",
    2: "query / eventlog / calendar",
    1: "io",
    0: "kernels and base modules",
}
#: Modules private to the package (not to a module): any layer may import them.
PRIVATE_MODULES = {"fidelite._core", "fidelite._deps"}


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module
    imports: list[tuple[str, int]] = field(default_factory=list)  # (imported module, line)
    names: list[tuple[str, str, int]] = field(default_factory=list)  # (module, name, line) of "from m import name"


def module_name(path: Path) -> tuple[str, bool]:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def all_modules() -> dict[str, Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name, is_package = module_name(path)
        out[name] = Module(name, path, is_package, ast.parse(path.read_text(), str(path)))
    for path in PACKAGE.glob("_core*"):  # the compiled extension (and its stub)
        out.setdefault("fidelite._core", Module("fidelite._core", path, False, ast.Module(body=[], type_ignores=[])))
    return out


def resolve(mod: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = mod.name.split(".") if mod.is_package else mod.name.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def collect(modules: dict[str, Module]) -> None:
    for mod in modules.values():
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Import):
                mod.imports += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "fidelite"]
            elif isinstance(node, ast.ImportFrom):
                target = resolve(mod, node)
                if target.split(".")[0] != "fidelite":
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in modules:  # "from package import submodule"
                        mod.imports.append((sub, node.lineno))
                    else:
                        mod.imports.append((target, node.lineno))
                        mod.names.append((target, alias.name, node.lineno))


def layer(name: str) -> float:
    if name == "fidelite":
        return ROOT_LAYER
    for prefix, n in LAYERS:
        if name == prefix or name.startswith(prefix + "."):
            return n
    raise AssertionError(f"module {name} has no layer: add it to LAYERS in tests/test_layers.py")


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    mods = all_modules()
    collect(mods)
    return mods


def test_every_module_has_a_layer(modules):
    for name in modules:
        layer(name)


def test_layers_import_only_downward(modules):
    bad = []
    for mod in modules.values():
        for target, line in mod.imports:
            if target in PRIVATE_MODULES or target not in modules:
                continue
            if layer(target) > layer(mod.name):
                bad.append(
                    f"{mod.path.relative_to(PACKAGE)}:{line}: {mod.name} ({LAYER_NAMES[layer(mod.name)]}) "
                    f"imports {target} ({LAYER_NAMES[layer(target)]})"
                )
    assert not bad, "imports that go up a layer:\n" + "\n".join(bad)


def test_no_metric_module_imports_another(modules):
    bad = []
    for mod in modules.values():
        if not mod.name.startswith("fidelite.metrics.") or mod.is_package:
            continue
        for target, line in mod.imports:
            if target.startswith("fidelite.metrics") and target != mod.name:
                bad.append(f"{mod.path.relative_to(PACKAGE)}:{line}: {mod.name} imports {target}")
    assert not bad, "metric modules importing each other (share through fidelite.query instead):\n" + "\n".join(bad)


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def own_private_names(tree: ast.Module) -> set[str]:
    """The private names a module defines: functions, classes, methods, module constants,
    and attributes it assigns (``self._x = ...``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {n for n in names if private(n)}


#: Private names of other libraries that the package uses on purpose (IPython's display
#: protocol is spelled with underscores).
FOREIGN = {"_repr_html_", "_repr_mimebundle_"}


def test_no_private_name_crosses_a_module_boundary(modules):
    bad = []
    for mod in modules.values():
        own = own_private_names(mod.tree)
        for target, name, line in mod.names:
            if private(name) and target != mod.name:
                bad.append(f"{mod.path.relative_to(PACKAGE)}:{line}: imports {name} from {target}")
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Attribute) and private(node.attr) and node.attr not in own | FOREIGN:
                bad.append(f"{mod.path.relative_to(PACKAGE)}:{node.lineno}: reads {ast.unparse(node)}")
    assert not bad, "private names read across modules:\n" + "\n".join(bad)


def cycles(modules: dict[str, Module]) -> Iterator[list[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for mod in modules.values():
        for target, _ in mod.imports:
            parts = target.split(".")
            # importing a.b.c imports a.b first (unless the importer lives inside it)
            for k in range(1, len(parts) + 1):
                dep = ".".join(parts[:k])
                if dep in modules and dep != mod.name and not mod.name.startswith(dep + "."):
                    graph[mod.name].add(dep)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> Iterator[list[str]]:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                yield stack[stack.index(m) :] + [m]
            elif m not in state:
                yield from visit(m)
        stack.pop()
        state[n] = 2

    for name in sorted(graph):
        if name not in state:
            yield from visit(name)


def test_no_import_cycle(modules):
    found = [" -> ".join(c) for c in cycles(modules)]
    assert not found, "import cycles:\n" + "\n".join(found)


def test_the_checks_see_what_they_check(modules):
    # the checks above would pass vacuously on a parse that found nothing
    assert len(modules) > 40
    retention = modules["fidelite.metrics.retention"]
    assert any(t == "fidelite.query" for t, _ in retention.imports)
    assert layer("fidelite.metrics.retention") > layer("fidelite.results.retention") > layer("fidelite.query.params")
    fake = ast.parse("import fidelite.metrics.crm\nx = log._ts\n")
    mod = Module("fidelite.metrics.fake", PACKAGE / "metrics" / "fake.py", False, fake)
    collect({"fidelite.metrics.fake": mod, "fidelite.metrics.crm": modules["fidelite.metrics.crm"]})
    assert ("fidelite.metrics.crm", 1) in mod.imports
    assert "_ts" not in own_private_names(fake)
