"""Customer ids of every kind, from every frame type, through EventLog and the metrics.

The reference is the same log with dense integer ids (checked against plain-Python
references elsewhere): an id mapping that keeps the order of the ids (``7`` ->
``"C-00000007"``, a UUID, a wide integer, a categorical) must give the same results, the
ids in them mapped, customers listed in the same (ascending id) order. Codes of text ids
follow their hashes, not the ids, so this checks every listing goes through the id order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import fidelite
from fidelite.exceptions import ParameterError

#: Order-preserving maps of non-negative integer ids to each id kind.
KINDS: dict[str, Callable[[int], Any]] = {
    "int": lambda i: i,
    "text": lambda i: f"C-{i:08d}",
    "long text": lambda i: f"customer-account-{i:012d}@example.com",
    "uuid": lambda i: str(uuid.UUID(int=i * 0x9E3779B97F4A7C15 + 12345)),
    "wide int": lambda i: i * 7919 + 1_000_003,
    "categorical": lambda i: f"C-{i:08d}",  # text ids, dictionary-encoded
}


@pytest.fixture(scope="module")
def shop():
    return fidelite.datasets.demo_shop(400, seed=11)


def mapped(values: np.ndarray, kind: str) -> np.ndarray:
    f = KINDS[kind]
    uniq, inv = np.unique(values, return_inverse=True)
    labels = [f(int(v)) for v in uniq]
    if kind == "uuid":  # the map must keep the order of the ids
        assert labels == sorted(labels)
    return np.array(labels, dtype=np.int64 if "int" in kind else object)[inv]


def column(values: np.ndarray, kind: str, frame: str) -> Any:
    """The id column of ``kind`` as ``frame`` holds it."""
    m = mapped(values, kind)
    if kind == "categorical":
        # categories listed in no useful order: codes must not depend on it
        cats = list(dict.fromkeys(m[::-1].tolist()))
        if frame == "polars":
            return pl.Series(m.tolist(), dtype=pl.Categorical)
        if frame == "pyarrow":
            return pa.array(m.tolist(), pa.string()).dictionary_encode()
        return pd.Categorical(m, categories=cats)
    if frame == "polars":
        return pl.Series(m.tolist())
    if frame == "pyarrow":
        return pa.array(m.tolist())
    if frame == "pandas" and "int" not in kind:
        return pd.array(m, dtype="str")
    return m


def table(events: dict[str, np.ndarray], kind: str, frame: str) -> Any:
    cols = dict(events)
    cols["customer_id"] = column(events["customer_id"], kind, frame)
    if frame == "pandas":
        return pd.DataFrame(cols)
    if frame == "polars":
        return pl.DataFrame({k: (v if isinstance(v, pl.Series) else pl.Series(k, v)) for k, v in cols.items()})
    if frame == "pyarrow":
        return pa.table({k: (v if isinstance(v, pa.Array) else pa.array(v)) for k, v in cols.items()})
    return cols


def side(shop_table: dict[str, np.ndarray], kind: str) -> dict[str, np.ndarray]:
    out = dict(shop_table)
    out["customer_id"] = mapped(np.asarray(out["customer_id"]), kind)
    return out


QUERIES = {
    "retention": lambda ev, c, k: fidelite.retention(ev).to_pandas(),
    "retention by channel": lambda ev, c, k: fidelite.retention(ev, segment="channel").to_pandas(),
    "lifecycle": lambda ev, c, k: fidelite.lifecycle(ev).to_pandas(),
    "period_kpis": lambda ev, c, k: fidelite.period_kpis(ev).to_pandas(),
    "rolling_active": lambda ev, c, k: fidelite.rolling_active(ev).to_pandas(),
    "active_customers": lambda ev, c, k: fidelite.active_customers(ev).to_pandas(),
    "stickiness": lambda ev, c, k: fidelite.stickiness(ev).to_pandas(),
    "customer_summary": lambda ev, c, k: fidelite.customer_summary(ev).to_pandas(),
    "repeat_rate": lambda ev, c, k: fidelite.repeat_rate(ev).to_pandas(),
    "upsell_rate": lambda ev, c, k: fidelite.upsell_rate(ev).to_pandas(),
    "clv": lambda ev, c, k: fidelite.clv(ev).to_pandas(),
    "rfm": lambda ev, c, k: fidelite.rfm(ev).to_pandas(),
    "best_customers": lambda ev, c, k: fidelite.best_customers(ev, n=50).to_pandas(),
    "at_risk": lambda ev, c, k: fidelite.at_risk(ev).to_pandas(),
    "retention_patterns": lambda ev, c, k: fidelite.retention_patterns(ev).per_customer.to_pandas(),
    "engagement": lambda ev, c, k: fidelite.engagement(ev).to_pandas(),
    "activation": lambda ev, c, k: fidelite.activation(side(c.customers, k), events=ev).to_pandas(),
    "signup cohorts": lambda ev, c, k: fidelite.retention(
        ev, customers=side(c.customers, k), signup="created"
    ).to_pandas(),
    "campaigns": lambda ev, c, k: fidelite.campaigns(side(c.contacts, k), events=ev).to_pandas(),
}


def expected(query: str, shop: Any, kind: str) -> pd.DataFrame:
    want = QUERIES[query](fidelite.EventLog(shop.events), shop, "int")
    if "customer_id" in want:
        ids = want["customer_id"].to_numpy()
        want["customer_id"] = mapped(ids, kind) if len(ids) else ids
    return want


@pytest.mark.parametrize("query", list(QUERIES))
@pytest.mark.parametrize(
    ("kind", "frame"),
    [("text", "pandas"), ("categorical", "pandas"), ("uuid", "pyarrow"), ("wide int", "polars"), ("long text", "dict")],
)
def test_every_metric_gives_the_same_results_whatever_the_id_kind(shop, query, kind, frame):
    log = fidelite.EventLog(table(shop.events, kind, frame))
    assert log.id_index.kind == ("int64" if "int" in kind else "text")
    got = QUERIES[query](log, shop, kind)
    want = expected(query, shop, kind)
    if "customer_id" in want and len(want):
        assert got["customer_id"].tolist() == want["customer_id"].tolist()
        got = got.drop(columns="customer_id")
        want = want.drop(columns="customer_id")
    # sums over customers run in code order: equal up to rounding
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("frame", ["dict", "pandas", "polars", "pyarrow"])
def test_every_id_kind_from_every_frame(shop, kind, frame):
    events = shop.events
    log = fidelite.EventLog(table(events, kind, frame))
    ref = fidelite.EventLog(events)
    assert log.n_customers == ref.n_customers and log.n_events == ref.n_events
    want = mapped(ref.customer_ids[ref.id_order()], kind)
    assert log.customer_ids[log.id_order()].tolist() == want.tolist()
    # every event keeps its customer: the export lists the same rows, ids mapped
    got, exp = log.to_pandas(), ref.to_pandas()
    exp["customer_id"] = mapped(exp["customer_id"].to_numpy(), kind)
    pd.testing.assert_frame_equal(got, exp, check_dtype=False)
    # side tables find the customers whatever the frame of their ids
    some = want[::7]
    for side_col in (some, pa.array(some.tolist()), pd.Series(some), pl.Series(some.tolist())):
        codes = log.codes_of(side_col)
        assert log.customer_ids[codes].tolist() == some.tolist()


def test_null_ids_are_rejected_and_counted():
    ts = np.arange(6).astype("datetime64[D]").astype("datetime64[us]")
    for ids in (
        ["a", None, "b", "a", None, "c"],
        pa.array(["a", None, "b", "a", None, "c"]).dictionary_encode(),
        pl.Series(["a", None, "b", "a", None, "c"], dtype=pl.Categorical),
        pd.Series(["a", None, "b", "a", None, "c"], dtype="str"),
        pd.array([7, None, 8, 7, None, 9], dtype="Int64"),
    ):
        log = fidelite.EventLog({"customer_id": ids, "timestamp": ts})
        assert log.report.rejected == {"null customer id": 2}
        assert log.n_customers == 3 and log.n_events == 4


def test_ids_differing_late_or_in_a_trailing_nul_stay_apart():
    ids = ["customer-0001", "customer-0002", "customerX", "a", "a\0", "a\0b", "", "x" * 40, "x" * 39 + "y"]
    ts = np.arange(len(ids)).astype("datetime64[D]").astype("datetime64[us]")
    for col in (ids, pa.array(ids), pa.array(ids, pa.large_string()), pd.Series(ids, dtype="str")):
        log = fidelite.EventLog({"customer_id": col, "timestamp": ts})
        assert log.n_customers == len(ids)
        assert log.customer_ids[log.id_order()].tolist() == sorted(ids)
        assert fidelite.customer_summary(log)["customer_id"].tolist() == sorted(ids)


def test_a_side_table_of_the_other_id_kind_is_refused():
    ts = np.arange(2).astype("datetime64[D]").astype("datetime64[us]")
    log = fidelite.EventLog({"customer_id": ["a", "b"], "timestamp": ts})
    with pytest.raises(ParameterError, match="integer ids but the event log has string ids"):
        log.codes_of([1, 2])
    assert log.codes_of([]).tolist() == []
    assert log.codes_of(["b", None, "zz"]).tolist()[1:] == [-1, -1]


def test_customer_ids_are_built_on_demand_and_pickle(shop):
    import pickle

    log = fidelite.EventLog(table(shop.events, "text", "pyarrow"))
    assert log._ids is None  # no Python strings until asked for
    order = log.id_order()
    back = pickle.loads(pickle.dumps(log))
    assert back.equals(log) and back.customer_ids.tolist() == log.customer_ids.tolist()
    np.testing.assert_array_equal(back.id_order(), order)


@pytest.mark.parametrize("n", [1, 2, 3000])
def test_by_id_gathers_every_dtype_as_numpy_take_does(n):
    # codes of text ids follow their hashes: by_id (a Rust gather on both cores for
    # numbers and instants) must equal numpy's take through the id order, bit for bit
    rng = np.random.default_rng(n)
    ids = [f"id-{i:05d}" for i in rng.permutation(n)]
    ts = np.full(n, np.datetime64("2024-01-01", "us"))
    log = fidelite.EventLog({"customer_id": pa.array(ids, pa.string()), "timestamp": ts})
    order = log.id_order()
    assert log.customer_ids[order].tolist() == sorted(ids)
    m = log.n_customers
    floats = rng.normal(size=m)
    floats[::7] = np.nan
    columns = [
        floats,
        -floats,  # negative zeros and NaNs kept bit for bit
        rng.integers(-(2**62), 2**62, m),
        rng.integers(0, 2**64 - 1, m, dtype=np.uint64, endpoint=True),
        rng.integers(-(2**31), 2**31 - 1, m).astype(np.int32),
        rng.random(m).astype(np.float32),
        (rng.integers(0, 2**40, m)).astype("datetime64[us]"),
        np.where(rng.random(m) < 0.3, np.datetime64("NaT"), np.datetime64("2024-01-01", "us")),
        rng.integers(0, 2**40, m).astype("timedelta64[us]"),
        rng.random(m) < 0.5,  # bools: numpy's own take
        np.array(ids[:m], dtype=object),
        np.repeat(floats, 2)[::2],  # not contiguous
    ]
    for values in columns:
        got = log.by_id(values)
        want = values[order]
        assert got.dtype == values.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes() if values.dtype != object else got.tolist() == want.tolist()
    dense = fidelite.EventLog({"customer_id": np.arange(n), "timestamp": ts})
    assert dense.by_id(floats) is floats  # codes follow the ids: no copy


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("frame", ["dict", "pyarrow", "polars"])
def test_ids_by_id_and_no_ids_without_the_ids_in_code_order(shop, kind, frame):
    # the summary's id column and the cohort matrix's empty id array are made from the
    # index directly: equal to what the ids in code order give, never building them
    log = fidelite.EventLog(table(shop.events, kind, frame))
    assert log._ids is None
    empty = log.no_ids()
    got = log.ids_by_id()
    assert log._ids is None or log._codes_follow_ids()
    want = log.customer_ids[log.id_order()]
    assert got.dtype == want.dtype and got.tolist() == want.tolist()
    assert empty.dtype == want.dtype and len(empty) == 0
    assert log.by_id(log.customer_ids).tolist() == want.tolist()


def test_ids_by_id_of_uint64_ids_beyond_int64():
    ids = np.array([2**64 - 1, 5, 2**63, 5], dtype=np.uint64)
    ts = np.arange(4).astype("datetime64[D]").astype("datetime64[us]")
    log = fidelite.EventLog({"customer_id": ids, "timestamp": ts})
    got = log.ids_by_id()
    assert got.dtype == np.uint64 and got.tolist() == [5, 2**63, 2**64 - 1]
    assert log.no_ids().dtype == np.uint64
