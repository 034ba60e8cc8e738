"""fidelite.nps and fidelite.loyalty_index against the reference (tests/reference_metrics.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_metrics import ref_net_score

import fidelite
from fidelite.exceptions import ColumnNotFoundError, MissingTableError, ParameterError, RejectedRowsError

QUESTIONS = ["recommend", "buy_again", "try_new"]
CELLS = st.one_of(
    st.integers(-2, 12), st.sampled_from([7.5, 10.0, 3.0, float("nan"), None, "abc", "9", " 4 ", "", "1e1"])
)


def test_nps_worked_example():
    # 50 promoters, 30 passives, 20 detractors of 100: NPS = 50 - 20 = 30
    scores = [10] * 25 + [9] * 25 + [7] * 15 + [8] * 15 + [0] * 10 + [6] * 10
    r = fidelite.nps({"customer_id": range(100), "question": ["recommend"] * 100, "score": scores})
    assert r.value == pytest.approx(30.0)
    assert float(r) == r.value
    assert (r.parts["promoters"], r.parts["passives"], r.parts["detractors"]) == (50, 30, 20)
    assert r.parts["promoters_pct"] == 50.0 and r.parts["detractors_pct"] == 20.0
    assert r.report.read == r.report.used == 100 and r.report.rejected == {}


def test_nps_bounds():
    assert fidelite.nps({"score": [9, 10, 9]}).value == 100.0
    assert fidelite.nps({"score": [0, 6, 3]}).value == -100.0
    assert fidelite.nps({"score": [7, 8]}).value == 0.0


@pytest.mark.parametrize(
    "bad, reason",
    [
        (11, "score outside 0..10"),
        (-1, "score outside 0..10"),
        (7.5, "score is not an integer"),
        ("abc", "score is not a number"),
        (None, "null score"),
        (float("nan"), "null score"),
        (True, "score is not a number"),
    ],
)
def test_invalid_scores_are_rejected_never_rounded(bad, reason):
    r = fidelite.nps(pd.DataFrame({"question": ["recommend"] * 3, "score": pd.Series([10, 0, bad], dtype=object)}))
    assert r.value == 0.0  # one promoter, one detractor: the bad row neither rounded nor clipped
    assert r.report.rejected == {reason: 1}
    assert r.report.read == 3 and r.report.used == 2
    with pytest.raises(RejectedRowsError, match="rejected") as e:
        fidelite.nps(
            pd.DataFrame({"question": ["recommend"] * 3, "score": pd.Series([10, 0, bad], dtype=object)}), strict=True
        )
    assert e.value.report.rejected == {reason: 1}


def test_float_and_numeric_string_scores_that_are_integers_count():
    r = fidelite.nps({"score": np.array([10.0, 9.0, 3.0])})
    assert r.value == pytest.approx(100 / 3)
    r = fidelite.nps({"score": np.array(["10", " 9 ", "3"], dtype=object)})
    assert r.parts["responses"] == 3


def test_question_selection_and_other_questions_noted():
    t = {"question": ["recommend", "buy_again", "recommend", None], "score": [10, 0, 0, 5]}
    r = fidelite.nps(t)
    assert r.value == 0.0
    assert r.report.rejected == {"null question": 1}
    assert r.report.notes == {"rows of other questions (not part of this metric)": 1}
    assert fidelite.nps(t, question="buy_again").value == -100.0
    with pytest.raises(ParameterError, match="'recomend'.*recommend"):
        fidelite.nps(t, question="recomend")


def test_table_without_question_column_is_recommend_answers():
    assert fidelite.nps({"score": [10, 10, 0]}).value == pytest.approx(100 / 3)
    with pytest.raises(ColumnNotFoundError, match="question_column"):
        fidelite.nps({"score": [10]}, question="try_new")
    with pytest.raises(ColumnNotFoundError, match="question_column"):
        fidelite.loyalty_index({"score": [10]})


def test_custom_column_names():
    r = fidelite.nps({"q": ["recommend", "recommend"], "note": [10, 2]}, question_column="q", score="note")
    assert r.value == 0.0
    with pytest.raises(ColumnNotFoundError, match="score"):
        fidelite.nps({"question": ["recommend"], "note": [1]})


def test_empty_base_is_nan_with_reason():
    r = fidelite.nps({"question": ["recommend", "recommend"], "score": [11, None]})
    assert math.isnan(r.value) and r.reason == "no valid answers"
    r = fidelite.nps({"question": [], "score": []})
    assert math.isnan(r.value) and r.report.read == 0


def test_missing_table():
    with pytest.raises(MissingTableError, match="surveys table"):
        fidelite.nps(None)
    with pytest.raises(MissingTableError, match="surveys table"):
        fidelite.loyalty_index(None)


def test_loyalty_index_is_mean_of_net_scores():
    t = {"question": ["recommend"] * 4 + ["buy_again"] * 2 + ["try_new"] * 2, "score": [10, 9, 8, 0, 10, 10, 0, 7]}
    r = fidelite.loyalty_index(t)
    nets = dict(zip(r["question"], r["net_score"]))
    assert nets == {"recommend": 25.0, "buy_again": 100.0, "try_new": -50.0}
    assert r.value == pytest.approx(25.0)
    assert float(r) == r.value
    assert r["responses"].tolist() == [4, 2, 2]
    assert set(r.to_pandas().columns) == {"question", "responses", "promoters", "passives", "detractors", "net_score"}
    custom = fidelite.loyalty_index(t, questions=["recommend", "buy_again"])
    assert custom.value == pytest.approx(62.5)


def test_loyalty_index_missing_question_is_nan():
    r = fidelite.loyalty_index({"question": ["recommend", "buy_again"], "score": [10, 10]})
    assert math.isnan(r.value) and "try_new" in r.reason
    with pytest.raises(ParameterError, match="distinct"):
        fidelite.loyalty_index({"question": ["recommend"], "score": [1]}, questions=["recommend", "recommend"])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(QUESTIONS + [None]), CELLS), min_size=1, max_size=40), st.sampled_from(QUESTIONS)
)
def test_nps_matches_reference(rows, question):
    questions = [q for q, _ in rows]
    scores = [s for _, s in rows]
    if not any(q == question for q in questions):
        questions[0] = question
    df = pd.DataFrame({"question": pd.Series(questions, dtype=object), "score": pd.Series(scores, dtype=object)})
    ref = ref_net_score(questions, scores, question)
    r = fidelite.nps(df, question=question)
    assert r.report.rejected == ref["rejected"]
    assert r.report.read == r.report.used + r.report.n_rejected
    assert r.report.used == ref["responses"]
    assert (r.parts["promoters"], r.parts["detractors"], r.parts["passives"]) == (
        ref["promoters"],
        ref["detractors"],
        ref["passives"],
    )
    if math.isnan(ref["value"]):
        assert math.isnan(r.value)
    else:
        assert r.value == pytest.approx(ref["value"])


@pytest.mark.parametrize("frame", ["pandas", "polars", "arrow", "numpy"])
def test_demo_surveys_every_frame(frame):
    shop = fidelite.datasets.demo_shop(400, seed=5, frame=frame)
    pdf = fidelite.datasets.demo_shop(400, seed=5, frame="pandas").surveys
    r = fidelite.loyalty_index(shop.surveys)
    for q, net in zip(r["question"], r["net_score"]):
        ref = ref_net_score(pdf["question"].tolist(), pdf["score"].tolist(), q)
        assert net == pytest.approx(ref["value"])
    assert r.value == pytest.approx(np.mean(r["net_score"]))
    assert fidelite.nps(shop.surveys).value == pytest.approx(r["net_score"][0])


def test_polars_and_arrow_nulls_are_rejected():
    df = pl.DataFrame({"question": ["recommend"] * 3, "score": [10, None, 3]})
    assert fidelite.nps(df).report.rejected == {"null score": 1}
    t = pa.table({"question": ["recommend"] * 3, "score": pa.array([10.0, 7.5, None])})
    assert fidelite.nps(t).report.rejected == {"null score": 1, "score is not an integer": 1}
