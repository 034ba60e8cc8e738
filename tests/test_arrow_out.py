"""Arrow out: every result (and an EventLog's used rows) is an Arrow table through the
PyCapsule interface, built in Rust without pyarrow, which polars, pyarrow and DuckDB read.

The results are found programmatically from the public API (tests/every_result.py), and
a test checks that every result class of the package has an instance among them.
"""

from __future__ import annotations

import datetime as dt
import gc
import subprocess
import sys

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from every_result import every_result, python_values, result_classes, same, string_ids

import fidelite
from fidelite import _core, frames
from fidelite.exceptions import DTypeError, LengthMismatchError, ParameterError
from fidelite.results import TableResult


@pytest.fixture(scope="module")
def small_shop():
    return fidelite.datasets.demo_shop(600, seed=5)


@pytest.fixture(scope="module", params=["int ids", "text ids"])
def results(request, small_shop):
    tables = {
        n: getattr(small_shop, n) for n in ("events", "customers", "surveys", "contacts", "subscriptions", "programme")
    }
    if request.param == "text ids":
        tables = string_ids(small_shop)
    log = fidelite.EventLog(tables["events"])
    return every_result(tables, log)


def test_every_result_class_has_an_instance(results):
    covered = {type(r) for r in results.values()}
    missing = result_classes() - covered
    assert not missing, (
        f"result classes without an instance in tests/every_result.py: {sorted(c.__name__ for c in missing)}; "
        "make every_result() reach them (a metric in fidelite.metrics.__all__, or a result it holds)"
    )
    assert len(covered) >= 15


#: Result classes that consumers do not read as the result's table, and why. When one is
#: fixed, the tests below fail until it is taken off this list.
#: (IndexList was one while it subclassed list: pa.table / pl.DataFrame took it as a list
#: of rows and DuckDB refused it; it now holds its items and reads as its table.)
NOT_READ_AS_TABLE: set[str] = set()


def readable(results):
    """The results consumers read as tables; checks that the others are still not."""
    out = {}
    for path, result in results.items():
        if type(result).__name__ in NOT_READ_AS_TABLE:
            assert isinstance(result, list), f"{path}: take {type(result).__name__} off NOT_READ_AS_TABLE"
            streamed = pa.RecordBatchReader.from_stream(result).read_all()
            check({n: streamed.column(n).to_pylist() for n in streamed.column_names}, result, f"stream ({path})")
        else:
            out[path] = result
    return out


def expected_columns(result):
    return {name: python_values(values) for name, values in result.to_dict().items()}


def check(got: dict[str, list], result, consumer: str) -> None:
    expected = expected_columns(result)
    assert list(got) == list(expected), f"{consumer}: columns of {result.title!r}"
    for name, values in expected.items():
        assert same(got[name], values), f"{consumer}: column {name!r} of {result.title!r}"


def test_pyarrow_reads_every_result(results):
    for path, result in readable(results).items():
        table = pa.table(result)
        assert table.num_rows == len(next(iter(result.to_dict().values())))
        check({n: table.column(n).to_pylist() for n in table.column_names}, result, f"pyarrow ({path})")


def test_polars_reads_every_result(results):
    for path, result in readable(results).items():
        df = pl.DataFrame(result)
        check({n: df[n].to_list() for n in df.columns}, result, f"polars ({path})")


def test_duckdb_reads_every_result(results):
    con = duckdb.connect()
    for path, result in readable(results).items():
        rel = con.sql("select * from result")  # the replacement scan finds the local variable
        rows = rel.fetchall()
        got = {name: [row[i] for row in rows] for i, name in enumerate(rel.columns)}
        check(got, result, f"duckdb ({path})")


