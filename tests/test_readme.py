"""The README's quickstart runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_opens_with_the_two_commands():
    head = README.read_text().split("\n\n", 3)[:3]
    assert any("make demo" in part and "make test" in part for part in head)


def test_quickstart_runs(capsys):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    block = re.search(r"## Quickstart\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    ns: dict = {}
    try:
        exec(compile(block, str(README), "exec"), ns)
    finally:
        plt.close("all")
    assert "rows read" in capsys.readouterr().out
    assert ns["m"].counts.shape == ns["m"].rates.shape
