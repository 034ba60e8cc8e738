"""Reading where the data lives: PostgreSQL (a real server, through ADBC), SQLite and
DuckDB database files give the event log the same rows, results and row accounting as
the same rows read from Parquet.

The PostgreSQL server is started by a fixture (initdb + pg_ctl in a temporary directory,
on a free local port, as the ``postgres`` user when run as root) and stopped after. Its
tests skip when the PostgreSQL binaries are absent, unless FIDELITE_REQUIRE_POSTGRES=1
(set by .ci/run, which installs Debian's postgresql package).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fidelite
from fidelite.exceptions import MissingDependencyError, ParameterError, PluginError
from fidelite.io import loaders

METRICS = ("retention", "lifecycle", "period_kpis", "customer_summary", "repeat_rate")


def pg_bin() -> Path | None:
    """The directory of initdb / pg_ctl: on the PATH, or Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(debian[-1]).parent if debian else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """The URI of a fresh PostgreSQL server (database ``postgres``, user ``postgres``)."""
    bin_dir = pg_bin()
    if bin_dir is None:
        if os.environ.get("FIDELITE_REQUIRE_POSTGRES") == "1":
            pytest.fail(
                "FIDELITE_REQUIRE_POSTGRES=1 but initdb / pg_ctl are not installed (apt-get install postgresql)"
            )
        pytest.skip(
            "PostgreSQL is not installed (apt-get install postgresql; FIDELITE_REQUIRE_POSTGRES=1 makes this fail)"
        )
    root = tmp_path_factory.mktemp("pg")
    data, port = root / "data", free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chmod(root, 0o755)
        for parent in root.parents:  # the server user must reach its directory: open the
            if parent == Path(tempfile.gettempdir()):  # pytest folders up to pytest-of-<user>
                break  # (pytest-xdist adds a level: pytest-of-root/pytest-N/popen-gwK/pg0)
            os.chmod(parent, os.stat(parent).st_mode | 0o711)
            if parent.name.startswith("pytest-of-"):
                break
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]

    def pg(*argv: str, check: bool = True) -> bool:
        out = subprocess.run([*as_user, *argv], capture_output=True, text=True, timeout=240)
        assert out.returncode == 0 or not check, f"{argv[0]} failed: {out.stdout}\n{out.stderr}"
        return out.returncode == 0

    pg(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "60", "start")
    uri = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        yield uri
    finally:
        ctl = (str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "120", "stop")
        if not pg(*ctl, "-m", "fast", check=False):  # a loaded machine: stop without waiting for clients
            pg(*ctl, "-m", "immediate")


@pytest.fixture(scope="module")
def events() -> pa.Table:
    """The demo shop's events as Arrow, with a few rows fidelite rejects (a null id, a
    null timestamp) so that the accounting is compared too."""
    shop = fidelite.datasets.demo_shop(1_500, seed=21, frame="arrow")
    table = shop.events
    ids = table.column("customer_id").to_pylist()
    ts = table.column("timestamp").to_pylist()
    ids[3], ts[5] = None, None
    table = table.set_column(0, "customer_id", pa.array(ids, table.schema.field("customer_id").type))
    i = table.column_names.index("timestamp")
    return table.set_column(i, "timestamp", pa.array(ts, table.schema.field("timestamp").type))


@pytest.fixture(scope="module")
def parquet_log(events, tmp_path_factory):
    path = tmp_path_factory.mktemp("pq") / "events.parquet"
    pq.write_table(events, path)
    return fidelite.EventLog(str(path))


def same_log(log, expected):
    assert log.equals(expected)
    assert log.report.read == expected.report.read and log.report.used == expected.report.used
    assert log.report.rejected == expected.report.rejected
    for name in METRICS:
        got, want = getattr(fidelite, name)(log).to_dict(), getattr(fidelite, name)(expected).to_dict()
        assert list(got) == list(want), name
        for col in want:
            np.testing.assert_array_equal(got[col], want[col], err_msg=f"{name}.{col}")


