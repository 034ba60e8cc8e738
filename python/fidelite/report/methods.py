"""The methods appendix (HTML only): the definitions behind every figure of the report,
stated with this report's own calendar parameters (docs/metrics.md has every definition)."""

from __future__ import annotations

from .model import Block, ReportInputs, Table
from .sections import as_of_text


def definitions(inputs: ReportInputs) -> list[list[str]]:
    p, tz = inputs.period, inputs.tz
    return [
        [
            "row accounting",
            "Every input row is used or rejected with one reason (the first that applies: null customer id, "
            "null / unparseable / out-of-range timestamp, infinite amount, null event type, negative duration). "
            "Missing amounts count as 0; negative amounts are refunds and are kept.",
        ],
        [
            "calendar",
            f"Periods are calendar {p}s cut in the local wall time of {tz} (DST-correct); weeks start on Monday. "
            "Timestamps without a zone are UTC.",
        ],
        [
            "as of",
            f"{as_of_text(inputs)} (a date means the end of that day in {tz}). Events after it are ignored. A cell or period that had not fully elapsed "
            "at as_of is incomplete, marked *, and left out of every average.",
        ],
        [
            "cohort",
            f"The {p} of a customer's first event (any event type), whole history: each customer belongs "
            "to exactly one cohort. Every period between the first and last cohort is listed, even when empty.",
        ],
        [
            'retention cell (criterion "on", N-period)',
            f"Distinct customers of the cohort with at least one event in the "
            f"{p} exactly j {p}s after the cohort's {p}, divided by the cohort size. A customer may count at several offsets; "
            "the curve need not decrease.",
        ],
        [
            "offset 0",
            'The cohort size itself (100 %), as PostHog shows it; Amplitude / Mixpanel "day 0" '
            '(returns strictly after the first event) is retention(offset0="return").',
        ],
        [
            "average row",
            "Per offset, the sum of the retained customers over the sum of the cohort sizes, "
            "complete cells only (weighted by cohort size).",
        ],
        [
            "lifecycle",
            "new = first event ever in the period; returning = active in the period and the previous one; "
            "resurrected = active, not in the previous period, active before; dormant = active in the previous period "
            "but not in this one. Quick ratio = (new + resurrected) / dormant.",
        ],
        [
            "active customer",
            "At instant b: at least one event in [b - W, b), W = the activity window; by default one "
            f"calendar {p}, so a customer is active at the end of a {p} when it has an event in it.",
        ],
        [
            "retention rate",
            "(E - N) / S x 100, with S = active at the start of the period, E = active at its end, "
            "N = customers whose first event falls in the period and who are active at its end.",
        ],
        ["churn rate", "Customers active at the start of the period and no longer active at its end, over S, x 100."],
        [
            "net result",
            "Customers active at the end but not at the start of the period (new and reactivated) minus "
            "those active at the start but not at the end.",
        ],
        [
            "revenue / orders per active customer",
            "Net revenue (purchases minus refunds) and purchases of the period over the customers with an event in it.",
        ],
        [
            "NPS",
            "% promoters (scores 9-10) minus % detractors (0-6); passives score 7-8; range -100..100; over "
            "answers to 'recommend'. Scores that are not integers in 0..10 are rejected, never rounded or clipped.",
        ],
        [
            "customer loyalty index",
            "Mean of the net scores (each computed like NPS) of three questions: "
            "recommend, buy again, try new products.",
        ],
        ["repeat-purchase rate", "Customers with at least 2 purchases over customers with at least 1, x 100."],
        [
            "upsell rate",
            "Customers who bought at least 2 distinct products over those who bought exactly 1 "
            "(a ratio); the share form is multi-product buyers over all buyers x 100.",
        ],
        [
            "CLV (simple)",
            "Average purchase value x purchases per buyer over the 365 days before as_of, x the average "
            "lifetime in years = 1 / yearly churn rate (the share of the previous year's buyers who did not buy in the "
            "last one).",
        ],
        [
            "activation rate",
            "Prospects of the customers table with a purchase at or after their creation date, over "
            "all prospects, x 100; time-to-value = days from creation to that first purchase (median, 90th percentile).",
        ],
        [
            "campaign KPIs",
            "A contact is on an active customer when the customer had an event in the 365 days before it. "
            "Net reactivity = contacted active customers who converted / contacted active customers; reactivity = "
            "clicked / opened; unsubscribe rate = unsubscribed / contacts; revenue is attributed last-touch to the latest "
            "contact within 7 days before a purchase; CRM ROI = attributed revenue / cost x 100; commercial pressure = "
            "contacts on active customers per active customer; marginal revenue = revenue per solicited active customer "
            "minus per non-solicited one.",
        ],
        [
            "revenue retention",
            f"From subscriptions (MRR at the first instant of each {p}): revenue churn = (churned + "
            "contraction) / start MRR x 100; GRR = (start - churned - contraction) / start x 100; NRR adds expansion; "
            f"shown for the latest complete {p}.",
        ],
        [
            "RFM",
            "Recency, frequency and net revenue of every buyer at as_of, each scored 1-5 as 1 + floor(5 x share of "
            "buyers with a strictly worse value); segments from r and fm = (f + m + 1) // 2: champions (r 4-5, fm 4-5), "
            "loyal (3-5, 3-5), potential loyalists (3-5, 2 or 3-4, 1), new (5, 1), can't lose (1, 4-5), at risk "
            "(1-2, 3-5), hibernating (2, 1-2), lost (1, 1-2).",
        ],
        [
            "at-risk customers",
            "Not lapsed (an event in the last 3 periods), but the days since their last purchase "
            "exceed 2 x their median gap between purchases (the population median for one-time buyers); ranked by "
            "revenue.",
        ],
        [
            "retention patterns",
            "Per customer, from its active periods: lapsed (no event in the last 3 periods), "
            "one-time (one active period), continuous (every period from the first to the last), else discontinuous.",
        ],
        [
            "churn reasons",
            "Churned customers of the customers table by the reason they gave (six reasons plus other); "
            "controllable share = quality + customer experience + weak activation over all reasons.",
        ],
        ["best customers", "The 10 customers with the highest net revenue at as_of."],
        [
            "loyalty indices",
            "Every index registered through the fidelite plugin hooks (built-in or installed) whose "
            "input tables are available; each states its level and unit.",
        ],
        ["empty bases", "A rate whose base is empty is shown as – (NaN) with its reason, never as 0."],
    ]


def methods(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    return [
        Table(["term", "definition"], definitions(inputs), caption="definitions used in this report", key="definitions")
    ], ["docs/metrics.md in the fidelite repository defines every metric in full."]
