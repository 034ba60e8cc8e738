"""The report's row accounting shows where the first rejected rows are (issue 16, item 1:
"a few example rows with their line numbers"): their 1-based line in the file, in the
terminal text, the HTML and the JSON export, and line numbers are labels (no thousands
separators)."""

from __future__ import annotations

import contextlib
import io
import json

import messy
import pytest

from fidelite.cli import main


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory):
    """The messy export with three unparseable amounts, and the lines they are on."""
    folder = tmp_path_factory.mktemp("accounting")
    data = messy.write(folder / "export.csv")
    lines = data.path.read_text().splitlines()
    bad = []
    for k in (1500, 2600, 4000):  # 0-based index into the lines: line k + 1 of the file
        parts = lines[k].split(",")
        if parts[0] and parts[1] and parts[2] and "inf" not in parts[2].lower():
            parts[2] = "abc"
            lines[k] = ",".join(parts)
            bad.append(k + 1)
    assert len(bad) >= 2
    path = folder / "spoiled.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, bad


def run(*argv: str) -> str:
    buf = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(buf):
        mp.setenv("COLUMNS", "120")
        assert main(list(argv)) == 0
    return buf.getvalue()


def test_first_rejected_lines_in_text_and_json(spoiled):
    path, bad = spoiled
    where = f"lines {', '.join(map(str, bad))}"
    text = run("report", str(path), *messy.OPTIONS)
    lines = text.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("first rejected rows"))
    assert "the header being line 1" in lines[i] and lines[i - 1].startswith("note: refunds")
    row = next(ln for ln in lines[i:] if ln.startswith("unparseable amount"))
    assert row.rstrip().endswith(where)  # e.g. "lines 1501, 2601"
    assert next(ln for ln in lines if ln.startswith("rejected: unparseable amount")).split()[-1] == str(len(bad))
    doc = json.loads(run("report", str(path), *messy.OPTIONS, "--format", "json"))
    accounting = next(s for s in doc["sections"] if s["key"] == "accounting")
    table = next(t for t in accounting["tables"] if t["key"] == "rejected_rows")
    cells = {r[0]: r[1] for r in table["rows"]}
    assert cells["unparseable amount (not a number)"] == where
    for reason, n in messy.BAD.items():
        assert cells[reason].startswith("lines ") and cells[reason].count(",") == min(n, 3) - 1 + (
            ", ..." in cells[reason]
        )
