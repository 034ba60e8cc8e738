"""fidelite.survival (docs/metrics.md, "Survival") against:

- lifelines: its Kaplan-Meier fits, exponential Greenwood intervals, medians with their
  intervals and log-rank tests on 300 seeded random cases, recorded in
  tests/data/survival_lifelines.json by tests/data/make_survival_lifelines.py (lifelines
  needs pandas < 3; the test environment runs pandas 3), replayed here through the public
  API as event logs whose lifetimes are those of the case;
- a plain Python reference written from the definition (lifetimes from events or
  subscriptions with pandas, the estimate one distinct time at a time, the chi-squared
  tail from mpmath), on hypothesis logs and subscriptions tables;
- hand-worked examples.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fidelite
from fidelite.exceptions import EmptyInputError, MissingTableError, ParameterError
from fidelite.metrics.survival import chi2_sf

DAY_US = 86_400_000_000
GOLDEN = Path(__file__).parent / "data" / "survival_lifelines.json"
Z95 = 1.959963984540054
BASE = np.datetime64("2024-01-01T00:00:00", "us")


# ----------------------------------------------------------------------------- references


def event_lifetimes(df: pd.DataFrame, churn_after_days: float, as_of: np.datetime64 | None = None) -> pd.DataFrame:
    """Per customer (by definition): first and last event at or before as_of; churned when
    the last is at or before as_of - churn_after; duration in days."""
    ts = df["timestamp"].astype("datetime64[us]")
    cut = ts.max() if as_of is None else pd.Timestamp(as_of)
    seen = df[ts <= cut]
    g = seen.groupby("customer_id")["timestamp"].agg(["min", "max"])
    churned = g["max"] <= cut - pd.Timedelta(days=churn_after_days)
    end = g["max"].where(churned, cut)
    return pd.DataFrame(
        {"duration": (end - g["min"]) / pd.Timedelta(days=1), "churned": churned, "first": g["min"]},
        index=g.index,
    )


def subscription_lifetimes(subs: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per customer: the first unbroken spell of its subscriptions known at as_of, one
    row at a time."""
    out = {}
    for c, rows in subs[subs["start"] <= as_of].groupby("customer_id"):
        rows = rows.sort_values("start")
        begin = rows["start"].iloc[0]
        reach = None  # the end of the spell so far; NaT while running
        for start, end in zip(rows["start"], rows["end"]):
            end = pd.NaT if pd.isna(end) or end > as_of else end
            if reach is None:
                reach = end
                continue
            if not pd.isna(reach) and start > reach:
                break  # a gap: the first spell ended at reach
            reach = pd.NaT if pd.isna(end) or pd.isna(reach) else max(reach, end)
        churned = not pd.isna(reach)
        out[c] = ((reach if churned else as_of) - begin) / pd.Timedelta(days=1), churned
    return pd.DataFrame.from_dict(out, orient="index", columns=["duration", "churned"])


def ref_km(durations: np.ndarray, churned: np.ndarray, z: float = Z95) -> dict:
    """Kaplan-Meier by definition, one distinct time at a time: survival, the exponential
    Greenwood interval (as lifelines computes it: 1 where S = 1), median and its interval."""
    out: dict = {k: [] for k in ("time", "at_risk", "churned", "censored", "survival", "lower", "upper")}
    s, v = 1.0, 0.0
    for t in sorted(set(durations.tolist())):
        n = int((durations >= t).sum())
        d = int(((durations == t) & churned).sum())
        c = int(((durations == t) & ~churned).sum())
        s *= 1 - d / n
        if n > d:
            v += d / (n * (n - d))
        if s == 1.0:
            lo = hi = 1.0
        elif s == 0.0:
            lo = hi = 0.0
        else:
            log_s = math.log(s)
            lo = math.exp(-math.exp(math.log(-log_s) - z * math.sqrt(v) / log_s))
            hi = math.exp(-math.exp(math.log(-log_s) + z * math.sqrt(v) / log_s))
        for k, x in zip(out, (t, n, d, c, s, lo, hi)):
            out[k].append(x)

    def first_below(curve: list[float]) -> float:
        return next((t for t, y in zip(out["time"], curve) if y <= 0.5 + 1e-10), math.inf)

    out["median"] = (first_below(out["survival"]), first_below(out["lower"]), first_below(out["upper"]))
    return out


