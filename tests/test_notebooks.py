"""The notebooks run top to bottom (nbclient, a real kernel) with their widget state
stored, and show what they promise: assertions on the outputs and on the stored state of
the explorer's widgets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import fidelite

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# notebooks with a test file of their own, executed there once
TESTED_ELSEWHERE = {"03-write-an-index-plugin.ipynb": "tests/test_notebook_plugin.py"}


def _notebooks() -> list[str]:
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert {"01-quickstart.ipynb", "02-explorer.ipynb", *TESTED_ELSEWHERE} <= set(names), names
    return [n for n in names if n not in TESTED_ELSEWHERE]


@pytest.fixture(scope="module")
def run():
    """``run(name)``: the notebook executed top to bottom with widget state stored (once per module)."""
    import nbclient
    import nbformat

    done: dict[str, Any] = {}

    def execute(name: str) -> Any:
        if name not in done:
            nb = nbformat.read(NOTEBOOKS / name, as_version=4)
            nbclient.NotebookClient(
                nb,
                timeout=240,
                kernel_name="python3",
                store_widget_state=True,
                resources={"metadata": {"path": str(NOTEBOOKS)}},
            ).execute()
            done[name] = nb
        return done[name]

    return execute


def outputs(nb: Any, source: str) -> list[Any]:
    """The outputs of the code cell whose source contains ``source``."""
    cell = next(c for c in nb.cells if c.cell_type == "code" and source in c.source)
    return cell.outputs


def text(outs: list[Any], mime: str = "text/plain") -> str:
    return "\n".join(o.get("text", "") if o.output_type == "stream" else o.get("data", {}).get(mime, "") for o in outs)


@pytest.mark.slow
@pytest.mark.parametrize("name", _notebooks())
def test_notebook_runs_top_to_bottom(run, name):
    nb = run(name)
    errors = [f"{o.ename}: {o.evalue}" for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_quickstart_shows_matrix_lifecycle_and_indices(run):
    nb = run("01-quickstart.ipynb")
    shop = fidelite.datasets.demo_shop(5_000, seed=7, tz="Europe/Paris")
    m = fidelite.retention(fidelite.EventLog(shop.events, tz="Europe/Paris"), period="month")
    matrix = text(outputs(nb, "m = fidelite.retention(log"), "text/html")
    assert f"data-rows='{len(m.cohorts)}'" in matrix and f"data-cols='{m.counts.shape[1]}'" in matrix
    assert (
        f"data-cohort='2024-03' data-offset='2' data-count='{m.counts[m.cohort_labels.index('2024-03'), 2]}'" in matrix
    )
    assert "rows read" in text(outputs(nb, "print(log.report)"))
    assert any("image/png" in o.get("data", {}) for o in outputs(nb, "lc.plot()"))
    assert "pro" in text(outputs(nb, "by_segment"))
    assert "retention_rate" in text(outputs(nb, "kpis = fidelite.period_kpis(log"))
    segments = text(outputs(nb, "rfm = fidelite.rfm(log)"))
    assert "champions" in segments and "hibernating" in segments
    assert "repeat-purchase rate" in text(outputs(nb, "print(fidelite.repeat_rate(log))"))
    listing = text(outputs(nb, "fidelite.indices()"))
    assert "repeat_rate" in listing and "nps" in listing


def _state(nb: Any) -> dict[str, Any]:
    return nb.metadata["widgets"][WIDGET_STATE]["state"]


def _with_class(state: dict[str, Any], css: str) -> dict[str, Any]:
    found = [m["state"] for m in state.values() if css in m["state"].get("_dom_classes", ())]
    assert len(found) == 1, (css, len(found))
    return found[0]


@pytest.mark.slow
def test_explorer_notebook_stores_the_rendered_explorer(run):
    nb = run("02-explorer.ipynb")
    source = "".join(c.source for c in nb.cells)
    assert "demo_shop(3_000, seed=7)" in source  # the data the numbers below are computed from
    state = _state(nb)
    view = next(o for o in outputs(nb, "explorer = fidelite.explore(") if WIDGET_VIEW in o.get("data", {}))
    root = state[view.data[WIDGET_VIEW]["model_id"]]
    assert root["model_name"] == "VBoxModel" and "fidelite-explorer" in root["state"]["_dom_classes"]

    shop = fidelite.datasets.demo_shop(3_000, seed=7)
    m = fidelite.retention(shop.events, period="month", ci=0.95)
    table = _with_class(state, "fidelite-matrix")["value"]
    assert f"data-rows='{len(m.cohorts)}'" in table and f"data-cols='{m.counts.shape[1]}'" in table
    cells = re.findall(r"data-cohort='([^']*)' data-offset='(\d+)' data-count='(\d+)'", table)
    assert len(cells) == m.counts.size
    assert all(int(n) == m.counts[m.cohort_labels.index(c), int(j)] for c, j, n in cells)

    period = _with_class(state, "fidelite-control-period")
    assert period["_options_labels"][period["index"]] == "month"
    assert _with_class(state, "fidelite-control-criterion")["_options_labels"] == ["on", "on_or_after", "streak"]
    tabs = next(s["state"] for s in state.values() if s["model_name"] == "TabModel")
    assert (
        tabs["titles"]
        == ["Retention", "Lifecycle & KPIs", "Customers", "Indices", "Predicted value", "Surveys", "Programme"]
        and tabs["selected_index"] == 0
    )
    cell = _with_class(state, "fidelite-cell-info")["value"]
    assert f"data-count='{m.counts[0, 1]}'" in cell and "data-cohort='2023-01'" in cell
    assert _with_class(state, "fidelite-lifecycle-chart")["value"] == ""  # drawn when its tab opens
    assert all(
        not m["state"].get("value") for m in state.values() if "fidelite-errors" in m["state"].get("_dom_classes", ())
    )


@pytest.mark.slow
def test_explorer_notebook_drives_the_controller(run):
    nb = run("02-explorer.ipynb")
    shop = fidelite.datasets.demo_shop(3_000, seed=7)
    q = fidelite.retention(shop.events, period="quarter", criterion="on_or_after")
    k = q.cohort_labels.index("2024-Q1")
    info = text(outputs(nb, "state.cell_info()"))
    assert "'cohort': '2024-Q1'" in info and f"'count': {q.counts[k, 2]}" in info
    listing = text(outputs(nb, "customers = state.cell_customers()"), "text/html")
    assert "customers of cohort 2024-Q1, offset 2" in listing


@pytest.mark.slow
def test_predict_notebook_shows_the_predictions(run):
    nb = run("04-predict.ipynb")
    assert "summary for the models" in text(outputs(nb, "fidelite.clv_summary("))
    fitted = text(outputs(nb, "fidelite.predicted_clv("))
    assert "total predicted value:" in fitted and "alpha" in fitted
    assert any("image/png" in o.get("data", {}) for o in outputs(nb, 'clv.plot("tracking")'))
    assert "mean holdout purchases by calibration frequency" in text(outputs(nb, "calibration_vs_holdout("))
    gone = text(outputs(nb, 'method="p_alive"'))
    assert "p_alive" in gone and "customer_id" in gone
    assert "data-projected='1'" in text(outputs(nb, "matrix.forecast("), "text/html")
