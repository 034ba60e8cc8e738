"""The seeds' own denominators as options (issue 17, item 5), against plain pandas:
churn over all customers, the repeat rate over all customers, the unsubscribe rate over
contacted active customers, CRM ROI with fixed costs, reactivity per period, and the
marginal revenue set against the CRM spend per solicited customer."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fidelite
from fidelite.exceptions import ParameterError

T0 = pd.Timestamp("2024-01-01")


@st.composite
def events(draw, max_customers: int = 10, max_events: int = 40):
    n_cust = draw(st.integers(1, max_customers))
    n = draw(st.integers(1, max_events))
    kinds = draw(st.lists(st.sampled_from(["purchase", "visit"]), min_size=n - 1, max_size=n - 1))
    return pd.DataFrame(
        {
            "customer_id": draw(st.lists(st.integers(0, n_cust - 1), min_size=n, max_size=n)),
            "timestamp": [
                T0 + pd.Timedelta(hours=h) for h in draw(st.lists(st.integers(0, 300 * 24), min_size=n, max_size=n))
            ],
            "event": ["purchase", *kinds],  # purchase metrics need a purchase in the log
            "amount": draw(st.lists(st.sampled_from([0.0, 10.0, 30.0]), min_size=n, max_size=n)),
        }
    )


def rate(num: float, den: float) -> float:
    return num / den * 100 if den else math.nan


# ----------------------------------------------------------------------------- churn


def ref_churn_over_all(ev: pd.DataFrame) -> tuple[list[float], list[int]]:
    """Monthly churn = lost actives / customers acquired before the month (plain pandas)."""
    month = ev["timestamp"].dt.to_period("M")
    months = pd.period_range(month.min(), month.max(), freq="M")
    first = ev.groupby("customer_id")["timestamp"].min()
    rates, bases = [], []
    for p in months:
        start = set(ev.loc[month == p - 1, "customer_id"])
        end = set(ev.loc[month == p, "customer_id"])
        base = int((first < p.start_time).sum())
        rates.append(rate(len(start - end), base))
        bases.append(base)
    return rates, bases


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ev=events())
def test_churn_over_all_customers_matches_pandas(ev):
    k = fidelite.period_kpis(ev, denominator="all")
    rates, bases = ref_churn_over_all(ev)
    assert k["customers_start"].tolist() == bases
    np.testing.assert_allclose(k["churn_rate"], rates, equal_nan=True)
    # the default stays the active base
    d = fidelite.period_kpis(ev)
    assert "customers_start" not in d.columns
    np.testing.assert_allclose(
        d["churn_rate"], [rate(lost, s) for lost, s in zip(d["lost"], d["active_start"])], equal_nan=True
    )


def test_churn_over_all_worked_example():
    # 100 customers acquired, 40 active in January, 10 of them lost in February: 10 % of the
    # active base, 10 % of... 10 / 100 = 10 % over all? no: 10 / 100 customers = 10 %
    ids = np.arange(100)
    jan = ids[:40]
    ev = pd.DataFrame(
        {
            "customer_id": np.concatenate([ids, jan, jan[10:]]),
            "timestamp": np.concatenate(
                [
                    np.full(100, np.datetime64("2023-12-05")),
                    np.full(40, np.datetime64("2024-01-10")),
                    np.full(30, np.datetime64("2024-02-10")),
                ]
            ),
        }
    )
    active = fidelite.period_kpis(ev)
    every = fidelite.period_kpis(ev, denominator="all")
    feb = 2
    assert active["churn_rate"][feb] == pytest.approx(25.0)  # 10 lost / 40 active
    assert every["churn_rate"][feb] == pytest.approx(10.0)  # 10 lost / 100 customers
    assert every["customers_start"][feb] == 100


# ----------------------------------------------------------------------------- repeat rate


@settings(max_examples=80, deadline=None)
@given(ev=events())
def test_repeat_rate_over_all_customers_matches_pandas(ev):
    r = fidelite.repeat_rate(ev, denominator="all")
    purchases = ev[ev["event"] == "purchase"].groupby("customer_id").size()
    repeaters = int((purchases >= 2).sum())
    customers = ev["customer_id"].nunique()
    assert r.parts["customers"] == customers and r.parts["repeaters"] == repeaters
    assert r.value == pytest.approx(rate(repeaters, customers), nan_ok=True)
    assert fidelite.repeat_rate(ev).value == pytest.approx(rate(repeaters, len(purchases)), nan_ok=True)


def test_repeat_rate_denominator_errors():
    ev = pd.DataFrame({"customer_id": [1], "timestamp": [T0]})
    with pytest.raises(ParameterError, match="denominator"):
        fidelite.repeat_rate(ev, denominator="everyone")
    with pytest.raises(ParameterError, match="cohort"):
        fidelite.repeat_rate(ev, denominator="all", cohort="2024-01")


# ----------------------------------------------------------------------------- campaigns


@st.composite
def crm(draw):
    ev = draw(events(max_customers=8, max_events=25))
    n = draw(st.integers(1, 25))
    flags = {
        f: draw(st.lists(st.booleans(), min_size=n, max_size=n))
        for f in ("opened", "clicked", "unsubscribed", "converted")
    }
    contacts = pd.DataFrame(
        {
            "customer_id": draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)),
            "timestamp": [
                T0 + pd.Timedelta(hours=h) + pd.Timedelta(minutes=30)
                for h in draw(st.lists(st.integers(0, 300 * 24), min_size=n, max_size=n))
            ],
            "channel": draw(st.lists(st.sampled_from(["email", "sms"]), min_size=n, max_size=n)),
            "campaign": draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n)),
            **flags,
            "cost": draw(st.lists(st.sampled_from([0.0, 0.5, 2.0]), min_size=n, max_size=n)),
        }
    )
    return ev, contacts


def ref_active(ev: pd.DataFrame, contacts: pd.DataFrame) -> pd.Series:
    """Whether each contact is on an active customer: an event in (t - 365 days, t]."""
    window = pd.Timedelta(days=365)
    out = []
    for c, t in zip(contacts["customer_id"], contacts["timestamp"]):
        e = ev.loc[ev["customer_id"] == c, "timestamp"]
        out.append(bool(((e > t - window) & (e <= t)).any()))
    return pd.Series(out, index=contacts.index)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=crm(), fixed=st.sampled_from([0.0, 10.0, 123.5]))
def test_campaign_denominators_match_pandas(data, fixed):
    ev, contacts = data
    end = max(ev["timestamp"].max(), contacts["timestamp"].max())
    r = fidelite.campaigns(contacts, events=ev, denominator="active", fixed_costs=fixed)
    base = fidelite.campaigns(contacts, events=ev)
    active = ref_active(ev, contacts)
    act = contacts[active]
    reached = act["customer_id"].nunique()
    unsub = act.loc[act["unsubscribed"], "customer_id"].nunique()
    all_row = 0
    assert r["unsubscribed_active"][all_row] == unsub
    assert r["unsubscribe_rate"][all_row] == pytest.approx(rate(unsub, reached), nan_ok=True)
    assert base["unsubscribe_rate"][all_row] == pytest.approx(rate(contacts["unsubscribed"].sum(), len(contacts)))
    # per channel, the same over that channel's contacts
    for i in np.flatnonzero(r["level"] == "channel"):
        ch = act[act["channel"] == r["group"][i]]
        assert r["unsubscribe_rate"][i] == pytest.approx(
            rate(ch.loc[ch["unsubscribed"], "customer_id"].nunique(), ch["customer_id"].nunique()), nan_ok=True
        )
    # fixed costs: shared by contacts within each level, ROI over variable + fixed
    share = contacts.groupby("channel").size() * (fixed / len(contacts))
    for i in np.flatnonzero(r["level"] == "channel"):
        assert r["fixed_cost"][i] == pytest.approx(share[r["group"][i]])
    assert r["fixed_cost"][all_row] == pytest.approx(fixed)
    total = contacts["cost"].sum() + fixed
    assert r["roi"][all_row] == pytest.approx(rate(base["attributed_revenue"][all_row], total), nan_ok=True)
    # reactivity per month of the contacts
    month = contacts["timestamp"].dt.to_period("M")
    months = pd.period_range(month.min(), pd.Timestamp(end).to_period("M"), freq="M")
    opened = [int((contacts["opened"] | contacts["clicked"])[month == p].sum()) for p in months]
    clicked = [int(contacts["clicked"][month == p].sum()) for p in months]
    assert r.reactivity["opened"].tolist() == opened and r.reactivity["clicked"].tolist() == clicked
    np.testing.assert_allclose(
        r.reactivity["reactivity"], [rate(c, o) for c, o in zip(clicked, opened)], equal_nan=True
    )
    net = []
    for p in months:
        a = act[month[active] == p]
        net.append(rate(a.loc[a["converted"], "customer_id"].nunique(), a["customer_id"].nunique()))
    np.testing.assert_allclose(r.reactivity["net_reactivity"], net, equal_nan=True)


def test_marginal_revenue_against_spend_worked_example():
    # March: customers 1 and 2 active; 1 is solicited (cost 4), spends 50; 2 spends 10.
    ev = pd.DataFrame(
        {
            "customer_id": [1, 2, 1, 2],
            "timestamp": pd.to_datetime(["2024-02-01", "2024-02-01", "2024-03-10", "2024-03-12"]),
            "event": ["purchase"] * 4,
            "amount": [1.0, 1.0, 50.0, 10.0],
        }
    )
    contacts = pd.DataFrame(
        {"customer_id": [1], "timestamp": pd.to_datetime(["2024-03-05"]), "channel": ["email"], "cost": [4.0]}
    )
    r = fidelite.campaigns(contacts, events=ev)
    sol = r.solicitation
    assert sol["marginal_revenue"][0] == pytest.approx(40.0)  # 50 per solicited - 10 per not
    assert sol["spend_per_solicited"][0] == pytest.approx(4.0)
    assert sol["marginal_roi"][0] == pytest.approx(1000.0)  # 40 / 4 x 100
    assert r.kpis["marginal_roi"] == pytest.approx(1000.0)


@pytest.mark.parametrize("bad", [-1, math.inf, "100", True])
def test_fixed_costs_must_be_an_amount(bad):
    contacts = pd.DataFrame({"customer_id": [1], "timestamp": [T0], "cost": [1.0]})
    with pytest.raises(ParameterError, match="fixed_costs"):
        fidelite.campaigns(contacts, fixed_costs=bad)


def test_unknown_denominators_are_errors():
    ev = pd.DataFrame({"customer_id": [1], "timestamp": [T0]})
    with pytest.raises(ParameterError, match="denominator"):
        fidelite.period_kpis(ev, denominator="buyers")
    with pytest.raises(ParameterError, match="denominator"):
        fidelite.campaigns(pd.DataFrame({"customer_id": [1], "timestamp": [T0]}), denominator="buyers")