def ref_log_rank(durations: np.ndarray, churned: np.ndarray, groups: np.ndarray) -> tuple[float, int, float]:
    """(statistic, df, p-value) of the log-rank test by its textbook sums; p from mpmath."""
    labels = sorted(set(groups.tolist()), key=str)
    k = len(labels)
    o_e = np.zeros(k)
    v = np.zeros((k, k))
    for t in sorted(set(durations[churned].tolist())):
        at_risk = durations >= t
        n = at_risk.sum()
        d = ((durations == t) & churned).sum()
        n_j = np.array([(at_risk & (groups == g)).sum() for g in labels], float)
        d_j = np.array([((durations == t) & churned & (groups == g)).sum() for g in labels], float)
        o_e += d_j - d * n_j / n
        if n > 1:
            f = d * (n - d) / (n - 1)
            v += f * (np.diag(n_j / n) - np.outer(n_j, n_j) / n**2)
    stat = float(o_e[:-1] @ np.linalg.pinv(v[:-1, :-1]) @ o_e[:-1])
    p = float(mpmath.gammainc((k - 1) / 2, stat / 2, mpmath.inf, regularized=True)) if stat > 0 else 1.0
    return stat, k - 1, p


def check_curve(curve: dict, ref: dict) -> None:
    np.testing.assert_array_equal(curve["time"], ref["time"])
    for k in ("at_risk", "churned", "censored"):
        np.testing.assert_array_equal(curve[k], ref[k], err_msg=k)
    for k in ("survival", "lower", "upper"):
        np.testing.assert_allclose(curve[k], ref[k], rtol=1e-9, atol=1e-12, err_msg=k)


def same(a: float, b: float | None) -> bool:
    b = math.inf if b is None else b
    return (math.isinf(a) and math.isinf(b)) or a == pytest.approx(b, rel=1e-12)


# ----------------------------------------------------------------------------- hand-worked


def three_customers() -> dict:
    t = ["2024-01-01", "2024-01-11", "2024-01-01", "2024-03-01", "2024-02-01", "2024-06-20"]
    return {"customer_id": [1, 1, 2, 2, 3, 3], "timestamp": t}


def test_hand_worked_example():
    # as_of = 2024-06-20 (the last event); churned iff the last event <= as_of - 30 days:
    # customer 1 churned after 10 days, customer 2 after 60 (Jan 1 to Mar 1, 2024),
    # customer 3 is censored at as_of - Feb 1 = 140 days.
    s = fidelite.survival(three_customers(), churn_after=30)
    assert s["time"].tolist() == [10.0, 60.0, 140.0]
    assert s["at_risk"].tolist() == [3, 2, 1]
    assert s["churned"].tolist() == [1, 1, 0]
    assert s["censored"].tolist() == [0, 0, 1]
    assert s["survival"].tolist() == pytest.approx([2 / 3, 1 / 3, 1 / 3], abs=1e-15)
    # Greenwood sums: 1 / (3 x 2) at 10 days, + 1 / (2 x 1) at 60 days
    z = 1.959963984540054
    for i, (s_t, v) in enumerate([(2 / 3, 1 / 6), (1 / 3, 2 / 3)]):
        lo = math.exp(-math.exp(math.log(-math.log(s_t)) + z * math.sqrt(v) / -math.log(s_t)))
        hi = math.exp(-math.exp(math.log(-math.log(s_t)) - z * math.sqrt(v) / -math.log(s_t)))
        assert s["lower"][i] == pytest.approx(lo, rel=1e-12)
        assert s["upper"][i] == pytest.approx(hi, rel=1e-12)
    assert s.value == 60.0  # the first duration where S <= 0.5
    assert s.lifetimes["duration"].tolist() == [10.0, 60.0, 140.0]
    assert s.lifetimes["churned"].tolist() == [True, True, False]
    assert s.logrank is None
    # nobody silent for 200 days before as_of: everyone censored, the median beyond the data
    none = fidelite.survival(three_customers(), churn_after=200)
    assert none["churned"].sum() == 0 and math.isinf(none.value) and none.reason
    assert (none["survival"] == 1).all() and (none["lower"] == 1).all()


