"""fidelite.io.ids: every id kind from every frame type against a plain-Python reference.

The reference knows only what codes mean: equal ids share a code, codes are dense
``0..n``, the index gives each code's id back, nulls get ``NULL_CODE``. On top of that:
codes depend on the set of ids alone (row order, chunking, frame type, thread count).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import uuid

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidelite.exceptions import DTypeError, InputError, ParameterError
from fidelite.io import ids as io_ids


def reference(values: list) -> tuple[list, int]:
    """Distinct non-null ids (sorted) and the null count, in plain Python."""
    present = [v for v in values if v is not None]
    return sorted(set(present)), len(values) - len(present)


def check(result: io_ids.Ids, values: list) -> list:
    """Checks a factorisation against its input; returns the labels in code order."""
    distinct, n_null = reference(values)
    assert len(result.index) == len(distinct)
    assert result.n_null == n_null
    assert result.codes.dtype == np.uint32 and len(result.codes) == len(values)
    labels = result.index.labels().tolist() if len(result.index) else []
    assert sorted(labels) == distinct
    for code, null, v in zip(result.codes.tolist(), result.null.tolist(), values):
        if v is None:
            assert code == io_ids.NULL_CODE and null
        else:
            assert labels[code] == v and not null
    order = result.index.sorted_order().tolist()
    assert [labels[c] for c in order] == distinct
    return labels


def frames(values: list, kind: str) -> dict:
    """The id column as each frame type holds it."""
    if kind == "int":
        return {
            "numpy": np.array([0 if v is None else v for v in values], np.int64) if None not in values else None,
            "pandas Int64": pd.Series(values, dtype="Int64"),
            "pandas float": pd.Series([np.nan if v is None else float(v) for v in values])
            if all(v is None or abs(v) < 2**53 for v in values)
            else None,
            "polars": pl.Series(values, dtype=pl.Int64),
            "pyarrow": pa.array(values, pa.int64()),
            "pyarrow chunked": pa.chunked_array([pa.array(values[:3], pa.int64()), pa.array(values[3:], pa.int64())]),
            "pyarrow dictionary": pa.array(values, pa.int64()).dictionary_encode(),
        }
    return {
        "numpy object": np.array(values, dtype=object),
        "pandas object": pd.Series(values, dtype=object),
        "pandas str": pd.Series(values, dtype="str"),
        "pandas category": pd.Series(values, dtype="category"),
        "polars String": pl.Series(values, dtype=pl.String),
        "polars Categorical": pl.Series(values, dtype=pl.Categorical),
        "polars Categorical chunked": pl.concat(
            [pl.Series(values[:2], dtype=pl.Categorical), pl.Series(values[2:], dtype=pl.Categorical)], rechunk=False
        ),
        "pyarrow string": pa.array(values, pa.string()),
        "pyarrow large_string": pa.array(values, pa.large_string()),
        "pyarrow string_view": pa.array(values, pa.string_view()),
        "pyarrow chunked": pa.chunked_array([pa.array(values[:2], pa.string()), pa.array(values[2:], pa.string())]),
        "pyarrow dictionary": pa.array(values, pa.string()).dictionary_encode(),
        "pyarrow chunked dictionaries": pa.chunked_array(
            [
                pa.array(values[:2], pa.string()).dictionary_encode(),
                pa.array(values[2:], pa.string()).dictionary_encode(),
            ]
        ),
    }


texts = st.lists(
    st.one_of(
        st.none(),
        # ids sharing their first 16 bytes (the sort then reads them in full), a trailing NUL
        st.sampled_from(
            ["", "a", "a\0", "\0", "customer-00000001", "customer-00000002", "customer-00000001\0", "é", "C-00000001"]
        ),
        st.text(max_size=20),
    ),
    min_size=4,
    max_size=60,
)
ints = st.lists(
    st.one_of(st.none(), st.integers(-5, 5), st.integers(-(2**63), 2**63 - 1)),
    min_size=4,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(texts)
def test_text_ids_from_every_frame_match_the_reference(values):
    # pandas' "str" dtype keeps NUL characters; numpy text arrays would not (they are
    # read as objects here)
    results = {}
    for name, col in frames(values, "text").items():
        result = io_ids.factorize(col)
        results[name] = check(result, values)
    first = next(iter(results.values()))
    for name, labels in results.items():
        assert labels == first, f"{name}: the same ids gave another code order"


@settings(max_examples=60, deadline=None)
@given(ints)
def test_integer_ids_from_every_frame_match_the_reference(values):
    results = {}
    for name, col in frames(values, "int").items():
        if col is None:
            continue
        results[name] = check(io_ids.factorize(col), values)
    first = next(iter(results.values()))
    assert all(labels == first for labels in results.values())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=200), st.randoms(use_true_random=False))
def test_codes_do_not_depend_on_row_order_or_chunking(values, rnd):
    shuffled = values[:]
    rnd.shuffle(shuffled)
    cut = rnd.randrange(len(values) + 1)
    a = io_ids.factorize(pa.array(values))
    b = io_ids.factorize(
        pa.chunked_array([pa.array(shuffled[:cut], pa.string()), pa.array(shuffled[cut:], pa.string())])
    )
    assert a.index == b.index
    assert a.index.labels().tolist() == b.index.labels().tolist()
    code = dict(zip(values, a.codes.tolist()))
    assert b.codes.tolist() == [code[v] for v in shuffled]


def test_hard_cases_stay_apart():
    values = ["customer0001", "customer0002", "a", "a\0", "", "", None, "a"]
    for col in frames(values, "text").values():
        check(io_ids.factorize(col), values)


def test_uuids_as_text_and_as_16_bytes():
    us = [uuid.UUID(int=(i * 0x9E3779B97F4A7C15) % 2**128) for i in range(500)]
    rows = [us[i % 37] for i in range(1000)]
    text = check(io_ids.factorize(pa.array([str(u) for u in rows])), [str(u) for u in rows])
    raw = io_ids.factorize(pa.array([u.bytes for u in rows], pa.binary(16)))
    assert raw.index.kind == "binary"
    check(raw, [u.bytes for u in rows])
    assert len(text) == 37
    with pytest.raises(DTypeError, match="binary"):
        raw.index.lookup(pa.array(["x"]))


def test_many_rows_and_threads_give_the_same_codes():
    """Codes on one thread equal codes on two (a fresh process each: rayon's pool is
    sized once per process)."""
    script = (
        "import numpy as np, pyarrow as pa, hashlib\n"
        "from fidelite.io import ids\n"
        "rng = np.random.default_rng(5)\n"
        "v = pa.array([f'C-{x:08d}' for x in rng.integers(0, 30_000, 200_000)])\n"
        "w = rng.integers(0, 2**62, 200_000)\n"
        "a, b = ids.factorize(v), ids.factorize(w[rng.integers(0, 50_000, 200_000)])\n"
        "print(hashlib.sha256(a.codes.tobytes() + b.codes.tobytes()).hexdigest())\n"
    )
    out = {}
    for threads in ("1", "2"):
        env = {**os.environ, "RAYON_NUM_THREADS": threads}
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
        out[threads] = run.stdout.strip()
    assert out["1"] == out["2"] and len(out["1"]) == 64


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=6)), min_size=1, max_size=80), st.randoms(use_true_random=False))
def test_keep_rows_equals_factorising_the_kept_rows(values, rnd):
    ids = io_ids.factorize(pa.array(values, pa.string()))
    keep = np.array([v is not None and rnd.random() < 0.6 for v in values], bool)
    kept = io_ids.keep_rows(ids, keep)
    fresh = io_ids.factorize(pa.array([v for v, k in zip(values, keep) if k], pa.string()))
    assert kept.index == fresh.index
    assert kept.codes.tolist() == fresh.codes.tolist()
    if ids.n_null:
        with pytest.raises(ParameterError, match="null ids"):
            io_ids.keep_rows(ids, np.ones(len(values), bool))


def test_lookup_present_absent_and_null():
    log = io_ids.factorize(pd.Series(["b", "a", "c", "a"], dtype="str"))
    code = {v: int(c) for v, c in zip(["b", "a", "c"], log.codes[:3])}
    side = ["c", "zz", None, "a", "a\0"]
    for col in (side, pd.Series(side, dtype="str"), pl.Series(side), pa.array(side).dictionary_encode()):
        assert io_ids.lookup(log.index, col).tolist() == [code["c"], -1, -1, code["a"], -1]
    ints = io_ids.factorize(np.array([10, 2**40, -7]))
    got = io_ids.lookup(ints.index, pd.Series([2**40, None, 11, -7], dtype="Int64")).tolist()
    assert got == [int(ints.codes[1]), -1, -1, int(ints.codes[2])]
    assert io_ids.lookup(ints.index, np.array([10.0, np.nan])).tolist() == [int(ints.codes[0]), -1]
    with pytest.raises(DTypeError, match="integer ids among the text ids"):
        io_ids.lookup(log.index, [1, 2])
    with pytest.raises(DTypeError, match="text ids among the integer ids"):
        io_ids.lookup(ints.index, ["a"])


@pytest.mark.parametrize(
    "column",
    [
        pa.array(["x", "y", None, "x"]),
        np.array([5, 3, 5]),
        np.array([2**64 - 1, 3], np.uint64),
        pa.array([b"\x00" * 16, b"\x01" * 16], pa.binary(16)),
    ],
)
def test_pickle_round_trip(column):
    f = io_ids.factorize(column)
    back = pickle.loads(pickle.dumps(f.index))
    assert back == f.index and back.kind == f.index.kind and back.ascending == f.index.ascending
    assert back.labels().tolist() == f.index.labels().tolist()
    assert back.lookup(column).tolist() == [-1 if c == io_ids.NULL_CODE else int(c) for c in f.codes]


def test_dense_ints_keep_ascending_codes_and_wide_ones_do_not():
    dense = io_ids.factorize(np.array([12, 10, 11, 12]))
    assert dense.index.ascending and dense.codes.tolist() == [2, 0, 1, 2]
    wide = io_ids.factorize(np.arange(0, 10**15, 10**12))
    assert not wide.index.ascending
    assert wide.index.labels()[wide.index.sorted_order()].tolist() == list(range(0, 10**15, 10**12))


def test_uint64_beyond_int64_and_narrow_ints():
    check(io_ids.factorize(np.array([2**64 - 1, 1, 2**64 - 1], np.uint64)), [2**64 - 1, 1, 2**64 - 1])
    assert io_ids.factorize(np.array([2**64 - 1], np.uint64)).index.kind == "uint64"
    check(io_ids.factorize(np.array([3, -1, 3], np.int8)), [3, -1, 3])
    check(io_ids.factorize(pa.array([3, None, 3], pa.uint16())), [3, None, 3])


def test_bad_ids_get_specific_errors():
    with pytest.raises(DTypeError, match="mix"):
        io_ids.factorize(np.array(["a", 1], dtype=object))
    with pytest.raises(DTypeError, match="bool"):
        io_ids.factorize(np.array([True, False]))
    with pytest.raises(DTypeError, match="Boolean|bool"):
        io_ids.factorize(pa.array([True]))
    with pytest.raises(TypeError, match="one column"):
        io_ids.factorize(duckdb.sql("select 1 as a, 2 as b"))


def test_more_rows_than_codes_can_number_are_refused():
    # a null array of 2^32 rows has no buffers: only the check runs
    with pytest.raises(InputError, match="rows exceed"):
        io_ids.factorize(pa.nulls(2**32))


def test_all_null_and_empty_columns():
    f = io_ids.factorize(pa.nulls(3))
    assert f.n_null == 3 and len(f.index) == 0 and f.codes.tolist() == [io_ids.NULL_CODE] * 3
    e = io_ids.factorize(pa.array([], pa.string()))
    assert len(e.codes) == 0 and len(e.index) == 0


def test_duckdb_single_column_result():
    con = duckdb.connect()
    rel = con.sql("select * from (values ('b'), ('a'), (NULL), ('b')) t(id)")
    check(io_ids.factorize(rel), ["b", "a", None, "b"])


def test_text_without_pyarrow(monkeypatch):
    """Text held by Python objects becomes Arrow text without pyarrow's converter."""
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` now fails
    values = ["b", None, "a\0", "a", "é", "b", ""]
    check(io_ids.factorize(np.array(values, dtype=object)), values)
    check(io_ids.factorize(np.array([b"x", b"y", b"x"], dtype="S")), [b"x", b"y", b"x"])
    check(io_ids.factorize(np.array([7, None, 7], dtype=object)), [7, None, 7])


@pytest.mark.parametrize(
    "col",
    [
        np.array([1.5, 2.0, np.nan, np.inf, 2.0**63, 2.0**53 + 2, -(2.0**60), 7.0]),
        pd.Series([1.5, 2.0, None, np.inf, 2.0**63, 2.0**53 + 2, -(2.0**60), 7.0]),
        pa.array([1.5, 2.0, None, np.inf, 2.0**63, 2.0**53 + 2, -(2.0**60), 7.0]),
        pl.Series([1.5, 2.0, None, np.inf, 2.0**63, 2.0**53 + 2, -(2.0**60), 7.0]),
        np.array([1.5, 2, None, np.inf, 2.0**63, 2.0**53 + 2, -(2.0**60), 7], dtype=object),
    ],
)
def test_float_ids_are_read_only_when_exactly_one_integer(col):
    """A float id that is not exactly an integer id (a fraction, an infinity, beyond 2**53
    where floats skip integers, 2**63 and up) is marked inexact, never rounded onto
    another customer's id; the rest of the column is read."""
    ids = io_ids.factorize(col)
    assert ids.inexact.tolist() == [True, False, False, True, True, True, True, False]
    assert (ids.n_inexact, ids.n_null) == (5, 1) and ids.null.tolist()[2]
    assert sorted(ids.index.labels().tolist()) == [2, 7]
    assert io_ids.lookup(ids.index, col).tolist() == [-1, ids.codes[1], -1, -1, -1, -1, -1, ids.codes[7]]
    kept = io_ids.keep_rows(ids, ~ids.null & ~ids.inexact)
    assert kept.n_inexact == 0 and len(kept.codes) == 2
