"""Every example in the package's docstrings runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import matplotlib
import pytest

import fidelite

MODULES = sorted(m.name for m in pkgutil.walk_packages(fidelite.__path__, "fidelite."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    matplotlib.use("Agg")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_examples_are_found():
    found = sum(
        len(t.examples) for name in MODULES for t in doctest.DocTestFinder().find(importlib.import_module(name))
    )
    assert len(MODULES) > 50 and found > 150