def test_postgresql_table_gives_what_parquet_gives(postgres, events, parquet_log):
    dbapi = pytest.importorskip("adbc_driver_postgresql.dbapi")
    with dbapi.connect(postgres) as conn, conn.cursor() as cur:
        cur.adbc_ingest("events", events, mode="replace")
        conn.commit()
    log = fidelite.EventLog(postgres, query="select * from events")
    assert log.source == "event table (postgresql query)"
    assert log.report.n_rejected == 2 and log.report.read == events.num_rows
    same_log(log, parquet_log)
    # a query selects and renames like any SQL
    renamed = fidelite.EventLog(
        postgres,
        query="select customer_id as client, timestamp as ts, amount from events",
        customer="client",
        time="ts",
    )
    assert renamed.n_events == parquet_log.n_events


def test_postgresql_errors_say_what_is_wrong(postgres):
    with pytest.raises(ParameterError, match="needs a query"):
        fidelite.EventLog(postgres)
    dbapi = pytest.importorskip("adbc_driver_postgresql.dbapi")
    # the database's answer, as a PluginError naming the loader, chained from the driver's error
    with pytest.raises(PluginError, match="loader 'postgresql' .* failed to read .*no_such_table") as e:
        fidelite.EventLog(postgres, query="select * from no_such_table")
    assert isinstance(e.value.__cause__, dbapi.Error)


def test_duckdb_file(events, parquet_log, tmp_path):
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.sql("create table events as select * from events")
    log = fidelite.EventLog(str(path), query="select * from events")
    assert log.source == "event table (duckdb query)"
    same_log(log, parquet_log)
    same_log(fidelite.EventLog(f"duckdb://{path}", query="select * from events"), parquet_log)


def test_sqlite_file(events, parquet_log, tmp_path):
    dbapi = pytest.importorskip("adbc_driver_sqlite.dbapi")
    path = tmp_path / "shop.sqlite"
    with dbapi.connect(str(path)) as conn, conn.cursor() as cur:
        cur.adbc_ingest("events", events)
        conn.commit()
    # SQLite has no timestamp type: the instants come back as text, parsed like any text column
    log = fidelite.EventLog(f"sqlite://{path}", query="select * from events")
    assert log.source == "event table (sqlite query)"
    assert log.n_events == parquet_log.n_events and log.n_customers == parquet_log.n_customers


def test_the_registry():
    assert loaders.find("postgres://u:secret@h/db").name == "postgresql"
    assert loaders.find("x.SQLITE3").name == "sqlite" and loaders.find("a.csv") is None
    assert loaders.redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
    with pytest.raises(ParameterError, match="no loader reads 'mysql://u:\\*\\*\\*@h/db'"):
        fidelite.EventLog("mysql://u:secret@h/db", query="select 1")
    with pytest.raises(ParameterError, match="query= selects rows of a database"):
        fidelite.EventLog({"customer_id": [1], "timestamp": ["2024-01-01"]}, query="select 1")
    seen = []

    def read(source, query):
        seen.append((source, query))
        return pa.table({"customer_id": [1, 2], "timestamp": ["2024-01-01", "2024-01-02"]})

    loaders.register(loaders.Loader("mine", read), schemes=("mine",), suffixes=(".mine",))
    try:
        log = fidelite.EventLog("mine://anything", query="q")
        assert seen == [("mine://anything", "q")] and log.n_events == 2
        assert log.source == "event table (mine query)"
    finally:
        loaders.unregister(schemes=("mine",), suffixes=(".mine",))
    assert loaders.find("mine://anything") is None and loaders.find("a.mine") is None


def test_a_missing_driver_names_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "adbc_driver_postgresql.dbapi", None)
    with pytest.raises(MissingDependencyError, match=r"fidelite\[sql\]"):
        fidelite.EventLog("postgresql://u@h/db", query="select 1")