def test_hand_worked_example_matches_reference():
    s = fidelite.survival(three_customers(), churn_after=30)
    ref = ref_km(np.array([10.0, 60.0, 140.0]), np.array([True, True, False]))
    check_curve(s.to_dict(), ref)
    assert [float(s.median[k][0]) for k in ("median", "median_lower", "median_upper")] == list(ref["median"])


def test_units_and_at_risk_table():
    s = fidelite.survival(three_customers(), churn_after=30, unit="week", at=[0, 2, 9, 20, 30])
    assert s["time"].tolist() == pytest.approx([10 / 7, 60 / 7, 20.0])
    ar = s.at_risk
    assert ar["time"].tolist() == [0, 2, 9, 20, 30]
    assert ar["at_risk"].tolist() == [3, 2, 1, 1, 0]
    assert ar["churned"].tolist() == [0, 1, 2, 2, 2]
    assert ar["censored"].tolist() == [0, 0, 0, 0, 1]
    assert (ar["at_risk"] + ar["churned"] + ar["censored"] == 3).all()
    hours = fidelite.survival(three_customers(), churn_after="30D", unit="hour")
    assert hours["time"].tolist() == [240.0, 1440.0, 3360.0]


def test_active_event_and_as_of():
    df = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-05-01", "2024-01-15", "2024-04-01"]),
            "event": ["purchase", "purchase", "visit", "visit", "purchase"],
        }
    )
    s = fidelite.survival(df, churn_after=60, active_event="purchase", as_of="2024-04-30")
    # as_of = end of Apr 30; purchases: 1 on Jan 1 and Feb 1 (churned: silent since), 2 on Apr 1 only
    got = s.lifetimes.to_pandas().set_index("customer_id")
    assert got.loc[1, "churned"] and got.loc[1, "duration"] == 31.0
    assert not got.loc[2, "churned"]
    assert got.loc[2, "duration"] == pytest.approx(30 - 1e-6 / 86_400)  # to the last µs of Apr 30


def test_segments_and_log_rank_on_a_fixed_log():
    # two segments by a customers-table attribute
    rng = np.random.default_rng(3)
    n = 60
    first = rng.integers(0, 200, n)
    life = rng.integers(0, 300, n)
    df = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(n), 2),
            "timestamp": BASE + (np.stack([first, first + life], 1).ravel() * DAY_US).astype("timedelta64[us]"),
        }
    )
    tiers = pd.DataFrame({"customer_id": np.arange(n), "tier": np.where(np.arange(n) % 3 == 0, "gold", "silver")})
    s = fidelite.survival(df, churn_after=45, segment="tier", customers=tiers)
    ref = event_lifetimes(df, 45)
    group = tiers.set_index("customer_id").loc[ref.index, "tier"].to_numpy()
    dur, churned = ref["duration"].to_numpy(), ref["churned"].to_numpy()
    stat, df_, p = ref_log_rank(dur, churned, group)
    assert float(s.logrank["statistic"][0]) == pytest.approx(stat, rel=1e-9)
    assert float(s.logrank["p_value"][0]) == pytest.approx(p, rel=1e-9)
    assert int(s.logrank["df"][0]) == df_ == 1
    assert s.segments == ["gold", "silver"]
    for tier in ("gold", "silver"):
        check_curve(s.curve(tier), ref_km(dur[group == tier], churned[group == tier]))
    assert s.median["segment"].tolist() == ["(all)", "gold", "silver"]
    assert s.median["customers"].tolist() == [n, 20, 40]
    overall = ref_km(dur, churned)
    assert same(s.value, overall["median"][0])


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 8, 13])
def test_chi2_survival_function_matches_mpmath(df):
    for x in [0.0, 1e-9, 0.01, 0.5, 1.0, 3.84, 7.5, 20.0, 90.0, 400.0, 1500.0]:
        want = float(mpmath.gammainc(df / 2, x / 2, mpmath.inf, regularized=True)) if x > 0 else 1.0
        assert chi2_sf(x, df) == pytest.approx(want, rel=1e-11, abs=1e-300), (x, df)


# ----------------------------------------------------------------------------- lifelines


