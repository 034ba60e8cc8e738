"""notebooks/03-write-an-index-plugin.ipynb runs top to bottom and shows what it promises."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03-write-an-index-plugin.ipynb"


@pytest.fixture(scope="module")
def executed():
    import nbclient
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    return nb


def text_of(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", "") or o.get("data", {}).get("text/plain", ""))
    return "\n".join(out)


def cell_with(nb, source: str):
    return next(c for c in nb.cells if c.cell_type == "code" and source in c.source)


@pytest.mark.slow
def test_notebook_runs_and_registers_the_index(executed):
    assert all(o.output_type != "error" for c in executed.cells for o in c.get("outputs", []))
    listing = text_of(cell_with(executed, 'fidelite.plugins.available_indices({"events"})'))
    assert "refund_rate" in listing and "monthly_refund_rate" in listing and "refunds" in listing
    assert text_of(cell_with(executed, 'r = fidelite.compute_index("refund_rate"')).startswith("refund_rate: ")


@pytest.mark.slow
def test_notebook_shows_the_checks(executed):
    assert "Did you mean 'refund_rate'?" in text_of(cell_with(executed, '"refund_rat"'))
    assert "did you mean 'fidelite_register_indices'?" in text_of(cell_with(executed, "class Typo"))
    faults = text_of(cell_with(executed, "class Broken"))
    assert "broken_index           ERROR index 'broken_index' from plugin 'broken' failed: ZeroDivisionError" in faults
    assert "nps                    nps: " in faults and "refund_rate            refund_rate: " in faults
