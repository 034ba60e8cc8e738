"""The API reference (mkdocs-material + mkdocstrings, ``make docs``) builds from the
docstrings without a warning and documents every public name."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fidelite
from fidelite import exceptions, plugins, results

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> str:
    site = tmp_path_factory.mktemp("site")
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    html = (site / "reference" / "index.html").read_text()
    shutil.rmtree(site)
    return html


def public_names() -> list[str]:
    names = [f"fidelite.{n}" for n in fidelite.__all__ if n != "__version__"]
    for module in (results, exceptions, plugins):
        names += [f"{module.__name__}.{n}" for n in module.__all__]
    return names


def test_every_public_name_is_in_the_api_reference(reference):
    documented = set(re.findall(r'id="(fidelite[\w.]*)"', reference))
    # a class the package root re-exports may be documented where it lives
    homes = ("fidelite.results.", "fidelite.plugins.", "fidelite.exceptions.")
    missing = [
        n
        for n in public_names()
        if n not in documented and not any(home + n.rsplit(".", 1)[1] in documented for home in homes)
    ]
    assert not missing, f"not in docs/reference.md (add a ::: line): {missing}"


def test_the_reference_shows_docstrings_and_examples(reference):
    assert len(public_names()) > 80
    # a docstring's text and its doctest example, rendered as code
    assert "distinct customers of cohort" in reference
    assert (
        "demo_shop" in reference
        and '<div class="highlight"><pre><span></span><code><span class="gp">&gt;&gt;&gt; </span>' in reference
    )
