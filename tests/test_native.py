"""The caller's frame back: an EventLog remembers the dataframe library its data came
from, every result carries it, and ``to_native()`` gives frames of that library
(pandas, polars, pyarrow, DuckDB; a dict of arrays for a dict input), through narwhals.
Matrix results have a long and a wide form.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from every_result import call_every_metric

import fidelite
from fidelite.exceptions import ParameterError
from fidelite.query import parse
from fidelite.results import TableResult

FRAMES = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.Table}


def shop_as(backend: str):
    return fidelite.datasets.demo_shop(500, seed=11, frame="arrow" if backend == "pyarrow" else backend)


def tables_of(shop):
    return {n: getattr(shop, n) for n in ("events", "customers", "surveys", "contacts", "subscriptions", "programme")}


@pytest.mark.parametrize("backend", FRAMES)
def test_the_log_round_trips_its_input_frame(backend):
    shop = shop_as(backend)
    log = fidelite.EventLog(shop.events)
    assert log.native_backend == backend
    back = log.to_native()
    assert type(back) is FRAMES[backend]
    assert len(back) == len(shop.events) == log.n_events
    assert fidelite.EventLog(back).equals(log)  # same customers, events, labels, accounting


@pytest.mark.parametrize("backend", FRAMES)
def test_every_metric_gives_the_input_frame_type_back(backend):
    shop = shop_as(backend)
    tables = tables_of(shop)
    for name, result in call_every_metric(tables, tables["events"]):
        assert result.native_backend == backend, name
        native = result.to_native()
        assert type(native) is FRAMES[backend], name
        if backend == "pandas":
            pd.testing.assert_frame_equal(native, result.to_pandas(), obj=name)
        elif backend == "polars":
            assert native.equals(result.to_polars()), name
        else:
            assert native.equals(result.to_arrow()), name


def test_results_hold_results_of_the_same_backend():
    shop = shop_as("polars")
    log = fidelite.EventLog(shop.events)
    campaigns = fidelite.campaigns(shop.contacts, events=log)
    assert campaigns.pressure.native_backend == campaigns.solicitation.native_backend == "polars"
    assert isinstance(campaigns.by("channel").to_native(), pl.DataFrame)
    patterns = fidelite.retention_patterns(log)
    assert isinstance(patterns.per_customer.to_native(), pl.DataFrame)
    segmented = fidelite.retention(log, segment="segment", customers=shop.customers, period="quarter")
    assert all(m.native_backend == "polars" for m in segmented.matrices.values())
    cell = segmented["pro"].customers(0, 0)
    assert isinstance(cell.to_native(), pl.DataFrame) and cell.to_native().height == segmented["pro"].counts[0, 0]


def test_how_the_data_is_passed_does_not_matter():
    events = shop_as("polars").events
    assert fidelite.retention(data=events).native_backend == "polars"  # by keyword
    assert fidelite.lifecycle(parse(events, {})).native_backend == "polars"  # a query
    assert fidelite.lifecycle(events.lazy()).native_backend == "polars"  # a LazyFrame: an eager frame back
    assert isinstance(fidelite.lifecycle(events.lazy()).to_native(), pl.DataFrame)


def test_a_dict_of_arrays_gives_its_columns_back():
    shop = fidelite.datasets.demo_shop(300, seed=2)
    log = fidelite.EventLog(shop.events)
    assert log.native_backend == "numpy"
    cols = log.to_native()
    assert isinstance(cols, dict) and cols["timestamp"].dtype == "datetime64[us]"
    k = fidelite.period_kpis(log)
    assert k.to_native() is k.to_dict()


def test_duckdb_in_duckdb_out():
    events = fidelite.datasets.demo_shop(400, seed=4, frame="arrow").events
    rel = duckdb.from_arrow(events)
    log = fidelite.EventLog(rel)
    assert log.native_backend == "duckdb"
    m = fidelite.retention(log, period="quarter")
    out = m.to_native()
    assert isinstance(out, duckdb.DuckDBPyRelation)
    # a relation of DuckDB's default connection, like duckdb.sql's
    assert duckdb.sql("select sum(count) from out").fetchall()[0][0] == m.counts.sum()
    back = log.to_native()
    assert isinstance(back, duckdb.DuckDBPyRelation)
    assert fidelite.EventLog(back).equals(log)


def test_another_backend_on_request():
    m = fidelite.retention(shop_as("pandas").events, period="quarter")
    assert isinstance(m.to_native(backend="polars"), pl.DataFrame)
    assert isinstance(m.to_native(backend="pyarrow"), pa.Table)
    assert isinstance(m.to_native(backend="duckdb"), duckdb.DuckDBPyRelation)
    assert m.to_native(backend="numpy")["count"] is not None
    with pytest.raises(ParameterError, match="unknown backend 'excel'"):
        m.to_native(backend="excel")
    by_hand = TableResult({"a": np.arange(3)})
    assert by_hand.native_backend is None and isinstance(by_hand.to_native(), pa.Table)


def test_retention_long_and_wide_forms():
    m = fidelite.retention(shop_as("polars").events, period="quarter")
    assert m.forms == ("long", "wide")
    long, wide = m.to_native(), m.to_native("wide")
    assert long.height == m.counts.size and long.equals(m.to_native("long"))
    assert wide.columns == ["cohort", "size", *m.offset_labels] and wide.height == len(m.cohorts)
    np.testing.assert_array_equal(wide.select(m.offset_labels).to_numpy(), m.rates)
    assert wide["size"].to_list() == m.sizes.tolist()
    with pytest.raises(ParameterError, match="unknown form 'square': use one of 'long', 'wide'"):
        m.to_native("square")


def test_segmented_retention_forms():
    shop = shop_as("pandas")
    seg = fidelite.retention(shop.events, segment="segment", customers=shop.customers, period="quarter")
    wide = seg.to_native("wide")
    assert list(wide.columns[:4]) == ["segment", "cohort", "size", "0"]
    assert len(wide) == sum(len(m.cohorts) for m in seg.matrices.values())
    assert len(seg.to_native()) == sum(m.counts.size for m in seg.matrices.values())


def test_lifecycle_wide_and_long_forms():
    lc = fidelite.lifecycle(shop_as("pyarrow").events)
    assert lc.forms == ("wide", "long")
    wide, long = lc.to_native(), lc.to_native("long")
    assert wide.column_names == list(lc.to_dict()) and wide.num_rows == len(lc.periods)
    assert long.column_names == ["period", "status", "customers", "complete"]
    assert long.num_rows == 4 * len(lc.periods)
    assert long.column("status").to_pylist()[:4] == ["new", "returning", "resurrected", "dormant"]
    for status in ("new", "returning", "resurrected", "dormant"):
        rows = long.filter(pa.compute.equal(long.column("status"), status))
        assert rows.column("customers").to_pylist() == getattr(lc, status).tolist()
        assert rows.column("period").to_pylist() == wide.column("period").to_pylist()


def test_results_with_one_form():
    k = fidelite.period_kpis(shop_as("polars").events)
    assert k.forms == ("table",) and k.to_native("table").equals(k.to_native())
    with pytest.raises(ParameterError, match="unknown form 'long'"):
        k.to_native("long")


def test_pickled_log_keeps_its_backend():
    import pickle

    log = fidelite.EventLog(shop_as("polars").events)
    assert pickle.loads(pickle.dumps(log)).native_backend == "polars"
