"""fidelite.revenue_retention against the reference (tests/reference_metrics.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_metrics import DAY, Sub, ref_revenue_retention

import fidelite
from fidelite.exceptions import EmptyInputError, MissingTableError, RejectedRowsError

T = int(np.datetime64("2024-01-01", "us").astype(np.int64))
FLOWS = ["start_mrr", "new", "reactivation", "expansion", "contraction", "churned", "end_mrr"]


def frame(subs: list[Sub]) -> dict[str, np.ndarray]:
    return {
        "customer_id": np.array([s.customer for s in subs]),
        "start": np.array([s.start for s in subs], np.int64).view("datetime64[us]"),
        "end": np.array([np.iinfo(np.int64).min if s.end is None else s.end for s in subs], np.int64).view(
            "datetime64[us]"
        ),
        "mrr": np.array([s.mrr for s in subs]),
    }


def day(d: float) -> int:
    return T + int(d * DAY)


def test_worked_example():
    # January start: 1,000 MRR over 4 customers. During January: A cancels (300),
    # B downgrades 200 -> 150, C upgrades 250 -> 400, D stays (250), E signs up (100).
    subs = [
        Sub("A", day(-40), day(10), 300.0),
        Sub("B", day(-40), day(12), 200.0),
        Sub("B", day(12), None, 150.0),
        Sub("C", day(-40), day(20), 250.0),
        Sub("C", day(20), None, 400.0),
        Sub("D", day(-40), None, 250.0),
        Sub("E", day(5), None, 100.0),
    ]
    r = fidelite.revenue_retention(frame(subs), as_of="2024-02-29")
    jan = list(r["period"].astype(str)).index("2024-01-01")
    row = {k: r[k][jan] for k in FLOWS}
    assert row == {
        "start_mrr": 1000.0,
        "new": 100.0,
        "reactivation": 0.0,
        "expansion": 150.0,
        "contraction": 50.0,
        "churned": 300.0,
        "end_mrr": 900.0,
    }
    assert r["revenue_churn"][jan] == pytest.approx(35.0)
    assert r["grr"][jan] == pytest.approx(65.0)
    assert r["nrr"][jan] == pytest.approx(80.0)
    assert r.value == pytest.approx(100.0)  # February: nothing moved
    assert float(r) == r.value and r.period == "month" and r.tz == "UTC"
    assert r.report.read == r.report.used == 7


def test_reactivation_and_flows_identity():
    subs = [Sub(1, day(0), day(40), 50.0), Sub(1, day(70), None, 60.0), Sub(2, day(0), None, 10.0)]
    r = fidelite.revenue_retention(frame(subs), as_of="2024-04-30")
    assert r["reactivation"].tolist() == [0.0, 0.0, 60.0, 0.0]
    assert r["new"].tolist() == [0.0, 0.0, 0.0, 0.0]  # both started on the first period start
    assert r["start_mrr"].tolist() == [60.0, 60.0, 10.0, 70.0]
    assert r["churned"].tolist() == [0.0, 50.0, 0.0, 0.0]
    bridge = r["start_mrr"] + r["new"] + r["reactivation"] + r["expansion"] - r["contraction"] - r["churned"]
    assert bridge.tolist() == pytest.approx(r["end_mrr"].tolist())


def test_as_of_hides_later_facts():
    subs = [Sub(1, day(0), day(45), 50.0), Sub(2, day(50), None, 10.0)]
    r = fidelite.revenue_retention(frame(subs), as_of="2024-01-31")
    assert len(r) == 1 and r["end_mrr"].tolist() == [50.0] and r["complete"].tolist() == [True]
    r = fidelite.revenue_retention(frame(subs), as_of="2024-02-10")
    assert r["complete"].tolist() == [True, False]
    assert r["churned"].tolist() == [0.0, 0.0]  # the end on Feb 15 is not known on Feb 10


def test_rejected_rows_and_strict():
    subs = pd.DataFrame(
        {
            "customer_id": [1, None, 3, 4, 5],
            "mrr": [10.0, 5.0, -1.0, None, 8.0],
            "start": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2024-03-01"]),
            "end": pd.to_datetime([None, None, None, None, "2024-02-01"]),
        }
    )
    r = fidelite.revenue_retention(subs)
    assert r.report.rejected == {
        "null customer id": 1,
        "negative or infinite mrr": 1,
        "null mrr": 1,
        "end before start": 1,
    }
    assert r.report.used == 1
    with pytest.raises(RejectedRowsError):
        fidelite.revenue_retention(subs, strict=True)


def test_empty_and_missing():
    with pytest.raises(MissingTableError, match="subscriptions"):
        fidelite.revenue_retention(None)
    with pytest.raises(EmptyInputError):
        fidelite.revenue_retention({"customer_id": [], "start": [], "end": [], "mrr": []})
    r = fidelite.revenue_retention(frame([Sub(1, day(3), None, 10.0)]), as_of="2024-02-29")
    assert math.isnan(r["nrr"][0]) and r.value == 100.0
    r = fidelite.revenue_retention(frame([Sub(1, day(3), None, 10.0)]), as_of="2024-01-20")
    assert math.isnan(r.value) and r.reason == "no complete period at as_of"


subs_strategy = st.lists(
    st.tuples(
        st.integers(1, 5),
        st.integers(0, 400),
        st.one_of(st.none(), st.integers(1, 200)),
        st.sampled_from([0.0, 9.0, 29.0, 79.9, 199.99]),
    ),
    min_size=1,
    max_size=15,
).map(lambda rows: [Sub(c, day(s), None if d is None else day(s + d), m) for c, s, d, m in rows])


@settings(max_examples=60, deadline=None)
@given(
    subs_strategy,
    st.sampled_from(["month", "quarter", "week"]),
    st.sampled_from([None, 120, 300]),
    st.sampled_from(["UTC", "Europe/Paris"]),
)
def test_matches_reference(subs, period, as_of_day, tz):
    as_of = None if as_of_day is None else day(as_of_day)
    if as_of is not None and min(s.start for s in subs) > as_of:
        as_of = None
    r = fidelite.revenue_retention(
        frame(subs), period=period, tz=tz, as_of=None if as_of is None else np.datetime64(as_of, "us")
    )
    ref = ref_revenue_retention(subs, period=period, tz=tz, as_of=as_of)
    for k in FLOWS + ["nrr", "grr", "revenue_churn"]:
        assert r[k].tolist() == pytest.approx(ref[k], nan_ok=True, abs=1e-6), k
    assert r["complete"].tolist() == ref["complete"]


def test_demo_shop():
    df = fidelite.datasets.demo_shop(300, seed=2, frame="pandas").subscriptions
    subs = [
        Sub(
            c,
            int(np.datetime64(s, "us").astype(np.int64)),
            None if pd.isna(e) else int(np.datetime64(e, "us").astype(np.int64)),
            m,
        )
        for c, s, e, m in zip(df.customer_id, df.start, df.end, df.mrr)
    ]
    r = fidelite.revenue_retention(df)
    ref = ref_revenue_retention(subs)
    for k in FLOWS + ["nrr"]:
        assert r[k].tolist() == pytest.approx(ref[k], nan_ok=True), k
    assert r.to_pandas().shape[0] == len(ref["nrr"])