def test_to_arrow_is_a_pyarrow_table_of_each_form(shop):
    m = fidelite.retention(shop.events, period="quarter")
    long = m.to_arrow()
    assert isinstance(long, pa.Table) and long.num_rows == m.counts.size
    assert long.schema.field("cohort").type == pa.date32() and long.schema.field("rate").type == pa.float64()
    wide = m.to_arrow("wide")
    assert wide.column_names == ["cohort", "size", *m.offset_labels]
    assert wide.num_rows == len(m.cohorts)
    rates = np.array([wide.column(lab).to_numpy(zero_copy_only=False) for lab in m.offset_labels]).T
    np.testing.assert_array_equal(rates, m.rates)  # NaN where the cell had not begun: null -> NaN
    with pytest.raises(ParameterError, match="unknown form 'tall'"):
        m.to_arrow("tall")
    with pytest.raises(ParameterError, match="unknown form 'wide'"):
        fidelite.period_kpis(shop.events).to_arrow("wide")


def test_event_log_used_rows(shop):
    log = fidelite.EventLog(shop.events)
    table = pa.table(log)
    assert table.column_names == ["customer_id", "timestamp", "amount", "event", "product", "duration", "channel"]
    assert table.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    assert table.num_rows == log.n_events == log.report.used
    df = log.to_pandas()
    for name in table.column_names:
        got, expected = table.column(name).to_pylist(), df[name].tolist()
        if name == "timestamp":
            expected = [t.to_pydatetime() for t in expected]
        assert got == [None if isinstance(v, float) and np.isnan(v) else v for v in expected], name
    polars = pl.DataFrame(log)
    assert polars.schema["timestamp"] == pl.Datetime("us", "UTC") and polars.height == log.n_events
    n = duckdb.sql("select count(distinct customer_id) from log").fetchall()[0][0]
    assert n == log.n_customers


# --------------------------------------------------------------------------- the conversion


def test_types_of_each_dtype():
    t = pa.table(
        frames.arrow_table(
            {
                "i8": np.array([1, -2], np.int8),
                "u32": np.array([1, 2], np.uint32),
                "i64": np.array([1, 2]),
                "f32": np.array([1.5, np.nan], np.float32),
                "f16": np.array([0.5, 1], np.float16),
                "b": np.array([True, False]),
                "day": np.array(["2024-02-29", "NaT"], "datetime64[D]"),
                "month": np.array(["2024-02", "2024-03"], "datetime64[M]"),
                "ns": np.array(["2024-01-01T00:00:00.000000001", "NaT"], "datetime64[ns]"),
                "hour": np.array(["2024-01-01T05", "2024-01-01T06"], "datetime64[h]"),
                "gap": np.array([3, "NaT"], "timedelta64[D]"),
                "u": np.array(["é", "ab"]),
                "bytes": np.array([b"x", b"yz"]),
                "list": [1, 2],
            },
            timezones={"ns": "Europe/Paris"},
        )
    )
    assert [str(f.type) for f in t.schema] == [
        "int8",
        "uint32",
        "int64",
        "float",
        "float",
        "bool",
        "date32[day]",
        "date32[day]",
        "timestamp[ns, tz=Europe/Paris]",
        "timestamp[s]",
        "duration[s]",
        "string",
        "string",
        "int64",
    ]
    assert t.column("f32").to_pylist() == [1.5, None]
    assert t.column("day").to_pylist() == [dt.date(2024, 2, 29), None]
    assert t.column("month").to_pylist() == [dt.date(2024, 2, 1), dt.date(2024, 3, 1)]
    assert t.column("ns").cast(pa.int64()).to_pylist() == [1_704_067_200_000_000_001, None]
    assert t.column("hour").to_pylist() == [dt.datetime(2024, 1, 1, 5), dt.datetime(2024, 1, 1, 6)]
    assert t.column("gap").to_pylist() == [dt.timedelta(days=3), None]
    assert t.column("u").to_pylist() == ["é", "ab"] and t.column("bytes").to_pylist() == ["x", "yz"]


@pytest.mark.parametrize(
    ("values", "arrow_type", "expected"),
    [
        (["a", None, float("nan"), "é"], pa.string(), ["a", None, None, "é"]),
        ([1, None, np.int64(3)], pa.int64(), [1, None, 3]),
        ([1, 2.5, None, np.float32(0.25)], pa.float64(), [1.0, 2.5, None, 0.25]),
        ([True, None, np.True_], pa.bool_(), [True, None, True]),
        ([None, None], pa.null(), [None, None]),
        (["a", 1, dt.date(2024, 1, 2)], pa.string(), ["a", "1", "2024-01-02"]),
        ([1, True], pa.string(), ["1", "True"]),
        ([2**70, 1], pa.string(), [str(2**70), "1"]),
    ],
)
def test_object_columns(values, arrow_type, expected):
    column = np.empty(len(values), dtype=object)
    column[:] = values
    t = pa.table(frames.arrow_table({"x": column}))
    assert t.schema.field("x").type == arrow_type
    assert t.column("x").to_pylist() == expected