def golden_log(case: dict) -> tuple[pd.DataFrame, pd.DataFrame, np.datetime64]:
    """An event log whose lifetimes (churn_after = 30 days, as_of = day 1000) are the
    case's: a churned customer has events at day 0 and at its duration; a censored one
    starts its duration before as_of and, when that is 30 days or more, has an event at
    as_of too (so that it is active in the window)."""
    as_of = BASE + np.timedelta64(1000 * DAY_US, "us")
    w = 30 * DAY_US
    ids, ts = [], []
    for i, (h, churned) in enumerate(zip(case["hours"], case["churned"])):
        d = np.timedelta64(h * 3_600_000_000, "us")
        if churned:
            ids += [i, i]
            ts += [BASE, BASE + d]
        else:
            ids.append(i)
            ts.append(as_of - d)
            if h * 3_600_000_000 >= w:
                ids.append(i)
                ts.append(as_of)
    events = pd.DataFrame({"customer_id": ids, "timestamp": np.array(ts, dtype="datetime64[us]")})
    groups = pd.DataFrame({"customer_id": np.arange(len(case["hours"])), "group": case["group"]})
    return events, groups, as_of


def test_golden_file_is_lifelines_on_many_cases():
    doc = json.loads(GOLDEN.read_text())
    assert doc["lifelines"].startswith("0.30") and len(doc["cases"]) == 300
    assert sum("logrank" in c for c in doc["cases"]) > 100
    assert sum(not any(c["churned"]) for c in doc["cases"]) > 10  # everyone censored
    assert sum(c["median"] is None for c in doc["cases"]) > 10


@pytest.mark.parametrize("i", range(300))
def test_agrees_with_lifelines(i):
    case = json.loads(GOLDEN.read_text())["cases"][i]
    events, groups, as_of = golden_log(case)
    segmented = len(set(case["group"])) > 1
    kw = dict(segment="group", customers=groups) if segmented else {}
    s = fidelite.survival(events, churn_after=30, as_of=as_of, **kw)
    got = s.lifetimes.to_pandas().set_index("customer_id").sort_index()
    np.testing.assert_array_equal(got["duration"], np.array(case["hours"]) * 3_600_000_000 / DAY_US)
    np.testing.assert_array_equal(got["churned"], case["churned"])
    # lifelines takes S as exp(sum of logs): an S of exactly 1/2 can come out 0.5000000000000001
    # there, and its median the next time; where no value is that close to 1/2 the two agree
    for key, curve in (("median", "survival"), ("median_lower", "lower"), ("median_upper", "upper")):
        got = float(s.median[key][0])
        near_half = [t for t, y in zip(case["times"], case[curve]) if abs(y - 0.5) < 1e-10]
        if near_half:
            assert got == near_half[0], (key, got, near_half)
        else:
            assert same(got, case[key]), (key, got, case[key])
    curve = fidelite.survival(events, churn_after=30, as_of=as_of) if segmented else s
    np.testing.assert_array_equal(curve["time"], case["times"])
    for k in ("survival", "lower", "upper"):
        np.testing.assert_allclose(curve[k], case[k], rtol=1e-9, atol=1e-12, err_msg=k)
    if "logrank" in case:
        assert float(s.logrank["statistic"][0]) == pytest.approx(case["logrank"]["statistic"], rel=1e-9, abs=1e-12)
        assert float(s.logrank["p_value"][0]) == pytest.approx(case["logrank"]["p_value"], rel=1e-9, abs=1e-15)


# ----------------------------------------------------------------------------- subscriptions


def test_subscriptions_by_hand():
    subs = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3, 3, 4],
            "start": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-01-10", "2024-01-01", "2024-03-01", "2024-05-01"]
            ),
            # 1: a plan change on Feb 1 (touching rows: one spell) ending Apr 1
            # 2: running; 3: ends Jan 31, comes back in March (only the first spell counts)
            "end": pd.to_datetime(["2024-02-01", "2024-04-01", None, "2024-01-31", None, "2024-05-11"]),
        }
    )
    s = fidelite.survival(subscriptions=subs, as_of="2024-05-31")
    got = s.lifetimes.to_pandas().set_index("customer_id")
    assert got.loc[1, "duration"] == 91.0 and got.loc[1, "churned"]
    assert got.loc[3, "duration"] == 30.0 and got.loc[3, "churned"]
    assert got.loc[4, "duration"] == 10.0 and got.loc[4, "churned"]
    assert not got.loc[2, "churned"]
    assert s.meta["source"] == "subscriptions" and s.report.used == 6
    ref = subscription_lifetimes(subs, pd.Timestamp("2024-05-31 23:59:59.999999"))
    np.testing.assert_allclose(got["duration"].to_numpy(), ref.loc[got.index, "duration"].to_numpy(), rtol=1e-12)


