"""EventLog: every input format gives the same log; every row is used or rejected with a
counted reason; each kind of bad input has its own error and message."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fidelite
from fidelite import EventLog
from fidelite.exceptions import (
    ColumnNotFoundError,
    DTypeError,
    EmptyInputError,
    LengthMismatchError,
    ParameterError,
    RejectedRowsError,
    TimeZoneError,
)
from fidelite.io import INEXACT_ID

STAMPS = ["2024-01-05T10:00:00", "2024-01-02T00:00:00", "1969-12-31T23:30:00", "2024-02-01T08:15:30.250000"]


def base() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [3, 1, 3, 2],
            "timestamp": pd.to_datetime(STAMPS, format="ISO8601").astype("datetime64[us]"),
            "amount": [1.5, None, -2.0, 4.0],
            "event": ["visit", "purchase", "visit", "login"],
        }
    )


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return EventLog(base()).to_pandas()


def same(log: EventLog, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(log.to_pandas(), expected)


def test_canonical_export(expected):
    # used rows, sorted by customer then time, under canonical names, UTC timestamps
    assert expected["customer_id"].tolist() == [1, 2, 3, 3]
    assert expected["timestamp"].dt.tz is not None
    assert expected["timestamp"].tolist()[2] == pd.Timestamp("1969-12-31T23:30:00", tz="UTC")
    assert expected["amount"].tolist() == [0.0, 4.0, -2.0, 1.5]
    assert expected["event"].tolist() == ["purchase", "login", "visit", "visit"]


@pytest.mark.parametrize("unit", ["ns", "us", "ms", "s"])
def test_pandas_datetime_units(unit, expected):
    df = base()
    df["timestamp"] = df["timestamp"].astype(f"datetime64[{unit}]")
    if unit == "s":  # the quarter second is lost at second resolution
        df = df.drop(index=3)
        same(EventLog(df), expected[expected.customer_id != 2].reset_index(drop=True))
    else:
        same(EventLog(df), expected)


def test_pandas_tz_aware_is_converted(expected):
    df = base()
    df["timestamp"] = df["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Asia/Kolkata")
    same(EventLog(df), expected)


def test_pandas_categorical_and_nullable_ids(expected):
    df = base()
    df["customer_id"] = df["customer_id"].astype("category")
    same(EventLog(df), expected)
    df = base()
    df["customer_id"] = df["customer_id"].astype("Int64")
    same(EventLog(df), expected)
    df.loc[1, "customer_id"] = pd.NA
    lg = EventLog(df)
    assert lg.report.rejected == {"null customer id": 1} and lg.n_customers == 2
    df = base()
    df["event"] = df["event"].astype("category")
    same(EventLog(df), expected)


def test_polars_frames(expected):
    same(EventLog(pl.from_pandas(base())), expected)
    same(EventLog(pl.from_pandas(base()).lazy()), expected)


def test_arrow_table_batch_and_reader(expected):
    table = pa.Table.from_pandas(base(), preserve_index=False)
    same(EventLog(table), expected)
    same(EventLog(table.to_batches()[0]), expected)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=2))
    same(EventLog(reader), expected)


def test_duckdb_result(expected):
    duckdb = pytest.importorskip("duckdb")
    frame = base()  # noqa: F841 - read by the SQL below
    rel = duckdb.sql("SELECT * FROM frame")
    assert hasattr(rel, "__arrow_c_stream__")
    same(EventLog(rel), expected)


def test_dict_of_numpy_arrays(expected):
    df = base()
    same(EventLog({k: df[k].to_numpy() for k in df.columns}), expected)


def test_csv_and_parquet_files(tmp_path, expected):
    csv = tmp_path / "events.csv"
    base().to_csv(csv, index=False)
    same(EventLog(csv), expected)
    same(EventLog(str(csv)), expected)
    parquet = tmp_path / "events.parquet"
    pq.write_table(pa.Table.from_pandas(base(), preserve_index=False), parquet)
    same(EventLog(parquet), expected)
    assert "events.parquet" in EventLog(parquet).source
    with pytest.raises(ParameterError, match=r"\.csv"):
        (tmp_path / "events.json").write_text("{}")
        EventLog(tmp_path / "events.json")
    with pytest.raises(FileNotFoundError, match="no such file"):
        EventLog(tmp_path / "missing.csv")


def test_csv_with_unparseable_timestamps(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "customer_id,timestamp\n1,2024-01-05T10:00:00\n2,not a date\n3,2024-13-45T00:00:00\n4,\n"
        "5,2024-02-01T10:00:00+02:00\n"
    )
    lg = EventLog(path)
    assert lg.report.read == 5 and lg.report.used == 2
    assert lg.report.rejected == {"null timestamp": 1, "unparseable timestamp (expected ISO 8601)": 2}
    assert lg.to_pandas()["timestamp"].tolist()[1] == pd.Timestamp("2024-02-01T08:00", tz="UTC")


def test_csv_empty_cells_are_nulls(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text(
        "customer_id,timestamp,event\nann,2024-01-05T10:00:00,visit\n,2024-01-06T10:00:00,visit\n"
        "bob,2024-01-07T10:00:00,\n"
    )
    lg = EventLog(path)
    assert lg.report.rejected == {"null customer id": 1, "null event type": 1}
    assert lg.customer_ids.tolist() == ["ann"]


def test_iso_strings_and_dates_are_local_midnight():
    paris = 1_704_409_200_000_000  # 2024-01-05 00:00 in Paris = 2024-01-04 23:00 UTC
    cases = [
        np.array(["2024-01-05"], dtype=object),
        np.array(["2024-01-05"]),
        np.array(["2024-01-05"], dtype="datetime64[D]"),
        np.array([dt.date(2024, 1, 5)], dtype=object),
        pd.Series([dt.date(2024, 1, 5)]),
        pa.array([dt.date(2024, 1, 5)], pa.date32()),
        pl.Series([dt.date(2024, 1, 5)]),
    ]
    for col in cases:
        lg = EventLog({"customer_id": [1], "timestamp": col}, tz="Europe/Paris")
        assert lg.to_pandas()["timestamp"].iloc[0].value // 1000 == paris, col
    # a time of day without an offset is UTC; with an offset, that instant
    naive = EventLog({"customer_id": [1], "timestamp": np.array(["2024-01-05T00:00"], dtype=object)}, tz="Europe/Paris")
    assert naive.to_pandas()["timestamp"].iloc[0] == pd.Timestamp("2024-01-05", tz="UTC")


def test_mixed_python_objects():
    # datetimes mixed with dates keep their time of day (dates are local midnight)
    for values in (
        [dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 5)],
        [dt.datetime(2024, 1, 1, 5), dt.date(2024, 1, 1)],
    ):
        lg = EventLog(
            pd.DataFrame({"customer_id": [1, 2], "timestamp": pd.Series(values, dtype=object)}), tz="Europe/Paris"
        )
        got = sorted(lg.to_pandas()["timestamp"].tolist())
        assert got == [pd.Timestamp("2023-12-31T23:00", tz="UTC"), pd.Timestamp("2024-01-01T05:00", tz="UTC")]
    # strings, datetimes, numbers and missing values in one object column: numbers are
    # never guessed as epochs, pandas' missing values are nulls
    col = pd.Series([dt.datetime(2024, 1, 1, 5), "2024-01-02T00:00", 17_000_000, pd.NA, pd.NaT], dtype=object)
    lg = EventLog(pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "timestamp": col}))
    assert lg.report.rejected == {"null timestamp": 2, "unparseable timestamp (expected ISO 8601)": 1}
    with pytest.raises(DTypeError, match="customer ids mix"):
        EventLog(pd.DataFrame({"customer_id": pd.Series([1, "a"], dtype=object), "timestamp": TS}))
    # a cell that is not a number rejects its row alone
    lg = EventLog(pd.DataFrame({"customer_id": [1, 2], "timestamp": TS, "amount": pd.Series([1, "a"], dtype=object)}))
    assert lg.report.rejected == {"unparseable amount (not a number)": 1}
    with pytest.raises(DTypeError, match="epoch numbers"):
        EventLog(pd.DataFrame({"customer_id": [1, 2], "timestamp": pd.Series([1_704_067_200, 5], dtype=object)}))


def test_strict_mode_raises_with_the_report():
    df = pd.DataFrame({"customer_id": [1, None, 3], "timestamp": ["2024-01-01T00:00", "2024-01-02T00:00", "garbage"]})
    with pytest.raises(RejectedRowsError, match="2 of 3 rows were rejected") as err:
        EventLog(df, strict=True)
    assert err.value.report.rejected == {"null customer id": 1, "unparseable timestamp (expected ISO 8601)": 1}
    assert isinstance(err.value, ValueError)
    assert EventLog(df).report.used == 1


def test_report_accounts_for_every_row():
    df = pd.DataFrame(
        {
            "customer_id": pd.array([1, 2, None, 4, 5, 6, 7], dtype="Int64"),
            "timestamp": [
                "2024-01-01T00:00",
                None,
                "2024-01-02T00:00",
                "2024-01-03T00:00",
                "?",
                "2024-01-04T00:00",
                "2024-01-05T00:00",
            ],
            "amount": [1.0, 2.0, 3.0, float("inf"), 5.0, None, -4.0],
            "event": ["a", "b", "c", "d", "e", "f", None],
        }
    )
    r = EventLog(df).report
    assert r.read == 7
    assert r.rejected == {
        "null customer id": 1,
        "null timestamp": 1,
        "unparseable timestamp (expected ISO 8601)": 1,
        "infinite amount": 1,
        "null event type": 1,
    }
    assert r.used == 2 and r.read == r.used + r.n_rejected
    assert r.notes == {"missing amounts counted as 0": 1}  # the refund's row was rejected for its event
    text = str(r)
    assert "7 rows read, 2 used, 5 rejected" in text and "infinite amount" in text
    assert "<table class='fidelite-report'>" in r._repr_html_()


def test_report_of_numpy_columns_counts_every_flag():
    # numpy columns take the counting fast path: masks are built only for what is there
    t = np.array(["2024-01-01", "NaT", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"], "datetime64[us]")
    m = np.array([[1.0, 0], [2.0, 0], [-3.0, 0], [np.inf, 0], [-1.0, 0], [5.0, 0]])  # a strided column
    duration = np.array([1.0, 2.0, 3.0, 4.0, -5.0, np.nan])
    lg = EventLog({"customer_id": np.arange(6), "timestamp": t, "amount": m[:, 0], "duration": duration})
    r = lg.report
    assert r.rejected == {"null timestamp": 1, "infinite amount": 1, "negative or infinite duration": 1}
    # the refund of the row with a negative duration is not counted: that row was rejected
    assert r.notes == {"refunds (negative amounts)": 1, "missing durations counted as 0": 1}
    assert (lg.t_min, lg.t_max) == (int(t[0].astype(np.int64)), int(t[5].astype(np.int64)))
    clean = EventLog({"customer_id": np.arange(3), "timestamp": t[[0, 2, 5]], "amount": np.array([1.0, 2.0, 3.0])})
    assert clean.report.rejected == {} and clean.report.notes == {}


def test_to_pandas_and_to_polars_round_trip():
    df = base()
    df["product"] = ["hat", None, "shoe", "hat"]
    lg = EventLog(df)
    back = EventLog(lg.to_pandas())
    pd.testing.assert_frame_equal(back.to_pandas(), lg.to_pandas())
    assert list(lg.to_pandas().columns) == ["customer_id", "timestamp", "amount", "event", "product"]
    pl_df = lg.to_polars()
    assert pl_df.columns == ["customer_id", "timestamp", "amount", "event", "product"]
    assert str(pl_df.schema["timestamp"]) == "Datetime(time_unit='us', time_zone='UTC')"
    pd.testing.assert_frame_equal(EventLog(pl_df).to_pandas(), lg.to_pandas())
    assert pl_df["product"].to_list() == [None, "hat", "shoe", "hat"]


def test_string_ids_and_renamed_columns():
    df = base().rename(columns={"customer_id": "cid", "timestamp": "ts", "amount": "eur"})
    df["cid"] = df["cid"].map({1: "b", 2: "a", 3: "é"})
    lg = EventLog(df, customer="cid", time="ts", amount="eur", event=False)
    assert lg.customer_ids[lg.id_order()].tolist() == ["a", "b", "é"]
    assert sorted(lg.customer_ids.tolist()) == ["a", "b", "é"]  # in code order: not necessarily sorted
    assert lg.to_pandas()["customer_id"].tolist() == ["a", "b", "é", "é"]
    assert list(lg.to_pandas().columns) == ["customer_id", "timestamp", "amount"]
    assert lg.columns == {"customer": "cid", "time": "ts", "amount": "eur"}


@pytest.mark.parametrize("wrap", [lambda v: np.array(v, dtype=object), pa.array, pd.Series, pl.Series])
def test_string_ids_are_compared_exactly(wrap):
    ids = ["b", "a", "", "é", "a\x00", "A", "a"]
    ts = np.arange(len(ids)).astype("datetime64[D]").astype("datetime64[us]")
    lg = EventLog({"customer_id": wrap(ids), "timestamp": ts})
    assert lg.customer_ids[lg.id_order()].tolist() == ["", "A", "a", "a\x00", "b", "é"]  # code point order
    assert lg.n_customers == 6 and [lg.customer_ids[c] for c in lg.codes_of(ids)] == ids
    assert lg.to_pandas()["customer_id"].tolist() == ["", "A", "a", "a", "a\x00", "b", "é"]


def test_float_ids_without_fractions_are_integers():
    lg = EventLog({"customer_id": np.array([2.0, 1.0, np.nan]), "timestamp": base()["timestamp"].to_numpy()[:3]})
    assert lg.customer_ids.tolist() == [1, 2] and lg.report.rejected == {"null customer id": 1}


def test_an_all_null_label_column():
    df = base()
    df["product"] = None
    lg = EventLog(df)
    assert lg.labels("product") == () and lg.to_pandas()["product"].isna().all()


# ----------------------------------------------------------------------------- errors

TS = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[us]")


def test_missing_column_suggests_a_name():
    with pytest.raises(ColumnNotFoundError, match=r"Did you mean 'customer'\? Pass customer=<column name>"):
        EventLog({"customer": [1, 2], "timestamp": TS})
    with pytest.raises(ColumnNotFoundError, match="the time"):
        EventLog({"customer_id": [1, 2], "time_stamp": TS})
    with pytest.raises(ColumnNotFoundError, match="'price'"):
        EventLog({"customer_id": [1, 2], "timestamp": TS}, amount="price")


@pytest.mark.parametrize(
    "data",
    [
        {"customer_id": [], "timestamp": []},
        pd.DataFrame({"customer_id": [], "timestamp": []}),
        pl.DataFrame({"customer_id": [], "timestamp": []}),
    ],
)
def test_empty_input(data):
    with pytest.raises(EmptyInputError, match="no rows"):
        EventLog(data)


def test_all_rows_rejected():
    with pytest.raises(EmptyInputError, match="all 2 rows"):
        EventLog({"customer_id": [1, 2], "timestamp": np.array([None, None], dtype=object)})


def test_mismatched_lengths():
    with pytest.raises(LengthMismatchError, match="customer_id: 3, timestamp: 2"):
        EventLog({"customer_id": [1, 2, 3], "timestamp": TS})


@pytest.mark.parametrize("ids", [np.array([True, False]), pd.Series([True, False]), pl.Series([True, False])])
def test_bool_ids(ids):
    with pytest.raises(DTypeError, match="customer ids must be integers"):
        EventLog({"customer_id": ids, "timestamp": TS})


@pytest.mark.parametrize(
    "ids", [np.array([1.5, 2.0, 2.0]), np.array([2.0, np.inf, 2.0]), pd.Series([2.0, 2.25, 2.0]), [2.0**63, 2, 2]]
)
def test_float_ids_that_are_not_integers_are_rejected_and_counted(ids):
    """One bad float id is one rejected row, never rounded onto another customer."""
    lg = EventLog({"customer_id": ids, "timestamp": np.array(["2024-01-01"] * 3, "datetime64[us]")})
    assert lg.report.rejected == {INEXACT_ID: 1}
    assert lg.customer_ids.tolist() == [2] and lg.n_events == 2


@pytest.mark.parametrize(
    "ts", [np.array([1_704_067_200, 1_704_153_600]), pd.Series([1.7e9, 1.8e9]), pa.array([1, 2], pa.int64())]
)
def test_integer_timestamps(ts):
    with pytest.raises(DTypeError, match=r"epoch numbers.*unit='s'"):
        EventLog({"customer_id": [1, 2], "timestamp": ts})


def test_unknown_time_zone():
    with pytest.raises(TimeZoneError, match='"Mars/Olympus".*IANA'):
        EventLog({"customer_id": [1, 2], "timestamp": TS}, tz="Mars/Olympus")
    assert issubclass(TimeZoneError, ValueError)


def test_wrong_types_of_input():
    with pytest.raises(DTypeError, match="cannot read a list"):
        EventLog([1, 2, 3])
    with pytest.raises(DTypeError, match="amount column must hold numbers, got dtype bool; cast it to float"):
        EventLog({"customer_id": [1, 2], "timestamp": TS, "amount": [True, False]})


def test_unknown_period_and_criterion():
    lg = EventLog({"customer_id": [1, 2], "timestamp": TS})
    with pytest.raises(ParameterError, match="unknown period 'fortnight': use one of day, week"):
        fidelite.retention(lg, period="fortnight")
    with pytest.raises(ParameterError, match="unknown criterion 'sometimes': use one of 'on', 'on_or_after'"):
        fidelite.retention(lg, criterion="sometimes")


def test_event_mask_and_accessors():
    lg = EventLog(base())
    assert lg.n_events == len(lg) == 4 and lg.n_customers == 3
    assert lg.labels("event") == ("login", "purchase", "visit")
    assert lg.event_mask("visit").tolist() == [False, False, True, True]
    assert lg.event_mask(None) is None
    assert lg.has("amount") and not lg.has("product")
    assert EventLog.of(lg) is lg
    assert "4 events, 3 customers" in repr(lg)


def test_columns_are_put_in_grouped_order_on_first_use():
    t = np.array(["2024-01-03", "2024-01-01", "2024-01-02"], "datetime64[us]")
    data = {"customer_id": [1, 1, 2], "timestamp": t, "amount": [3.0, 1.0, 2.0], "event": ["b", "a", "a"]}
    log = fidelite.EventLog(data)
    cols = log.grouped().columns  # grouped for a query that reads only the times
    assert list(cols) == ["amount", "event"] and "amount" in cols and len(cols) == 2
    assert cols.ready == ()  # nothing reordered yet
    assert cols["amount"].tolist() == [1.0, 3.0, 2.0]
    assert cols.ready == ("amount",) and not cols.released
    assert [log.labels("event")[c] for c in cols["event"]] == ["a", "b", "a"]
    assert cols.released  # released once every column is done
    with pytest.raises(KeyError):
        cols["product"]
    # prepare() reorders every column up front
    prepared = fidelite.EventLog(data).prepare()
    assert prepared.grouped().columns.ready == ("amount", "event")


def test_strided_optional_columns_reach_every_kernel_path():
    # columns of a 2-d array are views with a stride: both layouts must read them
    m = np.zeros((4, 2))
    m[:, 0] = [1.0, 2.0, 3.0, 4.0]
    t = np.array(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"], "datetime64[us]")
    data = {"customer_id": [1, 1, 2, 2], "timestamp": t, "amount": m[:, 0], "duration": m[:, 0]}
    fresh = fidelite.customer_summary(fidelite.EventLog(data))
    grouped = fidelite.customer_summary(fidelite.EventLog(data).prepare())
    assert fresh["revenue"].tolist() == grouped["revenue"].tolist() == [3.0, 7.0]


def test_columns_carried_through_the_grouping_equal_the_columns_reordered_after():
    rng = np.random.default_rng(5)
    n = 40_000
    data = {
        "customer_id": rng.integers(0, 9_000, n),
        "timestamp": rng.integers(0, 10**9, n).astype("M8[s]"),
        "amount": rng.normal(20, 30, n).round(2),
        "duration": rng.exponential(3, n),
        "event": rng.choice(["visit", "purchase"], n),
    }
    data["timestamp"][::7] = data["timestamp"][0]  # same-instant rows: ordered by amount, then event
    carried = EventLog(data).grouped(columns=("amount",))  # groups now, carrying the amount
    assert carried.columns.ready == ("amount",)
    after = EventLog(data).grouped()  # groups without carrying: every column reordered on first use
    assert np.array_equal(carried.columns["amount"], after.columns["amount"])
    for role in ("duration", "event"):  # not carried: reordered on first use, as before
        assert np.array_equal(carried.columns[role], after.columns[role])
    assert np.array_equal(carried.ts, after.ts) and np.array_equal(carried.indptr, after.indptr)
    prepared = EventLog(data).prepare().grouped()  # carries every float column
    for role in ("amount", "duration", "event"):
        assert np.array_equal(prepared.columns[role], after.columns[role])


@pytest.mark.parametrize(
    ("role", "dtype"),
    [
        ("customer_id", ">i8"),
        ("customer_id", ">u4"),
        ("customer_id", ">f8"),
        ("timestamp", ">M8[us]"),
        ("timestamp", ">M8[ns]"),
        ("timestamp", ">M8[s]"),
        ("timestamp", ">M8[D]"),
        ("amount", ">f8"),
        ("amount", ">f4"),
        ("duration", ">f8"),
        ("duration", ">i8"),
    ],
)
def test_big_endian_columns_are_read_like_native_ones(role, dtype):
    """Arrays in the other byte order (e.g. read from a file) are converted once, never
    misread through a raw view (18.2)."""
    table = {
        "customer_id": np.array([3, 1, 3, 2]),
        "timestamp": np.array(["2024-01-05", "2023-02-01", "2024-03-01", "1999-12-31"], "datetime64[D]"),
        "amount": np.array([1.5, 2.0, -1.0, 4.25]),
        "duration": np.array([1.0, 2.0, 3.0, 0.0]),
    }
    native = dict(table)
    if dtype.startswith(">M8"):
        native[role] = table[role].astype(dtype.replace(">", "<"))
    table[role] = native[role].astype(dtype)
    assert not table[role].dtype.isnative
    want = EventLog(native, tz="Europe/Paris").to_pandas()
    pd.testing.assert_frame_equal(EventLog(table, tz="Europe/Paris").to_pandas(), want)


@pytest.mark.parametrize("text", ["", "\n", "customer_id,timestamp\n"])
def test_empty_and_header_only_csv_are_the_same_error(tmp_path, text):
    path = tmp_path / "events.csv"
    path.write_text(text)
    with pytest.raises(EmptyInputError, match=r"the event table \(events.csv\) has no rows"):
        EventLog(path)


AMOUNT_CELLS = ["1.5", "x", " 2 ", "", None, "12,5", "1e3", "-4"]


@pytest.mark.parametrize(
    "wrap",
    [
        lambda v: np.array(v, dtype=object),
        pd.Series,
        lambda v: pd.Series(v, dtype="str"),
        pl.Series,
        pa.array,
    ],
    ids=["numpy object", "pandas object", "pandas str", "polars", "pyarrow"],
)
def test_amounts_written_as_text_are_read_per_row(wrap):
    """A cell that is not a number rejects its row alone, with the reason (16.1); text of
    numbers reads the same from every frame (18.8); blank cells are missing amounts."""
    ts = np.array(["2024-01-01"] * len(AMOUNT_CELLS), "datetime64[us]")
    lg = EventLog({"customer_id": np.arange(len(AMOUNT_CELLS)), "timestamp": ts, "amount": wrap(AMOUNT_CELLS)})
    assert lg.report.rejected == {"unparseable amount (not a number)": 2}
    assert lg.to_pandas()["amount"].tolist() == [1.5, 2.0, 0.0, 0.0, 1000.0, -4.0]


def test_an_unparseable_number_in_a_csv_rejects_its_row_only(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("customer_id,timestamp,amount,duration\n1,2024-01-01,1.5,3\n2,2024-01-02,abc,4\n3,2024-01-03,2,?\n")
    lg = EventLog(path)
    assert lg.report.rejected == {"unparseable amount (not a number)": 1, "unparseable duration (not a number)": 1}
    assert lg.to_pandas()["amount"].tolist() == [1.5]


def test_a_wrong_amount_type_says_how_to_fix_it():
    ts = np.array(["2024-01-01"] * 2, "datetime64[us]")
    with pytest.raises(DTypeError, match=r"amount column must hold numbers.*astype\(float\)"):
        EventLog({"customer_id": [1, 2], "timestamp": ts, "amount": ts})


def test_csv_ids_with_leading_zeros_stay_text(tmp_path):
    """ "007" and "7" are two customers (18.3); plain integers are read as integers."""
    path = tmp_path / "events.csv"
    path.write_text("customer_id,timestamp\n007,2024-01-01\n7,2024-01-02\n0,2024-01-03\n")
    lg = EventLog(path)
    assert lg.n_customers == 3 and sorted(lg.customer_ids.tolist()) == ["0", "007", "7"]
    path.write_text("customer_id,timestamp\n12,2024-01-01\n-7,2024-01-02\n0,2024-01-03\n,2024-01-04\n")
    lg = EventLog(path)
    assert lg.customer_ids[lg.id_order()].tolist() == [-7, 0, 12]
    assert lg.report.rejected == {"null customer id": 1}
    path.write_text("id,timestamp\nA1,2024-01-01\n")
    assert EventLog(path, customer="id").customer_ids.tolist() == ["A1"]


def test_date_only_strings_in_any_form_are_local_midnight():
    """18.6: every accepted date-only form is local midnight in tz, like "2024-01-05";
    an ambiguous form is rejected with a counted reason, never guessed."""
    forms = ["2024-01-05", "20240105", "2024-1-5", " 2024-01-05 ", "2024/01/05", "2024/1/5"]
    lg = EventLog(
        {"customer_id": list(range(len(forms) + 2)), "timestamp": [*forms, "01/02/2024", "05.01.2024"]}, tz="Asia/Tokyo"
    )
    assert lg.report.rejected == {"unparseable timestamp (expected ISO 8601)": 2}
    got = set(lg.to_pandas()["timestamp"].tolist())
    assert got == {pd.Timestamp("2024-01-04T15:00", tz="UTC")}


def test_rejected_rows_are_shown_by_their_line_in_the_file(tmp_path):
    """16.1: the report keeps a few examples per reason, as 1-based lines of the CSV file
    (header = line 1); strict mode names the first one's line."""
    path = tmp_path / "events.csv"
    rows = [f"{i},2024-01-{1 + i % 28:02d},{i}.5" for i in range(1, 20)]
    rows[4] = "5,2024-01-05,abc"  # line 6
    rows[9] = "10,not a date,1"  # line 11
    rows[14] = "15,2024-01-15,x"  # line 16
    rows[16] = "17,2024-01-17,?"  # line 18
    rows[17] = "18,2024-01-18,??"  # line 19
    path.write_text("customer_id,timestamp,amount\n" + "\n".join(rows) + "\n")
    lg = EventLog(path)
    r = lg.report
    assert r.where == "line"
    assert r.examples == {
        "unparseable timestamp (expected ISO 8601)": [11],
        "unparseable amount (not a number)": [6, 16, 18],
    }
    assert "rejected: 4 unparseable amount (not a number) (lines 6, 16, 18, ...)" in str(r)
    assert "(line 11)" in str(r) and "lines 6, 16, 18" in r.to_html()
    with pytest.raises(RejectedRowsError, match=r"the first is line 6\b"):
        EventLog(path, strict=True)
    # any other input: 0-based row positions
    table = pd.read_csv(path, dtype={"amount": object})
    r = EventLog(table).report
    assert r.where == "row" and r.examples["unparseable amount (not a number)"] == [4, 14, 16]
    with pytest.raises(RejectedRowsError, match=r"the first is row 4\b"):
        EventLog(table, strict=True)
