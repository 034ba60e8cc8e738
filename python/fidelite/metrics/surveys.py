"""Survey metrics (docs/metrics.md, "Surveys"): the Net Promoter Score and the customer
loyalty index, from a surveys table (``customer_id``, ``timestamp``, ``question``,
``score``).

Scores must be integers 0..10. Anything else (11, -1, 7.5, "abc", a null) is rejected with
a counted reason, never rounded or clipped; ``result.report`` (a :class:`RowReport`) says
what became of every row, and ``strict=True`` turns any rejection into
:class:`~fidelite.exceptions.RejectedRowsError`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import io
from .._deps import import_optional, loaded
from ..exceptions import DTypeError, MissingTableError, ParameterError
from ..io import Accounting, RowReport
from ..query import keywords
from ..results.base import safe_ratio
from ..results.surveys import LoyaltyIndexResult, NPSResult

QUESTIONS = ("recommend", "buy_again", "try_new")

# Rejection reasons, checked in this order (a row is counted under the first that applies).
NULL_QUESTION = "null question"
NULL_SCORE = "null score"
NOT_A_NUMBER = "score is not a number"
NOT_AN_INTEGER = "score is not an integer"
OUT_OF_SCALE = "score outside 0..10"
OTHER_QUESTIONS = "rows of other questions (not part of this metric)"
_STATUS = (None, NULL_SCORE, NOT_A_NUMBER, NOT_AN_INTEGER, OUT_OF_SCALE)
_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*\Z")


# ----------------------------------------------------------------------------- reading


def _one_score(v: Any) -> tuple[float, int]:
    """(value, status) of one object cell: status 0 = a number, else an index of _STATUS."""
    if v is None or (isinstance(v, float) and v != v):
        return math.nan, 1
    if isinstance(v, (bool, np.bool_)):
        return math.nan, 2
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v), 0
    if isinstance(v, str):
        if not v.strip():
            return math.nan, 1
        return (float(v), 0) if _NUMBER.match(v) else (math.nan, 2)
    return math.nan, 2


def _status(values: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Final status per row: 0 valid, 3 not an integer, 4 outside 0..10 (1, 2 kept)."""
    num = status == 0
    with np.errstate(invalid="ignore"):
        frac = num & np.isfinite(values) & (values != np.floor(values))
        out = num & ~frac & ((values < 0) | (values > 10))
    return np.where(frac, 3, np.where(out, 4, status)).astype(np.int8)


def read_scores(col: Any) -> tuple[np.ndarray, np.ndarray]:
    """(int scores, -1 where rejected; int8 status per row, 0 = valid, else an index of the
    rejection reasons) of a score column of any supported type."""
    pd = loaded("pandas")
    if pd is not None and isinstance(col, pd.Series) and col.dtype == object:
        col = col.to_numpy(dtype=object)  # mixed cells: Arrow would refuse them
    arr = io.to_arrow(col)
    if arr is not None:
        pa = import_optional("pyarrow")
        if pa.types.is_boolean(arr.type):
            raise DTypeError("the score column holds booleans; scores are integers 0..10")
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
            values, null = io.floats(arr, "score")
            status = np.where(null, 1, 0)
        else:
            col = np.array(arr.to_pylist(), dtype=object)
            arr = None
    if arr is None:
        # a Python list is read cell by cell: np.asarray([True, 10]) would make True a 1
        v = np.array(col, dtype=object) if isinstance(col, (list, tuple)) else np.asarray(col)
        if v.ndim != 1:
            raise DTypeError(f"the score column must be one-dimensional, got shape {v.shape}")
        if v.dtype.kind == "b":
            raise DTypeError("the score column holds booleans; scores are integers 0..10")
        if v.dtype.kind in "iuf":
            values = v.astype(np.float64)
            status = np.where(np.isnan(values), 1, 0)
        else:
            parsed = [_one_score(x) for x in v.tolist()]  # mixed cells: parsed one by one
            values = np.array([p[0] for p in parsed], np.float64)
            status = np.array([p[1] for p in parsed], np.int8)
    status = _status(values, np.asarray(status, np.int8))
    scores = np.where(status == 0, np.nan_to_num(values), -1).astype(np.int64)
    return scores, status


