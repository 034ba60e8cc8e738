"""The "surveys" section: the NPS per period with its interval
(:func:`fidelite.nps_over_time`), what promoters, passives and detractors do in the 90 days
after answering (:func:`fidelite.nps_behaviour`) and the transitions between a customer's
consecutive answers (:func:`fidelite.nps_transitions`). Shown when the surveys table is
given."""

from __future__ import annotations

from functools import partial

from .. import metrics
from ..results.formatting import num, pct
from .model import Block, Figure, ReportInputs, Skip, Table, build_parts
from .sections import describe_table

#: Days after an answer that the behaviour table looks at.
BEHAVIOUR_DAYS = 90


def _trend(inputs: ReportInputs) -> list[Block]:
    r = metrics.nps_over_time(inputs.surveys, by=inputs.period, week_start=inputs.week_start, **inputs.kw())
    shown = {k: r[k] for k in ("period", "responses", "promoters", "detractors", "nps", "ci_low", "ci_high")}
    caption = (
        f"NPS of the answers of each {inputs.period} with its 95% interval (adjusted Wald: 3 answers added, "
        "3/4 promoter and 3/4 detractor); latest complete period "
        f"{num(r.value)}"
    )

    return [
        describe_table(shown, key="nps-over-time", caption=caption, max_rows=24, units=r.units),
        Figure.of(
            "nps-over-time",
            f"NPS per {inputs.period} with its 95% interval",
            r,
            (8.0, 3.5),
        ),
    ]


def _loyalty(inputs: ReportInputs) -> list[Block]:
    r = metrics.loyalty_index_over_time(inputs.surveys, by=inputs.period, week_start=inputs.week_start, **inputs.kw())
    return [
        Figure.of(
            "loyalty-index-over-time",
            f"Customer loyalty index per {inputs.period} (net score of each question and their mean)",
            r,
            (8.0, 3.5),
        )
    ]


def _behaviour(inputs: ReportInputs) -> list[Block]:
    b = metrics.nps_behaviour(inputs.log, surveys=inputs.surveys, days=BEHAVIOUR_DAYS, **inputs.kw(purchases=True))
    rows = [
        [
            str(b["category"][i]),
            num(int(b["answers"][i])),
            pct(b["repurchase_rate"][i]),
            pct(b["churn_rate"][i]),
            num(b["revenue_per_customer"][i]),
        ]
        for i in range(len(b))
    ]
    left = ", ".join(f"{k}: {v}" for k, v in b.meta["excluded"].items() if v)
    caption = f"per answer, in the {BEHAVIOUR_DAYS} days after it: repurchase = a purchase, churn = no event at all" + (
        f"; left out: {left}" if left else ""
    )
    return [
        Table(
            ["category", "answers", "repurchase rate", "churn rate", "revenue per customer"],
            rows,
            caption=caption,
            key="nps-behaviour",
        ),
        Figure.of(
            "nps-behaviour",
            f"Repurchase and churn in the {BEHAVIOUR_DAYS} days after an answer",
            b,
            (7.0, 3.2),
        ),
    ]


def _transitions(inputs: ReportInputs) -> list[Block]:
    t = metrics.nps_transitions(inputs.surveys, tz=inputs.tz)
    rows = [[t.labels[i], *(f"{num(int(c))} ({pct(s)})" for c, s in zip(t.counts[i], t.shares[i]))] for i in range(3)]
    caption = "category of each answer (columns) against the same customer's previous answer (rows), % of the row"
    return [
        Table(["previous \\ now", *t.labels], rows, caption=caption, key="nps-transitions"),
        Figure.of("nps-transitions", "Transitions between consecutive answers", t, (6.0, 4.0)),
    ]


def surveys_section(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    """NPS over time, behaviour after answering, and transitions between answers."""
    if inputs.surveys is None:
        raise Skip("needs the surveys table (--surveys FILE)")
    parts = [
        ("NPS over time", _trend),
        ("loyalty index over time", _loyalty),
        ("behaviour after answering", _behaviour),
        ("transitions", _transitions),
    ]
    return build_parts((label, partial(build, inputs)) for label, build in parts)
