"""A second, outside plugin package (tests/data/fidelite-outside-plugin), pip-installed
into a temporary folder put on PYTHONPATH, using the four hooks beyond indices: its loader
reads a ``tsvx://`` source into ``EventLog``, its attribute segments a metric, its section
is in the HTML report (the CLI's and the page Chromium renders) and an explorer tab in the
browser, and its command runs in the CLI. Every expected number is computed here
independently, with pandas on the same rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import fidelite

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tests" / "data" / "fidelite-outside-plugin"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The package installed by pip (with its entry point) into its own folder."""
    target = tmp_path_factory.mktemp("outside-site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--target", str(target), str(PACKAGE)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(target.glob("fidelite_outside_plugin-0.3.0.dist-info"))
    return target


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A tsvx file of demo events (customer TAB time), plus two lines without a tab."""
    events = pd.DataFrame(fidelite.datasets.demo_shop(400, seed=3).events)[["customer_id", "timestamp"]]
    stamps = pd.to_datetime(events["timestamp"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S")
    lines = [f"{c}\t{t}" for c, t in zip(events["customer_id"], stamps)]
    lines[5:5] = ["not a row"]
    lines.append("also garbage")
    path = tmp_path_factory.mktemp("outside-data") / "shop.tsvx"
    path.write_text("\n".join(lines) + "\n")
    per_customer = events.groupby("customer_id").size()
    expected = {
        "events": len(events),
        "rejected": 2,
        "repeat": int((per_customer > 1).sum()),
        "one event": int((per_customer == 1).sum()),
    }
    return path, expected


def env_with(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}


def run(args: list[str], site: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env_with(site), capture_output=True, text=True, timeout=300, check=False, cwd=cwd)


def test_the_loader_and_the_attribute_through_the_api(site, data):
    path, expected = data
    script = textwrap.dedent(f"""
        import json, fidelite
        log = fidelite.EventLog("tsvx://{path}")
        seg = fidelite.retention(log, period="quarter", segment="visit_band")
        plugins = {{p.name: (p.package, p.version, p.hooks) for p in fidelite.plugins.list_plugins()}}
        print(json.dumps({{
            "used": log.report.used, "rejected": log.report.n_rejected, "read": log.report.read,
            "source": log.source, "plugin": plugins["outside"],
            "segments": {{s: int(seg[s].sizes.sum()) for s in seg.segments}},
            "errors": [str(p) for p in fidelite.plugins.errors()],
        }}))
    """)
    done = run([sys.executable, "-c", script], site)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["errors"] == []
    assert out["plugin"] == [
        "fidelite-outside-plugin",
        "0.3.0",
        ["fidelite_register_attributes", "fidelite_register_commands", "fidelite_register_loaders",
         "fidelite_register_sections"],
    ]  # fmt: skip
    assert (out["read"], out["used"], out["rejected"]) == (expected["events"] + 2, expected["events"], 2)
    assert out["source"] == "event table (tsvx query)"
    assert out["segments"] == {"one event": expected["one event"], "repeat": expected["repeat"]}


def test_the_command_and_the_report_section_in_the_cli(site, data, tmp_path):
    path, expected = data
    done = run([sys.executable, "-m", "fidelite.cli", "outside-count", f"tsvx://{path}"], site)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"outside-count one event: {expected['one event']}",
        f"outside-count repeat: {expected['repeat']}",
        "outside-count rejected: 2",
    ]
    listing = run([sys.executable, "-m", "fidelite.cli", "plugins"], site)
    assert listing.returncode == 0, listing.stdout + listing.stderr
    assert "fidelite-outside-plugin 0.3.0" in listing.stdout and "outside-count" in listing.stdout
    html = tmp_path / "report.html"
    done = run([sys.executable, "-m", "fidelite.cli", "report", f"tsvx://{path}", "--html", str(html)], site)
    assert done.returncode == 0, done.stderr
    assert "Visit bands (outside)" in done.stdout  # the terminal report has it too
    page = html.read_text()
    assert "data-section='visit_bands' data-status='ok'" in page
    customers = expected["one event"] + expected["repeat"]
    assert f"outside section: {customers} customers" in page


@pytest.mark.browser
def test_the_report_section_and_the_explorer_tab_in_the_browser(site, data, tmp_path, voila, page, monkeypatch):
    from playwright.sync_api import expect

    path, expected = data
    customers = expected["one event"] + expected["repeat"]
    html = tmp_path / "report.html"
    done = run([sys.executable, "-m", "fidelite.cli", "report", f"tsvx://{path}", "--html", str(html)], site)
    assert done.returncode == 0, done.stderr
    page.goto(html.as_uri())
    section = page.locator("section[data-section='visit_bands']")
    expect(section).to_have_attribute("data-status", "ok")
    expect(section.locator("h2")).to_have_text("Visit bands (outside)")
    expect(section).to_contain_text(f"outside section: {customers} customers")

    notebook = tmp_path / "outside.ipynb"
    source = f'import fidelite\nfidelite.explore("tsvx://{path}")'
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "explore",
        "metadata": {},
        "outputs": [],
        "source": source,
    }
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.write_text(
        json.dumps({"cells": [cell], "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5})
    )
    monkeypatch.setenv("PYTHONPATH", env_with(site)["PYTHONPATH"])  # Voila's kernel finds the plugin
    page.goto(voila(notebook))
    expect(page.locator(".fidelite-matrix table.fidelite-retention")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="Visit bands (outside)").click()
    tab = page.locator(".fidelite-plugin-section[data-section='visit_bands']")
    expect(tab).to_have_attribute("data-status", "ok", timeout=30_000)
    expect(tab).to_contain_text(f"outside section: {customers} customers")
    expect(tab.locator("table.fidelite-retention").first).to_be_visible()
