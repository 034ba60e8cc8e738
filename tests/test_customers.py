"""fidelite.activation, completeness and churn_reasons against the reference
(tests/reference_metrics.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_metrics import (
    DAY,
    E,
    events_strategy,
    from_frame,
    is_missing,
    ref_activation,
    ref_churn_reasons,
    table,
)

import fidelite
from fidelite.exceptions import MissingTableError, ParameterError, RejectedRowsError

T = int(np.datetime64("2024-01-01", "us").astype(np.int64))


def people(rows: list[tuple]) -> dict[str, np.ndarray]:
    return {
        "customer_id": np.array([c for c, _ in rows]),
        "created": np.array([t for _, t in rows], np.int64).view("datetime64[us]"),
    }


def ev(c, day, event="purchase"):
    return E(c, T + int(day * DAY), event, 10.0)


# ----------------------------------------------------------------------------- activation


def test_activation_worked_example():
    # 5 prospects; 1 buys 2 days after signup, 2 bought only before signing up, 3 buys 20
    # days after, 4 only visits, 5 has no event: 2 of 5 activated
    prospects = people([(1, T), (2, T + 10 * DAY), (3, T), (4, T), (5, T + 30 * DAY)])
    events = table([ev(1, 2), ev(2, 5), ev(3, 20), ev(4, 1, "visit"), ev(4, 3, "login"), ev(9, 1)])
    r = fidelite.activation(prospects, events=events)
    assert r.value == 40.0 and float(r) == 40.0
    assert (r.parts["prospects"], r.parts["activated"]) == (5, 2)
    assert r.parts["median_ttv_days"] == 11.0
    assert r.parts["p90_ttv_days"] == pytest.approx(2 + 0.9 * 18)
    assert r.time_to_value["customer_id"].tolist() == [1, 3]
    w = fidelite.activation(prospects, events=events, within="7D")
    assert w.value == 25.0 and w.parts["not_mature"] == 1  # 5 signed up 0 days before the last event + 7 > as_of
    k = fidelite.activation(prospects, events=events, key_event="login")
    assert k.value == 40.0 and k.time_to_value["customer_id"].tolist() == [4]
    assert k.parts["median_ttv_days"] == 3.0


def test_activation_counts_a_purchase_at_the_created_instant():
    r = fidelite.activation(people([(1, T), (2, T)]), events=table([ev(1, 0), ev(2, -0.001)]))
    assert r.parts["activated"] == 1 and r.parts["median_ttv_days"] == 0.0


def test_activation_rejects_and_reports_rows():
    c = pd.DataFrame({"customer_id": [1, None, 3, 3], "created": ["2024-01-01", "2024-01-01", "garbage", "2024-01-02"]})
    r = fidelite.activation(c, events=table([ev(3, 5)]))
    assert r.report.rejected == {"null customer id": 1, "unparseable created date (expected ISO 8601)": 1}
    assert r.parts["prospects"] == 2 and r.value == 50.0
    with pytest.raises(RejectedRowsError):
        fidelite.activation(c, events=table([ev(3, 5)]), strict=True)


def test_activation_needs_both_tables_and_one_id_type():
    with pytest.raises(MissingTableError, match="events="):
        fidelite.activation(people([(1, T)]))
    with pytest.raises(MissingTableError, match="customers table"):
        fidelite.activation(None, events=table([ev(1, 0)]))
    with pytest.raises(ParameterError, match="id type"):
        fidelite.activation({"customer_id": ["a"], "created": ["2024-01-01"]}, events=table([ev(1, 0)]))


people_strategy = st.lists(st.tuples(st.integers(1, 10), st.integers(0, 900)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    people_strategy,
    events_strategy(event_types=("purchase", "visit", "login")),
    st.sampled_from([None, 3, 60]),
    st.sampled_from([None, "login"]),
)
def test_activation_matches_reference(rows, events, within, key_event):
    if key_event and not any(e.event == key_event for e in events):
        key_event = None
    rows = [(c, T - 366 * DAY + h * 3_600_000 * 24) for c, h in rows]
    r = fidelite.activation(people(rows), events=table(events), within=within, key_event=key_event)
    ref = ref_activation(rows, events, within_days=within, key_event=key_event)
    assert (r.parts["prospects"], r.parts["activated"]) == (ref["prospects"], ref["activated"])
    assert r.value == pytest.approx(ref["value"], nan_ok=True)
    assert dict(zip(r.time_to_value["customer_id"].tolist(), r.time_to_value["days"].tolist())) == pytest.approx(
        ref["ttv"]
    )
    assert r.parts["median_ttv_days"] == pytest.approx(ref["median"], nan_ok=True)
    assert r.parts["p90_ttv_days"] == pytest.approx(ref["p90"], nan_ok=True)


def test_activation_demo():
    shop = fidelite.datasets.demo_shop(300, seed=8, frame="pandas")
    rows = [
        (c, int(np.datetime64(t, "us").astype(np.int64)))
        for c, t in zip(shop.customers.customer_id, shop.customers.created)
    ]
    r = fidelite.activation(shop.customers, events=shop.events, within=30)
    ref = ref_activation(rows, from_frame(shop.events), within_days=30)
    assert r.value == pytest.approx(ref["value"])
    assert r.parts["median_ttv_days"] == pytest.approx(ref["median"])


# ----------------------------------------------------------------------------- completeness


def test_completeness_worked_example():
    c = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "email": ["a@x", "", None, "d@x"],
            "age": [30, np.nan, 40, 50],
            "vip": [True, False, False, True],
            "country": ["FR", "  ", "DE", "FR"],
        }
    )
    r = fidelite.completeness(c)
    assert dict(zip(r["field"], r["rate"])) == {"email": 50.0, "age": 75.0, "vip": 100.0, "country": 75.0}
    assert r["missing"].tolist() == [2, 1, 0, 1]
    assert r.value == pytest.approx(75.0)
    assert fidelite.completeness(c, fields=["email"]).value == 50.0


@pytest.mark.parametrize(
    "convert", [lambda d: d, pl.from_pandas, pa.Table.from_pandas, lambda d: {k: d[k].to_numpy() for k in d.columns}]
)
def test_completeness_every_frame(convert):
    shop = fidelite.datasets.demo_shop(300, seed=8, frame="pandas")
    r = fidelite.completeness(convert(shop.customers))
    for field, filled in zip(r["field"], r["filled"]):
        assert filled == sum(not is_missing(v) for v in shop.customers[field].tolist()), field


def test_completeness_empty_and_missing():
    r = fidelite.completeness({"customer_id": np.array([], int), "email": np.array([], object)})
    assert math.isnan(r.value) and r.reason
    with pytest.raises(MissingTableError):
        fidelite.completeness(None)
    with pytest.raises(MissingTableError, match="no field"):
        fidelite.completeness({"customer_id": [1]})


# ----------------------------------------------------------------------------- churn reasons


def test_churn_reasons_worked_example():
    values = [
        "Quality",
        "quality",
        "Customer_Experience",
        "weak-activation",
        "No problem / solution fit",
        "context change",
        "price",
        "other",
        None,
        "",
        "  ",
    ]
    r = fidelite.churn_reasons({"customer_id": range(len(values)), "churn_reason": np.array(values, dtype=object)})
    assert dict(zip(r["reason"], r["customers"].tolist())) == {
        "context change": 1,
        "no problem/solution fit": 1,
        "problem/solution misalignment": 0,
        "quality": 2,
        "customer experience": 1,
        "weak activation": 1,
        "other": 2,
    }
    assert r.value == pytest.approx(4 / 8 * 100)
    assert r["share"].sum() == pytest.approx(100.0)
    assert r["controllable"].tolist() == [False, False, False, True, True, True, False]


def test_churn_reasons_empty_and_column():
    r = fidelite.churn_reasons({"churn_reason": np.array([None, None], dtype=object)})
    assert math.isnan(r.value) and "no churned" in r.reason
    assert fidelite.churn_reasons({"why": ["quality"]}, column="why").value == 100.0
    with pytest.raises(MissingTableError):
        fidelite.churn_reasons(None)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Quality",
                "QUALITY ",
                "weak activation",
                "context-change",
                "price",
                "other",
                None,
                "",
                "problem/solution misalignment",
                "customer experience",
                "no problem solution fit",
            ]
        ),
        min_size=1,
        max_size=30,
    )
)
def test_churn_reasons_match_reference(values):
    r = fidelite.churn_reasons({"churn_reason": np.array(values, dtype=object)})
    counts, share = ref_churn_reasons(values)
    assert r["customers"].tolist() == counts
    assert r.value == pytest.approx(share, nan_ok=True)


def test_churn_reasons_demo():
    c = fidelite.datasets.demo_shop(500, seed=3, frame="polars").customers
    counts, share = ref_churn_reasons(c["churn_reason"].to_list())
    r = fidelite.churn_reasons(c)
    assert r["customers"].tolist() == counts and r.value == pytest.approx(share)
