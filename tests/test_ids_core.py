"""The id kernels at the ``_core`` level: Arrow layouts in, without copies where the
layout allows, and the IdIndex's own surface."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from fidelite import _core
from fidelite.exceptions import DTypeError, ParameterError

NULL = 2**32 - 1


@pytest.mark.parametrize(
    "t", [pa.string(), pa.large_string(), pa.string_view(), pa.binary(), pa.large_binary(), pa.binary_view()]
)
def test_every_byte_layout_gives_the_same_codes(t):
    words = ["C-00000001", "", None, "a", "a\0", "longer than twelve bytes!", "a", "é"]
    values = [
        None if w is None else (w if pa.types.is_unicode(t) or t == pa.string_view() else w.encode()) for w in words
    ]
    codes, n_null, index = _core.factorize_ids(pa.array(values, t))
    ref_codes, _, ref_index = _core.factorize_ids(pa.array(words, pa.string()))
    assert codes.tolist() == ref_codes.tolist()
    assert n_null == 1 and codes[2] == NULL and len(index) == 6
    assert index.kind == (
        "text" if ref_index.kind == "text" and t in (pa.string(), pa.large_string(), pa.string_view()) else "binary"
    )


def test_sliced_arrays_start_at_their_own_first_row():
    a = pa.array(["x", "y", "z", "x", "y"]).slice(2, 3)
    codes, _, index = _core.factorize_ids(a)
    assert index.take(codes).tolist() == ["z", "x", "y"]
    f = pa.array([b"a" * 16, b"b" * 16, b"a" * 16], pa.binary(16)).slice(1)
    codes, _, index = _core.factorize_ids(f)
    assert index.take(codes).tolist() == [b"b" * 16, b"a" * 16]


def test_dictionary_drops_unused_entries_and_matches_the_decoded_column():
    d = pa.DictionaryArray.from_arrays(pa.array([3, None, 0, 3], pa.int16()), pa.array(["b", "unused", None, "a"]))
    codes, n_null, index = _core.factorize_ids(d)
    assert sorted(index.labels().tolist()) == ["a", "b"]
    plain = _core.factorize_ids(pa.array(["a", None, "b", "a"]))
    assert codes.tolist() == plain[0].tolist() and index == plain[2] and n_null == 1
    # a null dictionary value is a null id
    d = pa.DictionaryArray.from_arrays(pa.array([2, 0]), pa.array(["b", "x", None]))
    assert _core.factorize_ids(d)[1] == 1


def test_index_labels_as_arrow_without_python_objects():
    codes, _, index = _core.factorize_ids(pa.array(["q", "p", "q"]))
    arr = pa.array(index.labels_arrow())
    assert arr.type == pa.large_string() and arr.to_pylist() == index.labels().tolist()
    assert pa.array(_core.factorize_int_ids(np.array([4, 4, 9]))[2].labels_arrow()).to_pylist() == [4, 9]
    assert index.take(np.array([codes[0]])).tolist() == ["q"]
    with pytest.raises(ParameterError, match="outside"):
        index.take([5])


def test_factorize_int_ids_with_a_validity_mask():
    codes, n_null, index = _core.factorize_int_ids(np.array([7, 0, 7, 8]), np.array([True, False, True, True]))
    assert n_null == 1 and codes[1] == NULL and sorted(index.labels().tolist()) == [7, 8]
    with pytest.raises(ParameterError, match="valid has 2 values"):
        _core.factorize_int_ids(np.array([7, 0, 7]), np.array([True, False]))


def test_arrow_text_checks_its_offsets():
    a = _core.arrow_text(np.array([0, 1, 1, 3]), np.frombuffer(b"abc", np.uint8), np.array([True, False, True]))
    assert pa.array(a).to_pylist() == ["a", None, "bc"]
    with pytest.raises(ParameterError, match="non-decreasing"):
        _core.arrow_text(np.array([0, 2, 1]), np.frombuffer(b"abc", np.uint8))
    with pytest.raises(ParameterError, match="not a valid text"):
        _core.arrow_text(np.array([0, 5]), np.frombuffer(b"abc", np.uint8))
    with pytest.raises(ParameterError, match="not a valid text"):
        _core.arrow_text(np.array([0, 1]), np.frombuffer(b"\xff", np.uint8))


def test_not_a_column():
    with pytest.raises(TypeError, match="Arrow column"):
        _core.factorize_ids([1, 2])
    with pytest.raises(TypeError, match="table of 2 columns"):
        _core.factorize_ids(pa.table({"a": [1], "b": [2]}))
    with pytest.raises(DTypeError, match="Float64"):
        _core.factorize_ids(pa.array([1.0]))


@pytest.mark.parametrize(
    "values",
    [
        ["b", "", "a\0", "a", "é", "longer than sixteen bytes"],
        [b"\x00" * 16, b"\xff" * 16, b"\x01" * 16],
        [7, -3, 2**40, 0],
        [2**64 - 1, 3, 2**63],
    ],
)
def test_take_in_any_order_with_repeats_matches_labels(values):
    # take gathers the labels (bytes on both cores) before making Python objects: any
    # order of codes, repeats and no codes at all give what indexing labels() gives
    arr = pa.array(values, pa.uint64() if values[0] == 2**64 - 1 else None)
    _, _, index = _core.factorize_ids(arr)
    labels = index.labels()
    rng = np.random.default_rng(3)
    for codes in (rng.integers(0, len(index), 5000), np.arange(len(index))[::-1], np.zeros(0, np.int64)):
        got = index.take(codes)
        assert got.dtype == labels.dtype and got.tolist() == labels[codes].tolist()
    assert sorted(labels.tolist()) == sorted(values)
    with pytest.raises(ParameterError, match="outside"):
        index.take([len(index)])
