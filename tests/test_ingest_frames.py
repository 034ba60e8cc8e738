"""pandas columns of plain numpy dtypes (datetime64 of any unit, floats, ints) are read
through their numpy values, not converted to Arrow: the log and its row accounting are
those of the same data given as Arrow or as numpy arrays (issue 11, Arrow in without
copies), NaT / NaN / None included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fidelite
from fidelite import EventLog
from fidelite.io import columns


def logs_agree(a: EventLog, b: EventLog) -> None:
    assert a.report == b.report
    pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas())
    ra, rb = fidelite.customer_summary(a), fidelite.customer_summary(b)
    for k in ("customer_id", "first", "last", "n_events", "revenue"):
        np.testing.assert_array_equal(np.asarray(ra[k]), np.asarray(rb[k]))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.one_of(st.none(), st.integers(-(10**12), 10**12)),  # µs offset, None = NaT
            st.one_of(st.none(), st.floats(-50, 50, allow_nan=False), st.just(float("nan"))),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["s", "ms", "us", "ns"]),
    st.sampled_from(["float64", "float32", "int64"]),
)
def test_pandas_numpy_columns_read_like_arrow_and_numpy(rows, unit, amount_dtype):
    if not any(t is not None for _, t, _ in rows):
        rows = [*rows, (0, 0, 1.0)]
    ids = np.array([r[0] for r in rows])
    base = np.datetime64("2024-03-01T00:00:00", "us")
    ts = np.array([base + np.timedelta64(t, "us") if t is not None else np.datetime64("NaT") for _, t, _ in rows])
    ts = ts.astype(f"datetime64[{unit}]")
    amount = np.array([np.nan if a is None else a for _, _, a in rows])
    if amount_dtype == "int64":
        amount = np.nan_to_num(amount).round().astype(np.int64)
    else:
        amount = amount.astype(amount_dtype)
    df = pd.DataFrame({"customer_id": ids, "timestamp": ts, "amount": amount})
    assert isinstance(df["timestamp"].dtype, np.dtype)  # numpy-backed: the path under test
    as_numpy = {"customer_id": ids, "timestamp": ts, "amount": amount}
    as_arrow = pa.table({"customer_id": ids, "timestamp": pa.array(ts), "amount": pa.array(amount, from_pandas=True)})
    try:
        want = EventLog(as_arrow)
    except fidelite.exceptions.EmptyInputError:
        with pytest.raises(fidelite.exceptions.EmptyInputError):
            EventLog(df)
        return
    logs_agree(EventLog(df), want)
    logs_agree(EventLog(df), EventLog(as_numpy))


def test_the_numpy_values_are_read_in_place():
    s = pd.Series(np.arange(5, dtype=np.float64))
    assert np.shares_memory(columns.numpy_view(s, "iuf"), s.to_numpy())
    t = pd.Series(np.arange(5).astype("datetime64[us]"))
    assert np.shares_memory(columns.numpy_view(t, "M"), t.to_numpy())
    # extension dtypes (nullable, Arrow-backed, tz-aware) keep their own path
    for other in (s.astype("Float64"), s.astype("float64[pyarrow]"), t.dt.tz_localize("UTC")):
        assert columns.numpy_view(other, "iufM") is other
