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
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import io
from .._deps import import_optional, loaded
from ..calendar import Calendar, duration_us
from ..exceptions import DTypeError, EmptyInputError, MissingTableError, ParameterError
from ..io import Accounting, RowReport
from ..io import ids as io_ids
from ..io.instants import times_us
from ..io.keyed import sorted_ids
from ..query import keywords, net_revenue, parse, purchase_mask, resolve_as_of
from ..results.base import safe_ratio
from ..results.series import PeriodSeries
from ..results.surveys import LoyaltyIndexResult, NPSBehaviour, NPSResult, TransitionMatrix
from ..scale.merges import Gathered
from ..scale.registry import in_steps

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


# ----------------------------------------------------------------------------- answers over time

CATEGORIES = ("detractor", "passive", "promoter")
NULL_TIME = "null timestamp"
BAD_TIME = "unparseable timestamp"


def category(scores: np.ndarray) -> np.ndarray:
    """0 detractor (0-6), 1 passive (7-8), 2 promoter (9-10) of each score."""
    return (np.asarray(scores) >= 7).astype(np.int64) + (np.asarray(scores) >= 9)


def nps_interval(promoters: Any, detractors: Any, n: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald interval of the NPS (Rocks 2016, *The American Statistician* 70:4):
    add 3 answers to ``n``, 3/4 to the promoters and 3/4 to the detractors, then take the
    normal interval of the difference of the two multinomial shares,
    p_P - p_D +- z sqrt((p_P + p_D - (p_P - p_D)^2) / (n + 3)), clipped to -100..100.
    Defined for every n, 0 included (the whole range when n = 0).

    >>> lo, hi = nps_interval(50, 20, 100)
    >>> round(float(lo), 1), round(float(hi), 1)
    (14.1, 44.2)
    """
    if not 0 < level < 1:
        raise ParameterError(f"ci is a confidence level between 0 and 1, e.g. 0.95; got {level!r}")
    import statistics

    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    n_adj = np.asarray(n, np.float64) + 3.0
    p = (np.asarray(promoters, np.float64) + 0.75) / n_adj
    d = (np.asarray(detractors, np.float64) + 0.75) / n_adj
    half = z * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0.0) / n_adj)
    empty = n_adj == 3.0  # no answer: no information
    low = np.where(empty, -100.0, np.clip((p - d - half) * 100, -100, 100))
    return low, np.where(empty, 100.0, np.clip((p - d + half) * 100, -100, 100))


@dataclass(frozen=True)
class Answers:
    """Valid timed answers of a surveys table: ``customer`` (dense codes into ``ids``,
    ascending ids), ``ts`` (µs), ``scores`` and ``question`` (index into the asked
    questions), sorted by (customer, time, question, score); ``rows`` (the table's rows of
    them, for matching), ``id_column`` and the row ``report``."""

    customer: np.ndarray
    ids: np.ndarray
    ts: np.ndarray
    scores: np.ndarray
    question: np.ndarray
    id_column: Any
    rows: np.ndarray
    report: RowReport


def answers(
    surveys: Any,
    metric: str,
    wanted: Sequence[str],
    *,
    tz: str,
    question_column: str = "question",
    score: str = "score",
    customer: str = "customer_id",
    time: str = "timestamp",
    strict: bool = False,
) -> Answers:
    """The timed answers to the ``wanted`` questions: :func:`nps`'s rejections, plus rows
    without a readable customer id or timestamp."""
    if surveys is None:
        raise MissingTableError(
            f"{metric} needs the surveys table: pass surveys=<a table with columns customer_id, timestamp, question, score>"
        )
    table = io.read_table(surveys, what="surveys table", ids=customer)
    n = table.n_rows
    default = wanted[0] if tuple(wanted) == ("recommend",) else None
    q_codes, q_labels, q_null = _questions(table, question_column, n, default)
    scores, status = read_scores(table.get(score, "score")) if n else (np.zeros(0, np.int64), np.zeros(0, np.int8))
    if n and not q_null.all() and not set(wanted) & set(q_labels):
        raise ParameterError(
            f"no answers to question(s) {list(wanted)} in the surveys table; its questions are {list(q_labels)}. "
            "Pass question=<one of them>"
        )
    lut = np.array([wanted.index(q) if q in wanted else -1 for q in q_labels] + [-1], np.int64)
    which = np.where(q_null, -1, lut[np.where(q_codes < 0, len(q_labels), q_codes)])
    id_column = table.get(customer, "customer")
    ids = io_ids.factorize(id_column) if n else None
    ts, null_t, bad_t = times_us(table.get(time, "time"), tz) if n else (np.zeros(0, np.int64),) * 3
    acc = Accounting(n, table.source, noun="survey rows")
    acc.exclude(OTHER_QUESTIONS, (which < 0) & ~q_null)
    acc.reject(NULL_QUESTION, q_null)
    for reason in range(1, len(_STATUS)):
        acc.reject(_STATUS[reason], (status == reason) & (which >= 0))  # type: ignore[arg-type]
    if ids is not None:
        acc.reject(io.NULL_ID, ids.null)
        acc.reject(io.INEXACT_ID, ids.inexact)
    acc.reject(NULL_TIME, null_t)
    acc.reject(BAD_TIME, bad_t)
    if strict:
        acc.check_strict("answers need a customer id, a timestamp and an integer score 0..10")
    keep = acc.keep if acc.keep is not None else np.ones(n, bool)
    rows = np.flatnonzero(keep)
    if ids is not None and len(rows):
        sorted_ = sorted_ids(io_ids.keep_rows(ids, keep))
        code, labels = sorted_.codes.astype(np.int64), sorted_.labels
    else:
        code, labels = np.zeros(0, np.int64), np.zeros(0, np.int64)
    ts, sc, qu = ts[keep], scores[keep], which[keep]
    order = np.lexsort((sc, qu, ts, code))
    return Answers(code[order], labels, ts[order], sc[order], qu[order], id_column, rows[order], acc.report())


def _answers_until(
    surveys: Any, metric: str, wanted: tuple[str, ...], as_of: Any, **read: Any
) -> tuple[Answers, int, np.ndarray]:
    """The valid answers to ``wanted`` (:func:`answers`), the resolved ``as_of`` and the
    mask of the answers at or before it (those after are counted in the report's notes);
    an :class:`EmptyInputError` when none is left."""
    a = answers(surveys, metric, wanted, **read)
    if not len(a.ts):
        shown = repr(wanted[0]) if len(wanted) == 1 else str(list(wanted))
        raise EmptyInputError(f"no valid answer to {shown} in the surveys table ({a.report})")
    end = resolve_as_of(as_of, read["tz"], int(a.ts.max()))
    known = a.ts <= end
    if not known.any():
        raise EmptyInputError(f"no answer at or before as_of ({np.datetime64(end, 'us')})")
    if not known.all():
        a.report.notes["answers after as_of (left out)"] = int((~known).sum())
    return a, end, known


def _net_per_period(period: np.ndarray, cat: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(detractor / passive / promoter tally per period, answers per period, net score
    per period: promoters - detractors in % of the answers, NaN without answers)."""
    tally = np.zeros((count, 3), np.int64)
    np.add.at(tally, (period, cat), 1)
    n = tally.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return tally, n, np.where(n > 0, (tally[:, 2] - tally[:, 0]) / np.where(n > 0, n, 1) * 100, np.nan)


def _period_axis(cal: Calendar, ts: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(period index from 0 of each instant, local start dates, complete flags, count)."""
    first = int(cal.period_of(int(ts.min())))
    count = int(cal.period_of(end)) - first + 1
    days, bounds = cal.axis(first, count)
    return cal.periods_of(ts) - first, days[:count], bounds[1:] <= end, count


@keywords
def nps_over_time(
    surveys: Any,
    *,
    by: str = "month",
    ci: float = 0.95,
    question: str = "recommend",
    week_start: str | int = "monday",
    tz: str = "UTC",
    as_of: Any = None,
    question_column: str = "question",
    score: str = "score",
    strict: bool = False,
) -> PeriodSeries:
    """The NPS of the answers of each period (``by``: day, week, month, quarter, year),
    with its interval.

    One row per period from the first answer's to the period of ``as_of`` (default: the
    latest answer; later answers are left out), empty periods included: responses,
    promoters, passives, detractors, ``nps`` (NaN without answers), ``ci_low`` /
    ``ci_high`` (the adjusted-Wald interval at level ``ci``, :func:`nps_interval`: add 3
    answers, 3/4 promoter and 3/4 detractor, then the normal interval of the difference
    of the promoter and detractor shares; its coverage is checked by simulation in the
    tests), ``complete``. ``.value`` is the NPS of the latest complete period.

    >>> import fidelite
    >>> t = {"customer_id": [1, 2, 3, 4], "score": [10, 3, 9, 8],
    ...      "timestamp": ["2024-01-03", "2024-01-09", "2024-02-01", "2024-02-11"]}
    >>> r = fidelite.nps_over_time(t, as_of="2024-03-31")
    >>> r["nps"].tolist()[:2], r["responses"].tolist()
    ([0.0, 50.0], [2, 2, 0])
    """
    cal = Calendar.make(by, tz, week_start)
    a, end, known = _answers_until(
        surveys, "nps_over_time", (question,), as_of, tz=tz, question_column=question_column, score=score, strict=strict
    )
    p, days, complete, count = _period_axis(cal, a.ts[known], end)
    tally, n, value = _net_per_period(p, category(a.scores[known]), count)
    low, high = nps_interval(tally[:, 2], tally[:, 0], n, ci)
    cols = {
        "period": days,
        "responses": n,
        "promoters": tally[:, 2],
        "passives": tally[:, 1],
        "detractors": tally[:, 0],
        "nps": value,
        "ci_low": np.where(n > 0, low, np.nan),
        "ci_high": np.where(n > 0, high, np.nan),
        "complete": complete,
    }
    done = np.flatnonzero(complete & (n > 0))
    headline = float(value[done[-1]]) if len(done) else math.nan
    reason = None if len(done) else "no complete period with answers"
    meta = {"by": by, "ci": ci, "tz": tz, "question": question, "as_of": np.datetime64(end, "us")}
    units = dict.fromkeys(("nps", "ci_low", "ci_high"), "points")
    result = PeriodSeries(
        cols, series=("nps",), band=("ci_low", "ci_high"), ylabel="NPS (points)",
        title=f"NPS per {by}", value=headline, reason=reason, meta=meta, units=units,
    )  # fmt: skip
    result.report = a.report  # type: ignore[attr-defined]
    return result


@keywords
def loyalty_index_over_time(
    surveys: Any,
    *,
    by: str = "month",
    questions: Sequence[str] = QUESTIONS,
    week_start: str | int = "monday",
    tz: str = "UTC",
    as_of: Any = None,
    question_column: str = "question",
    score: str = "score",
    strict: bool = False,
) -> PeriodSeries:
    """The customer loyalty index of the answers of each period: one row per period (as
    :func:`nps_over_time`) with the net score of each question (``<question>_net``, NaN
    without answers), ``responses`` (answers to any of them) and ``loyalty_index`` (their
    mean; NaN when a question has no answer in the period). ``.value``: the index of the
    latest complete period.

    >>> import fidelite
    >>> t = {"customer_id": [1] * 3, "timestamp": ["2024-01-03"] * 3,
    ...      "question": ["recommend", "buy_again", "try_new"], "score": [10, 9, 0]}
    >>> round(float(fidelite.loyalty_index_over_time(t, as_of="2024-01-31")["loyalty_index"][0]), 2)
    33.33
    """
    wanted = tuple(questions)
    if not wanted or any(not isinstance(q, str) for q in wanted) or len(set(wanted)) != len(wanted):
        raise ParameterError(f"questions must be distinct question names, e.g. {list(QUESTIONS)}; got {questions!r}")
    cal = Calendar.make(by, tz, week_start)
    a, end, known = _answers_until(
        surveys,
        "loyalty_index_over_time",
        wanted,
        as_of,
        tz=tz,
        question_column=question_column,
        score=score,
        strict=strict,
    )
    p, days, complete, count = _period_axis(cal, a.ts[known], end)
    cat, qu = category(a.scores[known]), a.question[known]
    cols: dict[str, Any] = {"period": days, "responses": np.bincount(p, minlength=count)}
    nets = []
    for i, q in enumerate(wanted):
        nets.append(_net_per_period(p[qu == i], cat[qu == i], count)[2])
        cols[f"{q}_net"] = nets[-1]
    cols["loyalty_index"] = np.mean(nets, axis=0)
    cols["complete"] = complete
    done = np.flatnonzero(complete & np.isfinite(cols["loyalty_index"]))
    headline = float(cols["loyalty_index"][done[-1]]) if len(done) else math.nan
    units = {k: "points" for k in cols if k.endswith("_net") or k == "loyalty_index"}
    meta = {"by": by, "tz": tz, "questions": list(wanted), "as_of": np.datetime64(end, "us")}
    result = PeriodSeries(
        cols,
        series=("loyalty_index", *(f"{q}_net" for q in wanted)),
        ylabel="net score (points)",
        title=f"customer loyalty index per {by}",
        value=headline,
        reason=None if len(done) else "no complete period with answers to every question",
        meta=meta,
        units=units,
    )
    result.report = a.report  # type: ignore[attr-defined]
    return result


@keywords
def nps_transitions(
    surveys: Any,
    *,
    question: str = "recommend",
    tz: str = "UTC",
    question_column: str = "question",
    score: str = "score",
    strict: bool = False,
) -> TransitionMatrix:
    """How customers move between detractor, passive and promoter from one answer to
    their next: ``counts[i, j]`` = answers in category j whose customer's previous answer
    (to the same question) was in category i. Answers are ordered by time (ties by
    score); a customer's first answer has no previous one and is not counted.
    ``shares`` are % of each row; ``.value`` = % of the answers of previous detractors
    that are promoters now.

    >>> import fidelite
    >>> t = {"customer_id": [1, 1, 1, 2, 2], "score": [3, 9, 10, 8, 2],
    ...      "timestamp": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-05", "2024-03-05"]}
    >>> fidelite.nps_transitions(t).counts.tolist()
    [[0, 0, 1], [1, 0, 0], [0, 0, 1]]
    """
    a = answers(
        surveys, "nps_transitions", (question,), tz=tz, question_column=question_column, score=score, strict=strict
    )
    cat = category(a.scores)
    counts = np.zeros((3, 3), np.int64)
    if len(cat) > 1:
        same = a.customer[1:] == a.customer[:-1]
        np.add.at(counts, (cat[:-1][same], cat[1:][same]), 1)
    return TransitionMatrix(
        counts,
        list(CATEGORIES),
        title=f"NPS transitions between consecutive answers ({question})",
        value_of=(0, 2),
        report=a.report,
    )


def _behaviour_table(windows: Gathered) -> NPSBehaviour:
    """The last step of :func:`nps_behaviour`: per category the rates and means over the
    answers (in answer order, the same on partitioned data)."""
    r = windows.rows
    cat, cust, any_events, purchases, revenue = (
        r[k] for k in ("category", "customer", "any_events", "purchases", "revenue")
    )
    groups = [cat == 2, cat == 1, cat == 0, np.ones(len(cat), bool)]
    cols: dict[str, Any] = {"category": np.array(["promoter", "passive", "detractor", "all"], dtype=object)}
    stats = []
    for g in groups:
        k = int(g.sum())
        stats.append(
            [
                k,
                len(np.unique(cust[g])),
                (purchases[g] > 0).sum() / k * 100 if k else math.nan,
                (any_events[g] == 0).sum() / k * 100 if k else math.nan,
                revenue[g].sum() / k if k else math.nan,
                purchases[g].sum() / k if k else math.nan,
            ]
        )
    s = np.array(stats, dtype=np.float64)
    cols.update(
        answers=s[:, 0].astype(np.int64),
        customers=s[:, 1].astype(np.int64),
        repurchase_rate=s[:, 2],
        churn_rate=s[:, 3],
        revenue_per_customer=s[:, 4],
        purchases_per_customer=s[:, 5],
    )
    excluded = {
        "customer without an event in the log": windows.same["answers"] - windows.counts["in_log"],
        "window not over at as_of": windows.counts["not_over"],
    }
    meta = {**windows.same["meta"], "excluded": excluded, "question": windows.same["question"]}
    result = NPSBehaviour(cols, title=f"behaviour in the {meta['days']:g} days after an NPS answer", meta=meta)
    result.report = windows.same["report"]  # type: ignore[attr-defined]
    return result


@in_steps(_behaviour_table)
def nps_behaviour(
    data: Any,
    *,
    surveys: Any = None,
    days: Any = 90,
    question: str = "recommend",
    purchase_event: str = "purchase",
    as_of: Any = None,
    tz: str | None = None,
    question_column: str = "question",
    score: str = "score",
    strict: bool = False,
    **columns: Any,
) -> Gathered:
    """What promoters, passives and detractors do in the ``days`` after their answer.

    Each valid answer (a customer's answer at t) looks at her events in (t, t + days]:

    - ``repurchase_rate``: % of answers followed by at least one purchase;
    - ``churn_rate``: % of answers followed by no event at all;
    - ``revenue_per_customer``: net revenue in the window per answer (NaN without an
      amount column); ``purchases_per_customer`` likewise.

    Counted per answer, as the NPS counts them (a customer who answered twice counts
    twice); ``customers`` gives the distinct customers. Rows: promoter, passive, detractor,
    all. Answers whose window is not over at ``as_of`` (default: the latest event) and
    answers of customers without an event in the log are left out and counted in
    ``meta["excluded"]``.

    >>> import fidelite
    >>> log = {"customer_id": [1, 1, 2], "timestamp": ["2024-01-01", "2024-01-20", "2024-06-01"]}
    >>> t = {"customer_id": [1, 2], "timestamp": ["2024-01-02", "2024-01-02"], "score": [10, 2]}
    >>> b = fidelite.nps_behaviour(log, surveys=t, days=30)
    >>> b["repurchase_rate"].tolist()
    [100.0, nan, 0.0, 50.0]
    """
    q = parse(data, columns, metric=nps_behaviour, tz=tz, as_of=as_of)
    span = duration_us(days, "days")
    if span <= 0:
        raise ParameterError(f"days must be a positive duration, got {days!r}")
    a = answers(
        surveys, "nps_behaviour", (question,), tz=q.tz, question_column=question_column, score=score, strict=strict
    )
    log = q.log
    id_code = log.codes_of(a.ids, "surveys table") if len(a.ids) else np.zeros(0, np.int64)
    code = id_code[a.customer]
    in_log = code >= 0
    over = a.ts + span <= q.as_of
    use = in_log & over
    c, t, cat, cust = code[use], a.ts[use], category(a.scores[use]), a.customer[use]
    layout = q.grouped(columns=("amount",) if log.has("amount") else ())
    owner = layout.customer_of_event()
    buy = purchase_mask(log, purchase_event)

    def window_sum(mask: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        # events of the mask sorted by (customer, time): per answer, the sum over (t, t + span]
        idx = np.flatnonzero(mask)
        instants = np.unique(layout.ts[idx]) if len(idx) else np.zeros(1, np.int64)
        stride = len(instants) + 1
        key = owner[idx] * stride + np.searchsorted(instants, layout.ts[idx])
        w = np.ones(len(idx)) if values is None else values[idx]
        cum = np.concatenate([[0.0], np.cumsum(w)])

        def pos(x: np.ndarray) -> np.ndarray:
            return np.searchsorted(key, c * stride + np.searchsorted(instants, x, side="right"), side="left")

        return cum[pos(t + span)] - cum[pos(t)]

    any_events = window_sum(np.ones(len(owner), bool))
    purchases = window_sum(buy)
    revenue = (
        window_sum(np.ones(len(owner), bool), net_revenue(log, buy, "nps_behaviour"))
        if log.has("amount")
        else np.full(len(c), np.nan)
    )
    rows = {
        "answer": np.flatnonzero(use),
        "category": cat,
        "customer": cust,
        "any_events": any_events,
        "purchases": purchases,
        "revenue": revenue,
    }
    counts = {"in_log": int(in_log.sum()), "not_over": int((in_log & ~over).sum())}
    meta = {"days": span / 86_400_000_000, "as_of": np.datetime64(q.as_of, "us"), "tz": q.tz}
    same = {"answers": len(code), "report": a.report, "meta": meta, "question": question}
    return Gathered(rows, counts, same=same, key="answer")


# ----------------------------------------------------------------------------- partitioned (fidelite.scale)