def _questions(
    table: io.Table, column: str, n: int, default: str | None
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """(codes, labels, null mask) of the question column; a table without one (under the
    default name) is all ``default`` answers when a default is given."""
    if default is not None and column not in table.columns and column == "question":
        return np.zeros(n, np.int32), (default,), np.zeros(n, bool)
    codes, labs, null = io.labels(table.get(column, "question_column"), "question")
    return codes, labs, null


def _read(
    surveys: Any,
    metric: str,
    wanted: Sequence[str],
    question_column: str,
    score: str,
    strict: bool,
    default: str | None,
) -> tuple[np.ndarray, np.ndarray, RowReport, tuple[str, ...]]:
    """Scores of the wanted questions: (question index into ``wanted`` per kept row, scores,
    report, questions present in the table)."""
    if surveys is None:
        raise MissingTableError(
            f"{metric} needs the surveys table: pass a table with columns customer_id, timestamp, question, score"
        )
    table = io.read_table(surveys, what="surveys table")
    n = table.n_rows
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), RowReport(read=0, used=0), ()
    q_codes, q_labels, q_null = _questions(table, question_column, n, default)
    scores, status = read_scores(table.get(score, "score"))
    present = tuple(q_labels)
    if n and not q_null.all() and not set(wanted) & set(present):
        raise ParameterError(
            f"no answers to question(s) {list(wanted)} in the surveys table; its questions are {list(present)}. "
            "Pass question=<one of them>"
        )
    lut = np.array([wanted.index(q) if q in wanted else -1 for q in q_labels] + [-1], np.int64)
    which = np.where(q_null, -1, lut[np.where(q_codes < 0, len(q_labels), q_codes)])
    acc = Accounting(n, table.source, noun="survey rows")
    acc.exclude(OTHER_QUESTIONS, (which < 0) & ~q_null)
    acc.reject(NULL_QUESTION, q_null)
    for code in range(1, len(_STATUS)):
        acc.reject(_STATUS[code], (status == code) & (which >= 0))  # type: ignore[arg-type]
    if strict:
        acc.check_strict("scores must be integers 0..10")
    keep = (which >= 0) & (status == 0)
    return which[keep], scores[keep], acc.report(), present


def _net(scores: np.ndarray) -> tuple[float, str | None, dict[str, Any]]:
    """Net score (% promoters - % detractors) of some answers, and its parts."""
    n = len(scores)
    promoters = int((scores >= 9).sum())
    detractors = int((scores <= 6).sum())
    passives = n - promoters - detractors
    pro, why = safe_ratio(promoters, n, 100.0)
    det, _ = safe_ratio(detractors, n, 100.0)
    pas, _ = safe_ratio(passives, n, 100.0)
    parts = {
        "responses": n,
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "promoters_pct": pro,
        "passives_pct": pas,
        "detractors_pct": det,
    }
    return pro - det, (None if why is None else "no valid answers"), parts


# ----------------------------------------------------------------------------- metrics


@keywords
def nps(
    surveys: Any,
    *,
    question: str = "recommend",
    question_column: str = "question",
    score: str = "score",
    strict: bool = False,
) -> NPSResult:
    """Net Promoter Score = % promoters (9-10) - % detractors (0-6), -100..100.

    Counts answers (rows), not customers: a customer who answered twice counts twice.
    Only rows whose ``question_column`` equals ``question`` are used; a table without a
    ``question`` column is all answers to "recommend". Scores that are not integers 0..10
    are rejected with a reason (see the module docstring); ``.report.read`` counts the rows
    of this question (plus rows with a null question, rejected), other questions are noted.
    No valid answer gives NaN with a ``reason``.

    >>> import fidelite
    >>> r = fidelite.nps({"question": ["recommend"] * 5, "score": [10, 9, 8, 3, 11]})
    >>> r.value, r.parts["promoters"], r.report.rejected
    (25.0, 2, {'score outside 0..10': 1})
    """
    _, scores, report, _ = _read(
        surveys, "nps", (question,), question_column, score, strict, question if question == "recommend" else None
    )
    value, reason, parts = _net(scores)
    return NPSResult(value, question=question, parts=parts, reason=reason, report=report)


@keywords
def loyalty_index(
    surveys: Any,
    *,
    questions: Sequence[str] = QUESTIONS,
    question_column: str = "question",
    score: str = "score",
    strict: bool = False,
) -> LoyaltyIndexResult:
    """Customer loyalty index = mean of the net scores (NPS-like, -100..100) of ``questions``
    (default: recommend, buy_again, try_new: "would you recommend us / buy again / try our
    other products?").

    Each question's net score is % of 9-10 answers - % of 0-6 answers over its valid answers
    (invalid scores are rejected as in :func:`nps`). The result is a per-question table
    (question, responses, promoters, passives, detractors, net_score) with the index as
    ``.value``: NaN, with a ``reason``, when a question has no valid answer.

    >>> import fidelite
    >>> t = {"question": ["recommend", "buy_again", "try_new"] * 2, "score": [10, 9, 0, 9, 5, 9]}
    >>> r = fidelite.loyalty_index(t)
    >>> r["net_score"].tolist(), round(r.value, 2)
    ([100.0, 0.0, 0.0], 33.33)
    """
    wanted = tuple(questions)
    if not wanted or any(not isinstance(q, str) for q in wanted) or len(set(wanted)) != len(wanted):
        raise ParameterError(f"questions must be distinct question names, e.g. {list(QUESTIONS)}; got {questions!r}")
    which, scores, report, _ = _read(surveys, "loyalty_index", wanted, question_column, score, strict, None)
    rows = [_net(scores[which == i]) for i in range(len(wanted))]
    nets = np.array([r[0] for r in rows])
    empty = [q for q, r in zip(wanted, rows) if r[1] is not None]
    value = math.nan if empty else float(nets.mean())
    reason = f"no valid answers to {', '.join(map(repr, empty))}" if empty else None
    cols = {"question": np.array(wanted, dtype=object)}
    for key in ("responses", "promoters", "passives", "detractors"):
        cols[key] = np.array([r[2][key] for r in rows], np.int64)
    cols["net_score"] = nets
    return LoyaltyIndexResult(cols, value=value, reason=reason, report=report)
