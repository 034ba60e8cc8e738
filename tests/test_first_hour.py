"""An analyst's first hour (issue 16): the command line on a messy CSV export (items 2, 5,
9 and 11): skipped-with-reason lines instead of errors, a flag for every column role and
side table, piped output that never cuts a value, JSON / CSV exports, the headline pair of
KPIs, the at-risk rule, captions above their tables, and ``demo_shop`` without pandas."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import subprocess
import sys

import messy
import pandas as pd
import pytest

import fidelite
from fidelite.cli import main
from fidelite.exceptions import MissingDependencyError


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> messy.Messy:
    return messy.write(tmp_path_factory.mktemp("messy") / "export.csv")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def piped(data) -> str:
    """The text report of the messy CSV, piped (not a TTY) at 80 columns."""
    buf = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(buf):
        mp.setenv("COLUMNS", "80")
        assert main(["report", str(data.path), *messy.OPTIONS]) == 0
    return buf.getvalue()


# ------------------------------------------------------------------ 2. absent inputs are skipped


def test_absent_inputs_are_skipped_with_their_flag_and_counted(piped, data):
    assert "Traceback" not in piped and " failed" not in piped and "see below" not in piped
    text = " ".join(piped.split())  # wrapped lines joined
    assert "upsell rate: skipped, needs a product column (--product COL)." in text
    assert "engagement: skipped, needs a duration column (--duration COL)." in text
    assert "nps: skipped, needs the surveys table (--surveys FILE)." in text
    n = len(fidelite.indices())
    m = re.search(r"(\d+) indices: (\d+) computed, (\d+) skipped \(inputs absent\)", text)
    assert m and int(m[1]) == n and int(m[2]) + int(m[3]) == n and int(m[3]) >= 5
    assert f"rows read {data.rows:,}" in text and f"rows rejected {sum(data.bad.values())}" in text
    for reason, k in data.bad.items():
        assert f"rejected: {reason} {k}" in text


def test_every_column_role_and_side_table_has_a_flag(capsys, shop, tmp_path):
    renamed = {"customer_id": "client", "timestamp": "ts", "amount": "total", "event": "kind", "product": "sku"}
    events = pd.DataFrame(shop.events).rename(columns=renamed)
    events["secs"] = 60.0
    events["via"] = "web"
    paths = {"events": tmp_path / "events.csv"}
    events.to_csv(paths["events"], index=False)
    for name in ("customers", "surveys", "contacts", "subscriptions"):
        frame = pd.DataFrame(getattr(shop, name))
        if name == "customers":
            frame = frame.rename(columns={"customer_id": "cust_no"})
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    argv = ["report", str(paths["events"]), "--customer", "client", "--time", "ts", "--amount", "total"]
    argv += ["--event", "kind", "--product", "sku", "--duration", "secs", "--channel", "via"]
    argv += ["--period", "week", "--week-start", "sunday", "--customers-id", "cust_no"]
    for name in ("customers", "surveys", "contacts", "subscriptions"):
        argv += [f"--{name}", str(paths[name])]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    text = " ".join(out.split())
    assert "skipped," not in text and "failed" not in text, text
    n = len(fidelite.indices())
    assert f"{n} indices: {n} computed, 0 skipped" in text
    assert "weeks start on sunday" in text
    up = fidelite.upsell_rate(shop.events)
    assert f"upsell rate {up.value:.2f}" in text and f"share {up.parts['share']:.1f}%" in text
    assert "bound method" not in text  # every value reads as a value
    loyalty = fidelite.loyalty_index(shop.surveys)
    assert f"customer loyalty index {loyalty.value:.2f} points" in text
    # without the id flag, the customers table has no customer_id column
    code, out, err = run(capsys, *argv[: argv.index("--customers-id")], "--customers", str(paths["customers"]))
    assert code == 2 and "--customers-id COL" in err and "'cust_no'" in err and "Traceback" not in err


# ------------------------------------------------------------------ 5. no value is cut; exports


def test_piped_output_never_cuts_a_value(piped, data):
    assert all(len(line.rstrip()) <= 80 for line in piped.splitlines())
    ids = {row[0] for row in csv.reader(data.path.read_text().splitlines()[1:]) if row[0]}
    listed = re.findall(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\bC-\d{8}\b", piped)
    assert listed and set(listed) <= ids  # whole ids only
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f-]{1,26}(?=\s)", re.sub(r"[0-9a-f]{8}(-[0-9a-f]+){4}", "", piped))
    assert "do not fit 80 characters" in " ".join(piped.split())  # dropped columns are said


def test_csv_export_of_the_whole_at_risk_list(capsys, data, tmp_path):
    out_file = tmp_path / "at_risk.csv"
    argv = ["report", str(data.path), *messy.OPTIONS, "--format", "csv", "--section", "at_risk"]
    code, out, err = run(capsys, *argv, "--output", str(out_file))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out_file.read_text())))
    code, stdout, err = run(capsys, *argv)
    assert code == 0 and list(csv.DictReader(io.StringIO(stdout))) == rows
    assert len(rows) > 10  # the whole list, not the top 10 the text shows
    assert list(rows[0]) == ["customer_id", "last_purchase", "days_since", "expected_gap_days", "revenue"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", rows[0]["last_purchase"])
    code, out, err = run(capsys, "report", str(data.path), *messy.OPTIONS, "--format", "csv")
    assert code == 2 and "--section" in err and "at_risk" in err


def test_json_export_has_every_section(capsys, data):
    code, out, err = run(capsys, "report", str(data.path), *messy.OPTIONS, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["tz"] == messy.TZ and "(Europe/Paris)" in doc["as_of"]
    keys = [s["key"] for s in doc["sections"]]
    assert {"accounting", "kpis", "cohorts", "lifecycle", "customers", "indices"} <= set(keys)
    customers = next(s for s in doc["sections"] if s["key"] == "customers")
    at_risk = next(t for t in customers["tables"] if t["key"] == "at_risk")
    assert len(at_risk["records"]) > len(at_risk["rows"])


# ------------------------------------------------------------------ 9. the headline pair


def test_kept_and_churn_are_the_headline_pair_and_e_n_s_is_explained(piped):
    text = " ".join(piped.split())
    m = re.search(r"were still active at its end \(kept\) and ([\d.]+)% were not \(churned\)", text)
    kept = re.search(r"of the [\d,]+ customers active at its start \(S\), ([\d.]+)%", text)
    assert m and kept and float(kept[1]) + float(m[1]) == pytest.approx(100.0, abs=0.11)
    rows = [ln.split("  ")[0].strip() for ln in piped.splitlines()]
    first = rows.index("active at the start (S)")
    assert rows[first + 1 : first + 4] == [
        "kept rate: still active at the end",
        "churn rate: no longer active at the end",
        "retention rate (E - N) / S",
    ]
    assert "S = customers active at the start of the period, E = active at its end, N = new" in text
    assert "(E - N) / S counts every customer active at the end who is not new" in text


# ------------------------------------------------------------------ 11. small ones


def test_the_report_names_its_at_risk_rule_and_why_it_depends_on_the_period(piped):
    text = " ".join(piped.split())
    assert "factor=2, lapse_after=3 periods" in text
    assert "the list changes with --period" in text


def test_captions_sit_above_their_tables(piped):
    lines = piped.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("share of each month cohort"))
    assert lines[i + 1].startswith("cohort") and set(lines[i + 2]) == {"─"}
    i = next(k for k, ln in enumerate(lines) if ln.startswith("row accounting"))
    assert lines[i + 1].startswith("rows")


def test_demo_shop_without_pandas_says_which_extra_to_install():
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "import fidelite\n"
        "from fidelite.exceptions import MissingDependencyError\n"
        "try:\n"
        "    fidelite.datasets.demo_shop(50, frame='pandas')\n"
        "except MissingDependencyError as e:\n"
        "    print('ok', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok") and "pandas" in done.stdout
    assert issubclass(MissingDependencyError, ImportError)


def test_make_prints_no_pip_noise_and_keeps_the_example_plugin_out_of_the_venv():
    root = fidelite_root()
    dry = subprocess.run(
        ["make", "-n", "-B", "demo", "test"], cwd=root, capture_output=True, text=True, timeout=60
    ).stdout
    installs = [ln for ln in dry.splitlines() if "maturin develop" in ln or " install " in ln]
    assert installs and all("make.log 2>&1 ||" in ln for ln in installs), installs  # output shown on failure only
    plugin = [ln for ln in installs if "plugins/" in ln]
    assert plugin and all("--target .venv/test-plugins" in ln and " -e " not in ln for ln in plugin)
    assert "PYTHONPATH=" in dry and "test-plugins" in dry
    site = subprocess.run(
        [sys.executable, "-c", "import importlib.util as u; print(u.find_spec('fidelite_example_index') is None)"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"},
    )
    assert site.stdout.strip() == "True"  # not installed in the venv itself


def fidelite_root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