def test_numeric_columns_are_shared_not_copied():
    values = np.arange(1000, dtype=np.float64)
    table = frames.arrow_table({"v": values})
    column = pa.table(table).column("v").chunk(0)
    assert column.buffers()[1].address == values.__array_interface__["data"][0]
    # the Arrow data keeps the numpy memory alive after every Python reference is gone
    del values, table
    gc.collect()
    assert column.to_pylist()[-3:] == [997.0, 998.0, 999.0]


def test_strided_and_byte_swapped_columns_are_copied_right():
    base = np.arange(12, dtype=np.int64)
    swapped = np.arange(4, dtype=">f8")
    t = pa.table(frames.arrow_table({"strided": base[::3], "swapped": swapped[:4]}))
    assert t.column("strided").to_pylist() == [0, 3, 6, 9]
    assert t.column("swapped").to_pylist() == [0.0, 1.0, 2.0, 3.0]


def test_empty_and_columnless_tables():
    t = pa.table(frames.arrow_table({"a": np.zeros(0, np.int64), "s": np.zeros(0, object)}))
    assert t.num_rows == 0 and t.schema.field("s").type == pa.null()
    assert pa.table(frames.arrow_table({})).num_rows == 0
    empty = TableResult({"customer_id": np.zeros(0, np.int64)}, title="nobody")
    assert pl.DataFrame(empty).shape == (0, 1)


def test_bad_columns_say_what_is_wrong():
    with pytest.raises(DTypeError, match="column 'grid' has 2 dimensions"):
        frames.arrow_table({"grid": np.zeros((2, 2))})
    with pytest.raises(DTypeError, match="column 'z' is of dtype complex128"):
        frames.arrow_table({"z": np.array([1j])})
    with pytest.raises(LengthMismatchError, match="column 'b' has 1 values but column 'a' has 2"):
        frames.arrow_table({"a": np.zeros(2), "b": np.zeros(1)})
    with pytest.raises(DTypeError, match="unknown column type"):
        _core.arrow_table(["a"], [np.zeros(1, np.int64)], ["timestamp[fortnight]"])
    with pytest.raises(DTypeError, match="date32 columns are int32 days"):
        _core.arrow_table(["a"], [np.zeros(1, np.int64)], ["date32"])
    with pytest.raises(DTypeError, match="one of each per column"):
        _core.arrow_table(["a", "b"], [np.zeros(1)], [None])


def test_arrow_arrays_pass_through():
    labels = pa.array(["x", None, "z"])
    t = pa.table(frames.arrow_table({"id": np.arange(3), "label": labels}))
    assert t.column("label").to_pylist() == ["x", None, "z"]


def test_the_stream_is_read_again_on_every_call(shop):
    m = fidelite.lifecycle(shop.events)
    first, second = pa.table(m), pa.table(m)
    assert first.equals(second)
    table = frames.arrow_table(m.to_dict())
    assert len(table) == len(m.periods) and table.column_names == list(m.to_dict())
    assert "ArrowTable(" in repr(table) and "period: Date32" in repr(table)
    schema = pa.schema(table)  # through __arrow_c_schema__
    assert schema.names == list(m.to_dict())


def test_export_needs_no_pyarrow():
    # in a process where importing pyarrow fails, polars still reads a result
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "import fidelite, polars as pl, numpy as np\n"
        "shop = fidelite.datasets.demo_shop(300, seed=2)\n"
        "m = fidelite.retention(shop.events, period='quarter')\n"
        "df = pl.DataFrame(m)\n"
        "assert df.height == m.counts.size and df['count'].to_list() == m.counts.ravel().tolist()\n"
        "assert 'pyarrow' not in {k for k, v in sys.modules.items() if v is not None}\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
