"""The command line on a Parquet dataset (issue 14): ``fidelite report DIR`` and
``fidelite report 'DIR/*.parquet'`` report as on the same events in one file, side tables
given as datasets too."""

from __future__ import annotations

import json

import numpy as np
import pytest

import fidelite
from fidelite.cli import main


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = tmp_path_factory.mktemp("shop")
    demo = fidelite.datasets.demo_shop(200, seed=4, frame="pandas")
    for name in ("events", "surveys"):
        table = getattr(demo, name)
        table.to_parquet(root / f"{name}.parquet", index=False)
        (root / name).mkdir()
        for i, rows in enumerate(np.array_split(np.arange(len(table))[::-1], 3)):  # rows reordered across files
            table.iloc[rows].to_parquet(root / name / f"part-{i}.parquet", index=False)
    return root


def report(*argv, out):
    assert main(["report", *map(str, argv), "--format", "json", "-o", str(out)]) == 0
    return json.loads(out.read_text().replace(json.dumps(str(argv[0]))[1:-1], "<source>"))


def test_a_dataset_reports_as_one_file(shop, tmp_path):
    whole = report(shop / "events.parquet", "--surveys", shop / "surveys.parquet", out=tmp_path / "a.json")
    assert report(shop / "events", "--surveys", shop / "surveys", out=tmp_path / "b.json") == whole
    assert report(shop / "events" / "*.parquet", "--surveys", shop / "surveys", out=tmp_path / "c.json") == whole
    rows = whole["sections"][0]["tables"][0]["rows"]
    assert rows[0] == ["rows read", f"{len(fidelite.datasets.demo_shop(200, seed=4).events['customer_id']):,}"]


def test_a_glob_matching_nothing_says_so(shop, capsys):
    assert main(["report", str(shop / "nothing-*.parquet")]) == 2
    assert "no Parquet file in" in capsys.readouterr().err