def test_errors():
    with pytest.raises(MissingTableError):
        fidelite.survival()
    with pytest.raises(ParameterError, match="unit"):
        fidelite.survival(three_customers(), unit="fortnight")
    with pytest.raises(ParameterError, match="ci"):
        fidelite.survival(three_customers(), ci=95)
    with pytest.raises(ParameterError, match="at must"):
        fidelite.survival(three_customers(), at=[-1, 2])
    with pytest.raises(ParameterError, match="churn_after"):
        fidelite.survival(three_customers(), churn_after=0)
    with pytest.raises(ParameterError, match="segment"):
        fidelite.survival(subscriptions={"customer_id": [1], "start": ["2024-01-01"], "end": [None]}, segment="tier")
    with pytest.raises(EmptyInputError):
        fidelite.survival(three_customers(), as_of="2020-01-01")
    subs = {"customer_id": [1], "start": ["2024-01-01"], "end": [None]}
    with pytest.raises(ParameterError, match="churn_after applies to lifetimes from events"):
        fidelite.survival(subscriptions=subs, churn_after=30)
    assert fidelite.survival(three_customers()).meta["churn_after"] == np.timedelta64(90 * DAY_US, "us")


def test_result_surfaces():
    s = fidelite.survival(three_customers(), churn_after=30)
    assert "median lifetime 60" in repr(s) and "fidelite-survival" in s._repr_html_()
    assert list(s.to_pandas().columns) == ["time", "at_risk", "churned", "censored", "survival", "lower", "upper"]
    assert s.to_polars().height == 3
    import pyarrow as pa

    assert pa.table(s).num_rows == 3


def test_plot_draws_each_segment_with_its_band():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shop = fidelite.datasets.demo_shop(300, seed=2)
    s = fidelite.survival(shop.events, segment="channel", customers=shop.customers)
    ax = s.plot()
    assert len(ax.get_lines()) == len(s.segments) and len(ax.collections) == len(s.segments)
    plt.close("all")


# ----------------------------------------------------------------------------- hypothesis


@st.composite
def event_logs(draw):
    n = draw(st.integers(1, 40))
    ids = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    # whole days or arbitrary µs: ties between lifetimes and exact churn boundaries happen
    days = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    fine = draw(st.booleans())
    jitter = draw(st.lists(st.integers(0, DAY_US - 1), min_size=n, max_size=n)) if fine else [0] * n
    ts = np.array([d * DAY_US + j for d, j in zip(days, jitter)], dtype=np.int64)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": (BASE + ts.astype("timedelta64[us]")),
            "group": [["a", "b", "c"][i % draw(st.integers(1, 3))] for i in ids],
        }
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_logs(), st.sampled_from([1, 30, 45.5, 90, 365]), st.sampled_from([0.8, 0.9, 0.95, 0.99]), st.booleans())
def test_events_match_reference(df, churn_after, ci, shuffle):
    data = df.sample(frac=1, random_state=1) if shuffle else df
    s = fidelite.survival(data, churn_after=churn_after, ci=ci)
    ref = event_lifetimes(df, churn_after)
    got = s.lifetimes.to_pandas().set_index("customer_id")
    np.testing.assert_allclose(got["duration"].to_numpy(), ref.loc[got.index, "duration"].to_numpy(), rtol=1e-12)
    assert got["churned"].tolist() == ref.loc[got.index, "churned"].tolist()
    want = ref_km(ref["duration"].to_numpy(), ref["churned"].to_numpy(), z=float(mpmath.sqrt(2) * mpmath.erfinv(ci)))
    check_curve(s.to_dict(), want)
    got_median = [float(s.median[k][0]) for k in ("median", "median_lower", "median_upper")]
    assert all(same(g, w) for g, w in zip(got_median, want["median"])), (got_median, want["median"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_logs(), st.sampled_from([10, 60, 120]))
def test_log_rank_matches_reference(df, churn_after):
    customers = df.drop_duplicates("customer_id")[["customer_id", "group"]]
    s = fidelite.survival(df, churn_after=churn_after, segment="group", customers=customers)
    ref = event_lifetimes(df, churn_after)
    group = customers.set_index("customer_id").loc[ref.index, "group"].to_numpy()
    dur, churned = ref["duration"].to_numpy(), ref["churned"].to_numpy()
    assert s.segments == sorted(set(group))
    for g in s.segments:
        check_curve(s.curve(g), ref_km(dur[group == g], churned[group == g]))
    if len(s.segments) == 1:
        assert s.logrank is None
        return
    stat, df_, p = ref_log_rank(dur, churned, group)
    assert float(s.logrank["statistic"][0]) == pytest.approx(stat, rel=1e-9, abs=1e-12)
    assert float(s.logrank["p_value"][0]) == pytest.approx(p, rel=1e-9, abs=1e-12)
    assert int(s.logrank["df"][0]) == df_


@st.composite
def subscription_tables(draw):
    n = draw(st.integers(1, 25))
    ids = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    starts = draw(st.lists(st.integers(0, 300), min_size=n, max_size=n))
    lengths = draw(st.lists(st.none() | st.integers(0, 200), min_size=n, max_size=n))
    start = BASE + (np.array(starts) * DAY_US).astype("timedelta64[us]")
    end = [pd.NaT if w is None else pd.Timestamp(s) + pd.Timedelta(days=w) for s, w in zip(start, lengths)]
    return pd.DataFrame({"customer_id": ids, "start": pd.to_datetime(start), "end": pd.to_datetime(end)})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subscription_tables(), st.integers(100, 520))
