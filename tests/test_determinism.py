"""Same input, same output (docs/metrics.md, "Inputs"): every metric gives the same bits whatever the order of
the input rows, including for a customer's events at the same instant (a log of dates has
many) and whichever kernel path runs (rows of a fresh log, or the grouped layout)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fidelite


@pytest.fixture(scope="module")
def tables():
    shop = fidelite.datasets.demo_shop(1500, seed=7)
    events = dict(shop.events)
    # dates only: most customers have several events at the same instant
    events["timestamp"] = events["timestamp"].astype("datetime64[D]").astype("datetime64[us]")
    return shop, events


def shuffled(table: dict[str, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    order = np.random.default_rng(seed).permutation(len(next(iter(table.values()))))
    return {k: v[order] for k, v in table.items()}


def frame(result) -> pd.DataFrame:
    return result.to_pandas()


QUERIES = {
    "retention": lambda ev, shop: fidelite.retention(ev).to_pandas(),
    "retention by event at the first event": lambda ev, shop: fidelite.retention(ev, segment="event").to_pandas(),
    "retention by channel at the first event": lambda ev, shop: fidelite.retention(ev, segment="channel").to_pandas(),
    "revenue retention matrix": lambda ev, shop: fidelite.retention(ev, measure="revenue").to_pandas(),
    "rolling-window retention": lambda ev, shop: fidelite.retention(ev, window="rolling", period="week").to_pandas(),
    "lifecycle": lambda ev, shop: frame(fidelite.lifecycle(ev)),
    "period_kpis": lambda ev, shop: frame(fidelite.period_kpis(ev)),
    "rolling_active": lambda ev, shop: frame(fidelite.rolling_active(ev)),
    "customer_summary": lambda ev, shop: frame(fidelite.customer_summary(ev)),
    "repeat_rate": lambda ev, shop: frame(fidelite.repeat_rate(ev)),
    "upsell_rate": lambda ev, shop: frame(fidelite.upsell_rate(ev)),
    "clv": lambda ev, shop: frame(fidelite.clv(ev)),
    "rfm": lambda ev, shop: frame(fidelite.rfm(ev)),
    "best_customers": lambda ev, shop: frame(fidelite.best_customers(ev)),
    "at_risk": lambda ev, shop: frame(fidelite.at_risk(ev)),
    "retention_patterns": lambda ev, shop: frame(fidelite.retention_patterns(ev)),
    "engagement": lambda ev, shop: frame(fidelite.engagement(ev)),
    "activation": lambda ev, shop: frame(fidelite.activation(shop.customers, events=ev)),
    "campaigns": lambda ev, shop: frame(fidelite.campaigns(shop.contacts, events=ev)),
}


@pytest.mark.parametrize("name", list(QUERIES))
@pytest.mark.parametrize("grouped", [False, True], ids=["fresh log", "grouped log"])
def test_row_order_does_not_change_a_single_bit(tables, name, grouped):
    shop, events = tables

    def run(table):
        log = fidelite.EventLog(table)
        if grouped:
            log.prepare()
        return QUERIES[name](log, shop)

    want = run(events)
    for seed in (1, 2):
        pd.testing.assert_frame_equal(run(shuffled(events, seed)), want, check_exact=True)


def test_fresh_and_grouped_logs_agree_bit_for_bit(tables):
    """The summary from rows orders same-instant events by amount, as the layout does."""
    _, events = tables
    fresh = fidelite.customer_summary(fidelite.EventLog(events)).to_pandas()
    grouped = fidelite.customer_summary(fidelite.EventLog(events).prepare()).to_pandas()
    pd.testing.assert_frame_equal(fresh, grouped, check_exact=True)


def test_ties_are_ordered_by_amount_then_event_type():
    t = np.array(["2024-01-01"] * 3 + ["2024-02-01"], "datetime64[us]")
    table = {
        "customer_id": [1, 1, 1, 1],
        "timestamp": t,
        "amount": [5.0, 2.0, 5.0, 1.0],
        "event": ["refund", "visit", "purchase", "purchase"],
    }
    log = fidelite.EventLog(table).prepare()
    exported = log.to_pandas()
    assert exported["amount"].tolist() == [2.0, 5.0, 5.0, 1.0]
    assert exported["event"].tolist() == ["visit", "purchase", "refund", "purchase"]
    # the segment "at the first event" is therefore the same for any row order
    first = fidelite.retention(
        fidelite.EventLog(shuffled({k: np.asarray(v) for k, v in table.items()}, 3)), segment="event"
    ).segments
    assert first == ["visit"]
