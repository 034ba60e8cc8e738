"""The ``fidelite`` command line: demo, report on CSV / Parquet files, indices, and bad
input ending in one ``error:`` line with exit status 2 (never a traceback).

Most tests call :func:`fidelite.cli.main` in process (fast, output captured by capsys);
a few run the installed ``fidelite`` script to check the real entry point.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import fidelite
from fidelite.cli import main

SCRIPT = Path(sys.executable).with_name("fidelite")
RENAMED = {"customer_id": "client", "timestamp": "ts", "amount": "total", "event": "kind"}
CUSTOM = ["--customer", "client", "--time", "ts", "--amount", "total", "--event", "kind"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def script(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *argv],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for f in fragments:
        assert f in lines[0], lines[0]


@pytest.fixture(scope="module")
def frames(shop) -> dict[str, pd.DataFrame]:
    events = pd.DataFrame(shop.events).rename(columns=RENAMED)
    return {
        "events": events,
        "surveys": pd.DataFrame(shop.surveys),
        "customers": pd.DataFrame(shop.customers),
        "subscriptions": pd.DataFrame(shop.subscriptions),
        "contacts": pd.DataFrame(shop.contacts),
    }


@pytest.fixture(scope="module")
def files(frames, tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli")
    out = {"csv": d / "orders.csv", "parquet": d / "orders.parquet"}
    frames["events"].to_csv(out["csv"], index=False)
    frames["events"].to_parquet(out["parquet"], index=False)
    for name in ("surveys", "customers", "subscriptions"):
        out[name] = d / f"{name}.parquet"
        frames[name].to_parquet(out[name], index=False)
    return out


def lines_starting(text: str, prefix: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip().startswith(prefix)]


def cohort_part(out: str) -> str:
    """The terminal text of the cohort section."""
    return out[out.index("Cohort retention") : out.index("Lifecycle")]


# ------------------------------------------------------------------ demo


def test_demo_prints_the_report_with_its_cohort_table(capsys):
    code, out, err = run(capsys, "demo", "--customers", "600", "--seed", "3", "--period", "quarter")
    assert code == 0, err
    shop = fidelite.datasets.demo_shop(600, seed=3)
    m = fidelite.retention(shop.events, period="quarter")
    assert "fidelite demo report" in out
    cohorts = cohort_part(out)
    for i, label in enumerate(m.cohort_labels):
        [row] = lines_starting(cohorts, label + " ")
        assert row.split()[1:3] == [f"{m.sizes[i]:,}", "100.0%" + ("" if m.complete[i, 0] else "*")]
    [avg] = lines_starting(cohorts, "average")
    assert f"{100 * m.average[1]:.1f}%" in avg
    assert err == ""  # no progress bar when stderr is not a terminal


def test_demo_script_runs_and_writes_html(tmp_path):
    out = tmp_path / "demo.html"
    done = script("demo", "--customers", "400", "--html", str(out))
    assert done.returncode == 0, done.stderr
    assert "Cohort retention" in done.stdout and f"HTML report written to {out}" in done.stdout
    page = out.read_text(encoding="utf-8")
    for key in ("accounting", "kpis", "cohorts", "lifecycle", "customers", "indices", "methods"):
        assert f"data-section='{key}' data-status='ok'" in page
    assert "http://" not in page and "https://" not in page


def test_progress_shows_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: treat the captured stderr as a terminal
    code, _, err = run(capsys, "demo", "--customers", "300", "--period", "year")
    assert code == 0
    from fidelite.report import SECTIONS
    from fidelite.report.plugin_sections import with_plugins

    n = 2 + len(with_plugins(SECTIONS))  # the installed plugins' sections are stages too
    assert f"{n}/{n}" in err  # the bar reached its last stage


# ------------------------------------------------------------------ report


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_report_on_files_with_custom_column_names(capsys, files, frames, kind):
    code, out, err = run(capsys, "report", str(files[kind]), *CUSTOM, "--period", "quarter")
    assert code == 0, err
    n = len(frames["events"])
    [read] = lines_starting(out, "rows read")
    assert read.split()[-1] == f"{n:,}"
    [rejected] = lines_starting(out, "rows rejected")
    assert rejected.split()[-1] == "0"
    m = fidelite.retention(frames["events"], customer="client", time="ts", period="quarter")
    cohorts = cohort_part(out)
    assert [ln.split()[0] for ln in cohorts.splitlines() if ln.strip()[:2] == "20"] == m.cohort_labels
    assert "source" in out and files[kind].name in out
    assert "NPS, customer loyalty index: skipped, needs the surveys table (--surveys FILE)." in " ".join(out.split())


def test_report_with_optional_tables_tz_as_of_and_html(capsys, files, tmp_path):
    html = tmp_path / "out" / "report.html"
    html.parent.mkdir()
    code, out, err = run(
        capsys,
        "report",
        str(files["parquet"]),
        *CUSTOM,
        "--surveys",
        str(files["surveys"]),
        "--customers",
        str(files["customers"]),
        "--subscriptions",
        str(files["subscriptions"]),
        "--tz",
        "Europe/Paris",
        "--as-of",
        "2024-12-31",
        "--period",
        "quarter",
        "--html",
        str(html),
    )
    assert code == 0, err
    assert "(Europe/Paris)" in out
    assert lines_starting(cohort_part(out), "2024-Q4 ") and not lines_starting(out, "2025-Q1 ")
    assert lines_starting(out, "NPS")
    page = html.read_text(encoding="utf-8")
    assert "data-section='cohorts' data-status='ok'" in page and "<td>NPS</td>" in page


def test_purchase_event_option(capsys, frames, tmp_path):
    orders = frames["events"].head(3000).copy()
    orders["kind"] = orders["kind"].replace("purchase", "order")
    path = tmp_path / "orders.parquet"
    orders.to_parquet(path, index=False)
    code, out, err = run(capsys, "report", str(path), *CUSTOM, "--period", "quarter")
    assert code == 0, err
    assert "--purchase-event NAME" in " ".join(out.split())
    code, out, err = run(capsys, "report", str(path), *CUSTOM, "--period", "quarter", "--purchase-event", "order")
    assert code == 0, err
    rate = fidelite.repeat_rate(orders, customer="client", time="ts", event="kind", purchase_event="order").value
    [row] = lines_starting(out, "repeat-purchase rate")
    assert f"{rate:.1f}%" in row


def test_rejected_rows_are_reported_and_strict_stops(capsys, frames, tmp_path):
    bad = frames["events"].head(500).copy()
    bad["ts"] = bad["ts"].astype(str)
    bad.loc[[3, 8, 9], "ts"] = "not a date"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    code, out, err = run(capsys, "report", str(path), *CUSTOM, "--period", "quarter")
    assert code == 0, err
    [reason] = lines_starting(out, "rejected: unparseable timestamp")
    assert reason.split()[-1] == "3"
    code, out, err = run(capsys, "report", str(path), *CUSTOM, "--strict")
    assert_one_line_error(
        code, err, "bad.csv:", "3 of 500 rows were rejected", "the first is line 5", "drop --strict to skip them"
    )
    assert out == ""


# ------------------------------------------------------------------ bad input


def _csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "e.csv"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["report", "{dir}/missing.csv"], ["no such file", "missing.csv"]),
        (
            ["report", "{ok}", "--customer", "cid"],
            [
                "e.csv: column 'cid' (the customer) is not in the event table; it has "
                "'customer_id', 'timestamp'. Pass --customer COL."
            ],
        ),
        (["report", "{ok}", "--tz", "Mars/Olympus"], ['unknown time zone "Mars/Olympus"']),
        (["report", "{ok}", "--period", "fortnight"], ["unknown period 'fortnight'"]),
        (["report", "{ok}", "--as-of", "yesterday"], ["cannot read 'yesterday' as a date"]),
        (["report", "{ok}", "--surveys", "{dir}/nope.parquet"], ["no such file", "nope.parquet"]),
        (["report", "{all_bad}"], ["all 2 rows of the event table", "were rejected", "null customer id"]),
        (["report", "{dir}/events.json"], ["use a .csv, .tsv, .csv.gz or .parquet file"]),
        (["report", "{ok}", "--html", "{dir}/no/such/dir/r.html"], ["No such file or directory"]),
        (["report"], ["the following arguments are required: FILE", "(see fidelite report --help)"]),
        (["frobnicate"], ["invalid choice: 'frobnicate'"]),
        (["demo", "--customers", "0"], ["n_customers must be >= 1"]),
    ],
)
def test_bad_input_ends_with_one_error_line(capsys, tmp_path, argv, fragments):
    ok = _csv(tmp_path, "customer_id,timestamp\n1,2024-01-05\n2,2024-02-01\n")
    all_bad = tmp_path / "bad.csv"
    all_bad.write_text("customer_id,timestamp\n,2024-01-05\n,2024-02-01\n")
    (tmp_path / "events.json").write_text("{}")
    argv = [a.format(dir=tmp_path, ok=ok, all_bad=all_bad) for a in argv]
    code, out, err = run(capsys, *argv)
    assert_one_line_error(code, err, *fragments)


def test_the_script_exits_2_without_traceback(tmp_path):
    done = script("report", str(tmp_path / "missing.csv"))
    assert_one_line_error(done.returncode, done.stderr, "no such file")
    assert done.stdout == ""


# ------------------------------------------------------------------ indices


def test_indices_lists_the_builtins_with_their_provider(capsys):
    code, out, err = run(capsys, "indices")
    assert code == 0, err
    listed = fidelite.indices()
    assert f"{len(listed)} loyalty indices" in out
    for name in ("nps", "loyalty_index", "engagement", "repeat_rate", "upsell_rate"):
        info = listed.get(name)
        [row] = lines_starting(out, name + " ")
        assert info.level in row and info.unit in row and "fidelite" in row and info.version in row
        assert ", ".join(info.inputs).split(",")[0] in row


def test_indices_script():
    done = script("indices")
    assert done.returncode == 0, done.stderr
    assert "repeat_rate" in done.stdout and "upsell_rate" in done.stdout


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"fidelite {fidelite.__version__}"


def test_report_tiers_option_lists_the_members_near_their_next_tier(capsys, files, shop, tmp_path):
    programme = tmp_path / "programme.parquet"
    pd.DataFrame(shop.programme).to_parquet(programme, index=False)
    code, out, err = run(
        capsys, "report", str(files["parquet"]), *CUSTOM, "--programme", str(programme),
        "--tiers", "bronze=0, silver=150,gold=500", "--format", "csv", "--section", "near-next-tier",
    )  # fmt: skip
    assert code == 0, err
    near = fidelite.near_next_tier(shop.programme, tiers=fidelite.datasets.PROGRAMME_TIERS)
    written = pd.read_csv(io.StringIO(out))
    assert written["customer_id"].tolist() == near["customer_id"].tolist()


@pytest.mark.parametrize("spec", ["silver", "silver=lots", "=150", "silver=150,"])
def test_report_tiers_option_says_how_to_write_it(capsys, files, spec):
    code, out, err = run(capsys, "report", str(files["parquet"]), *CUSTOM, "--tiers", spec)
    assert_one_line_error(code, err, f"--tiers {spec!r}", "bronze=0,silver=150,gold=500")