def test_subscriptions_match_reference(subs, as_of_day):
    as_of = pd.Timestamp(BASE) + pd.Timedelta(days=as_of_day)
    if not (subs["start"] <= as_of).any():
        with pytest.raises(EmptyInputError):
            fidelite.survival(subscriptions=subs, as_of=as_of.to_pydatetime())
        return
    s = fidelite.survival(subscriptions=subs, as_of=as_of.to_pydatetime())
    ref = subscription_lifetimes(subs, as_of)
    got = s.lifetimes.to_pandas().set_index("customer_id")
    assert sorted(got.index) == sorted(ref.index)
    np.testing.assert_allclose(got["duration"].to_numpy(), ref.loc[got.index, "duration"].to_numpy(), rtol=1e-12)
    assert got["churned"].tolist() == ref.loc[got.index, "churned"].tolist()
    check_curve(s.to_dict(), ref_km(ref["duration"].to_numpy(float), ref["churned"].to_numpy(bool)))


def test_several_attributes_and_bins_segment_as_on_every_metric():
    """segment= lists and bins= (the segments mechanism): the same segments as
    query.segments.resolve gives, and each segment's curve is the survival of its
    customers alone."""
    from fidelite.query import segments

    shop = fidelite.datasets.demo_shop(800, seed=5, frame="pandas")
    events, customers = shop.events, shop.customers
    one = fidelite.survival(events, customers=customers, segment="country", as_of="2025-06-30")
    listed = fidelite.survival(events, customers=customers, segment=["country"], as_of="2025-06-30")
    pd.testing.assert_frame_equal(one.to_pandas(), listed.to_pandas())
    binned = fidelite.survival(events, bins={"amount": [50.0]}, as_of="2025-06-30")
    log = fidelite.EventLog(events)
    s = segments.resolve(None, {"amount": [50.0]}, log=log)
    lifetimes = (
        binned.lifetimes.to_pandas() if hasattr(binned.lifetimes, "to_pandas") else pd.DataFrame(binned.lifetimes)
    )
    assert sorted(set(lifetimes["segment"])) == sorted(k for k, n in zip(s.keys, s.counts) if n)
    for key in set(lifetimes["segment"]):
        ids = set(lifetimes.loc[lifetimes["segment"] == key, "customer_id"])
        alone = fidelite.survival(events[events["customer_id"].isin(ids)], as_of="2025-06-30")
        got = binned.to_pandas().query("segment == @key")
        np.testing.assert_allclose(got["survival"].to_numpy(), alone.to_pandas()["survival"].to_numpy(), rtol=1e-12)
    several = fidelite.survival(
        events, customers=customers, segment=["country", "acquisition_channel"], as_of="2025-06-30"
    )
    assert several.logrank is not None and isinstance(several.segments[0], tuple)
    several.plot()
