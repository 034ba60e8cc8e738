"""``segment=`` / ``bins=`` on every metric (fidelite.query.segments, SegmentedResult).

The reference is plain pandas: each customer's segment is computed here from the tables
(last customers-table row, first event's label, ``pd.cut`` for the bins), the events and
side tables are split with pandas, and the public metric is called on each part with the
whole data's ``as_of``. The segmented result must equal that, segment by segment.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fidelite
from fidelite.exceptions import ParameterError

matplotlib.use("Agg")

MISSING = "(missing)"
T0 = pd.Timestamp("2024-01-01")
COUNTRIES = ["DE", "FR", "IT", None]
CHANNELS = ["app", "web", "shop"]


# ----------------------------------------------------------------------------- data


@st.composite
def shop(draw, max_customers: int = 12, max_events: int = 40):
    """(events, customers): events with distinct instants (no same-instant ties), a
    customers table covering some of the log's customers plus some without an event."""
    n_cust = draw(st.integers(2, max_customers))
    n_ev = draw(st.integers(n_cust, max_events))
    minutes = draw(st.lists(st.integers(0, 400 * 24 * 60), min_size=n_ev, max_size=n_ev, unique=True))
    ids = (
        [i % n_cust for i in range(n_ev)]
        if draw(st.booleans())
        else draw(st.lists(st.integers(0, n_cust - 1), min_size=n_ev, max_size=n_ev))
    )
    events = pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": [T0 + pd.Timedelta(minutes=m) for m in minutes],
            "event": draw(st.lists(st.sampled_from(["purchase", "visit"]), min_size=n_ev, max_size=n_ev)),
            "amount": draw(st.lists(st.sampled_from([5.0, 10.0, 25.0, 40.0]), min_size=n_ev, max_size=n_ev)),
            "channel": draw(st.lists(st.sampled_from(CHANNELS), min_size=n_ev, max_size=n_ev)),
            "product": draw(st.lists(st.sampled_from(["p1", "p2", "p3"]), min_size=n_ev, max_size=n_ev)),
            "duration": draw(st.lists(st.sampled_from([0.0, 30.0, 300.0]), min_size=n_ev, max_size=n_ev)),
        }
    )
    in_table = draw(st.lists(st.integers(0, n_cust + 3), min_size=1, max_size=n_cust + 4, unique=True))
    customers = pd.DataFrame(
        {
            "customer_id": in_table,
            "country": draw(st.lists(st.sampled_from(COUNTRIES), min_size=len(in_table), max_size=len(in_table))),
            "age": draw(
                st.lists(st.one_of(st.none(), st.integers(10, 70)), min_size=len(in_table), max_size=len(in_table))
            ),
        }
    )
    return events, customers


# ----------------------------------------------------------------------------- the reference


def ref_bins(values: pd.Series, spec) -> pd.Series:
    """Plain pandas binning: left-closed intervals, an explicit bin below and above the
    edges, quantile edges over the present values (the last bin closed)."""
    x = pd.to_numeric(values, errors="raise").astype(float)
    fmt = "{:g}".format
    if isinstance(spec, int):
        present = x.dropna()
        edges = sorted(set(np.quantile(present, np.linspace(0, 1, spec + 1)).tolist())) if len(present) else []
        if len(edges) == 1:
            labels = [f"[{fmt(edges[0])}, {fmt(edges[0])}]"]
            cut = pd.Series(np.where(x.isna(), None, labels[0]), index=x.index, dtype=object)
        elif edges:
            labels = [f"[{fmt(a)}, {fmt(b)})" for a, b in zip(edges[:-2], edges[1:-1])]
            labels.append(f"[{fmt(edges[-2])}, {fmt(edges[-1])}]")
            cut = pd.cut(x, [-np.inf, *edges[1:-1], np.inf], right=False, labels=labels).astype(object)
        else:
            cut = pd.Series(None, index=x.index, dtype=object)
    else:
        labels = [f"<{fmt(spec[0])}", *[f"[{fmt(a)}, {fmt(b)})" for a, b in zip(spec, spec[1:])], f">={fmt(spec[-1])}"]
        cut = pd.cut(x, [-np.inf, *spec, np.inf], right=False, labels=labels).astype(object)
    return cut.where(x.notna(), MISSING)


def ref_segment_of(events: pd.DataFrame, customers: pd.DataFrame | None, segment, bins=None) -> pd.Series:
    """The segment key of every customer (log's and table's), by plain pandas."""
    attrs = ([segment] if isinstance(segment, str) else list(segment or [])) + [
        b for b in (bins or {}) if b not in ([segment] if isinstance(segment, str) else list(segment or []))
    ]
    ids = pd.Index(events["customer_id"].unique())
    if customers is not None:
        ids = ids.union(pd.Index(customers["customer_id"].unique()))
    first = events.sort_values("timestamp").drop_duplicates("customer_id", keep="first").set_index("customer_id")
    cols = {}
    for a in attrs:
        if customers is not None and a in customers.columns:
            v = customers.drop_duplicates("customer_id", keep="last").set_index("customer_id")[a].reindex(ids)
        else:
            v = first[a].reindex(ids)
        v = v.astype(object).where(v.notna(), None)
        if a in (bins or {}):
            v = ref_bins(v, bins[a])
        else:
            v = v.where(v.notna(), MISSING)
        cols[a] = v
    frame = pd.DataFrame(cols, index=ids)
    keys = frame[attrs[0]] if len(attrs) == 1 else pd.Series(list(frame.itertuples(index=False, name=None)), index=ids)
    return keys


def columns_equal(a: dict, b: dict, what: str) -> None:
    assert list(a) == list(b), what
    for name in a:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        assert x.shape == y.shape, f"{what}: {name}"
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            np.testing.assert_allclose(
                x.astype(float), y.astype(float), rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=f"{what}: {name}"
            )
        else:
            assert x.tolist() == y.tolist(), f"{what}: {name}"


def as_of(events: pd.DataFrame) -> np.datetime64:
    return np.datetime64(events["timestamp"].max().to_datetime64(), "us")


def check_against_parts(metric, events, customers, segment, bins=None, **kwargs):
    """``metric(segment=...)`` == ``metric`` on each segment's events (plain pandas split)."""
    try:
        got = metric(events, segment=segment, bins=bins, customers=customers, **kwargs)
    except (fidelite.exceptions.EmptyInputError, ParameterError) as e:
        # no segment can be computed (e.g. no purchase anywhere): the first segment's error
        # is raised, and the metric on the whole data fails the same way
        with pytest.raises(type(e)):
            metric(events, as_of=as_of(events), **kwargs)
        return None
    keys = ref_segment_of(events, customers, segment, bins)
    ev_key = events["customer_id"].map(keys)
    expected_keys = set(keys.tolist())
    assert set(got.customers) == expected_keys
    assert got.customers == keys.value_counts().to_dict()
    with_events = set(ev_key.tolist())
    assert set(got.segments) | set(got.skipped) == expected_keys
    assert set(got.skipped) >= expected_keys - with_events
    assert all("no event" in got.skipped[k] for k in expected_keys - with_events)
    for key in with_events:
        part = events[[k == key for k in ev_key]]
        try:
            ref = metric(part, as_of=as_of(events), **kwargs)
        except (fidelite.exceptions.EmptyInputError, ParameterError) as e:
            assert got.skipped[key] == str(e)
            continue
        columns_equal(got[key].to_dict(), ref.to_dict(), f"{metric.__name__}[{key!r}]")
    return got


EVENT_METRICS = [
    (fidelite.period_kpis, {}),
    (fidelite.period_kpis, {"activity_window": 30, "period": "quarter"}),
    (fidelite.active_customers, {}),
    (fidelite.rolling_active, {"window": "30D"}),
    (fidelite.lifecycle, {}),
    (fidelite.repeat_rate, {}),
    (fidelite.repeat_rate, {"within": "90D"}),
    (fidelite.upsell_rate, {}),
    (fidelite.clv, {}),
    (fidelite.rfm, {}),
    (fidelite.customer_summary, {}),
    (fidelite.at_risk, {}),
    (fidelite.best_customers, {"n": 3}),
    (fidelite.retention_patterns, {}),
    (fidelite.engagement, {}),
    (fidelite.stickiness, {}),
]


@pytest.mark.parametrize(
    ("metric", "kwargs"), EVENT_METRICS, ids=[f"{m.__name__}-{i}" for i, (m, _) in enumerate(EVENT_METRICS)]
)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=shop(), how=st.sampled_from(["country", "channel", "both", "age_edges", "age_quartiles"]))
def test_each_segment_is_the_metric_on_its_customers_alone(metric, kwargs, data, how):
    events, customers = data
    segment, bins = {
        "country": ("country", None),
        "channel": ("channel", None),
        "both": (["country", "channel"], None),
        "age_edges": (None, {"age": [18, 30, 50]}),
        "age_quartiles": ("country", {"age": 4}),
    }[how]
    check_against_parts(metric, events, customers, segment, bins, **kwargs)


@settings(max_examples=60, deadline=None)
@given(
    data=shop(),
    spec=st.one_of(st.integers(1, 6), st.lists(st.integers(0, 80), min_size=1, max_size=5, unique=True).map(sorted)),
)
def test_binning_matches_pandas_cut(data, spec):
    events, customers = data
    log = fidelite.EventLog(events)
    s = fidelite.query.segments.resolve(None, {"age": spec}, log=log, customers=customers)
    ref = ref_segment_of(events, customers, None, {"age": spec})
    got = pd.Series([s.keys[c] for c in s.codes], index=pd.Index(s.ids.tolist()))
    assert got.sort_index().tolist() == ref.reindex(got.index).sort_index().tolist()
    # every customer is in one bin: nothing dropped, missing ones counted
    assert int(s.counts.sum()) == len(ref)
    assert s.missing["age"] == int((ref == MISSING).sum())


def test_bins_worked_example_and_order():
    events = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "timestamp": pd.date_range("2024-01-01", periods=5)})
    customers = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6], "age": [17, 18, 34.5, 50, None, 90]})
    r = fidelite.repeat_rate(events, customers=customers, bins={"age": [18, 25, 35, 50]})
    assert list(r.customers) == ["<18", "[18, 25)", "[35, 50)" if False else "[25, 35)", ">=50", MISSING]
    assert r.customers == {"<18": 1, "[18, 25)": 1, "[25, 35)": 1, ">=50": 2, MISSING: 1}
    # customer 6 has no event: its segment is counted, computed on nothing, and says why
    assert r.edges == {"age": [18.0, 25.0, 35.0, 50.0]}
    q = fidelite.repeat_rate(events, customers=customers, bins={"age": 2})
    assert list(q.customers) == ["[17, 34.5)", "[34.5, 90]", MISSING]


def test_a_segment_without_events_is_listed_and_skipped():
    events = pd.DataFrame(
        {"customer_id": [1, 1, 2], "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05"])}
    )
    customers = pd.DataFrame({"customer_id": [1, 2, 3], "tier": ["gold", "silver", "bronze"]})
    r = fidelite.period_kpis(events, segment="tier", customers=customers)
    assert r.segments == ["gold", "silver"]
    assert r.customers == {"bronze": 1, "gold": 1, "silver": 1}
    assert "no event" in r.skipped["bronze"]
    ov = r.overview
    assert ov["tier"].tolist() == ["bronze", "gold", "silver"] and ov["customers"].tolist() == [1, 1, 1]
    assert "no event" in ov["note"][0]
    with pytest.raises(KeyError, match="no event"):
        r["bronze"]


def test_missing_values_are_their_own_segment_and_counted():
    events = pd.DataFrame({"customer_id": [1, 2, 3, 4], "timestamp": pd.date_range("2024-01-01", periods=4)})
    customers = pd.DataFrame({"customer_id": [1, 2, 3], "country": ["FR", None, "  "]})
    r = fidelite.repeat_rate(events, segment="country", customers=customers)
    # None, a blank string, and a customer absent from the table: all "(missing)"
    assert r.customers == {"FR": 1, MISSING: 3}
    s = fidelite.query.segments.resolve("country", log=fidelite.EventLog(events), customers=customers)
    assert s.missing == {"country": 3}


def test_several_attributes_give_tuple_keys_and_segment_columns_first():
    shop_ = fidelite.datasets.demo_shop(400, seed=3, frame="pandas")
    r = fidelite.repeat_rate(shop_.events, segment=["segment", "channel"], customers=shop_.customers)
    assert all(isinstance(k, tuple) and len(k) == 2 for k in r.segments)
    df = r.to_pandas()
    assert list(df.columns[:2]) == ["segment", "channel"]
    assert len(df) == len(r.segments)
    first = r.segments[0]
    row = df[(df["segment"] == first[0]) & (df["channel"] == first[1])]
    assert row["value"].iloc[0] == pytest.approx(r[first].value)


def test_exports_and_native_backend():
    polars = pytest.importorskip("polars")
    shop_ = fidelite.datasets.demo_shop(300, seed=1, frame="polars")
    r = fidelite.period_kpis(shop_.events, segment="channel", period="quarter")
    native = r.to_native()
    assert isinstance(native, polars.DataFrame)
    assert native.columns[0] == "channel" and native.height == sum(len(p) for p in r.results.values())
    assert polars.DataFrame(r).shape == native.shape  # __arrow_c_stream__
    assert r.to_polars().shape == native.shape
    assert all(p.native_backend == "polars" for p in r.results.values())


def test_forms_stack_per_segment():
    shop_ = fidelite.datasets.demo_shop(300, seed=2, frame="pandas")
    r = fidelite.retention(shop_.events, segment=["channel"], bins=None, period="quarter")
    wide = r.to_native("wide", backend="pandas")
    assert list(wide.columns[:3]) == ["channel", "cohort", "size"]


def test_comparison_plots():
    shop_ = fidelite.datasets.demo_shop(300, seed=1, frame="pandas")
    ev, cu = shop_.events, shop_.customers
    ax = fidelite.repeat_rate(ev, segment="segment", customers=cu).plot()
    assert len(ax.patches) == 3  # one bar per segment
    ax = fidelite.period_kpis(ev, segment="segment", customers=cu, period="quarter").plot("churn_rate")
    assert len(ax.lines) == 3 and ax.get_ylabel() == "churn_rate"
    ax = fidelite.customer_summary(ev, segment="segment", customers=cu).plot("revenue")
    assert ax.get_xlabel() == "revenue"
    ax = fidelite.retention(ev, segment="segment", customers=cu, period="quarter").plot()
    assert len(ax.lines) == 3
    matplotlib.pyplot.close("all")


def test_retention_segments_natively_with_lists_and_bins():
    shop_ = fidelite.datasets.demo_shop(500, seed=4, frame="pandas")
    ev, cu = shop_.events, shop_.customers
    cu = cu.assign(age=np.arange(len(cu)) % 60 + 18)
    r = fidelite.retention(ev, segment="segment", bins={"age": [30, 50]}, customers=cu, period="quarter")
    assert isinstance(r, fidelite.SegmentedRetention) and isinstance(r, fidelite.SegmentedResult)
    keys = ref_segment_of(ev, cu, "segment", {"age": [30, 50]})
    assert sorted(r.segments) == sorted(set(keys.tolist()))
    whole = as_of(ev)
    for key in r.segments:
        part = ev[ev["customer_id"].map(keys) == key]
        ref = fidelite.retention(part, period="quarter", as_of=whole)
        m = r[key]
        # the segmented matrices share axes: compare the cohorts the part has
        at = [m.cohort_labels.index(c) for c in ref.cohort_labels]
        np.testing.assert_array_equal(m.sizes[at], ref.sizes)
        np.testing.assert_array_equal(m.counts[at][:, : ref.counts.shape[1]], ref.counts)
    assert list(r.to_pandas().columns[:2]) == ["segment", "age"]


# ----------------------------------------------------------------------------- side tables


def _split(table: pd.DataFrame, keys: pd.Series, key) -> pd.DataFrame:
    return table[table["customer_id"].map(keys).fillna(MISSING).map(lambda k: k == key)]


def test_campaigns_segmented_narrows_contacts_and_events():
    shop_ = fidelite.datasets.demo_shop(400, seed=5, frame="pandas")
    ev, cu, contacts = shop_.events, shop_.customers, shop_.contacts
    r = fidelite.campaigns(contacts, events=ev, segment="segment", customers=cu)
    keys = ref_segment_of(ev, cu, "segment")
    end = max(as_of(ev), np.datetime64(pd.Timestamp(contacts["timestamp"].max()).to_datetime64(), "us"))
    for key in r.segments:
        ref = fidelite.campaigns(_split(contacts, keys, key), events=_split(ev, keys, key), as_of=end)
        columns_equal(r[key].to_dict(), ref.to_dict(), f"campaigns[{key}]")


def test_table_metrics_segmented_by_a_customers_table():
    shop_ = fidelite.datasets.demo_shop(400, seed=6, frame="pandas")
    ev, cu = shop_.events, shop_.customers
    rng = np.random.default_rng(0)
    ids = cu["customer_id"].to_numpy()
    surveys = pd.DataFrame(
        {
            "customer_id": np.concatenate([rng.choice(ids, 300), ["nobody"]])
            if ids.dtype == object
            else np.concatenate([rng.choice(ids, 300), [10**9]]),
            "question": "recommend",
            "score": rng.integers(0, 11, 301),
        }
    )
    r = fidelite.nps(surveys, segment="segment", customers=cu)
    keys = ref_segment_of(ev, cu, "segment")
    # the respondent outside the customers table is in "(missing)", counted
    assert MISSING in r.customers
    for key in r.segments:
        ref = fidelite.nps(_split(surveys, keys, key))
        assert r[key].value == pytest.approx(ref.value, nan_ok=True)
    comp = fidelite.completeness(cu, segment="segment")
    for key in comp.segments:
        ref = fidelite.completeness(cu[cu["segment"].fillna(MISSING) == key])
        columns_equal(comp[key].to_dict(), ref.to_dict(), f"completeness[{key}]")
    act = fidelite.activation(cu, events=ev, segment="segment")
    end = max(as_of(ev), np.datetime64(pd.Timestamp(cu["created"].max()).to_datetime64(), "us"))
    for key in act.segments:
        part = cu[cu["segment"].fillna(MISSING) == key]
        ref = fidelite.activation(part, events=_split(ev, keys, key), as_of=end)
        assert act[key].value == pytest.approx(ref.value, nan_ok=True)


def test_an_eventlog_input_and_column_keywords():
    shop_ = fidelite.datasets.demo_shop(300, seed=7, frame="pandas")
    ev = shop_.events.rename(columns={"customer_id": "cid", "timestamp": "when"})
    cu = shop_.customers.rename(columns={"customer_id": "cid"})
    by_frame = fidelite.repeat_rate(ev, customer="cid", time="when", segment="segment", customers=cu)
    log = fidelite.EventLog(ev, customer="cid", time="when")
    # with a log already built, column keywords are an error (as for every metric): the
    # customers table then has the canonical id column
    by_log = fidelite.repeat_rate(log, segment="segment", customers=shop_.customers)
    assert by_frame.segments == by_log.segments
    for k in by_frame.segments:
        assert by_frame[k].value == by_log[k].value


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"segment": "nope"}, "not a column"),
        ({"bins": {"country": 3}}, "numeric"),
        ({"bins": {"age": [30, 20]}}, "strictly increasing"),
        ({"bins": {"age": 0}}, "at least 1"),
        ({"segment": ["country", 3]}, "attribute names"),
        ({"segment": "amount"}, "bin it"),
        ({"bins": ["age"]}, "maps attribute names"),
    ],
)
def test_bad_segment_parameters_say_what_to_do(kwargs, match):
    events = pd.DataFrame(
        {"customer_id": [1, 2], "timestamp": pd.date_range("2024-01-01", periods=2), "amount": [1.0, 2.0]}
    )
    customers = pd.DataFrame({"customer_id": [1, 2], "country": ["FR", "DE"], "age": [20, 40]})
    with pytest.raises(ParameterError, match=match):
        fidelite.repeat_rate(events, customers=customers, **kwargs)


def test_a_numeric_event_column_binned():
    events = pd.DataFrame(
        {"customer_id": [1, 2, 2], "timestamp": pd.date_range("2024-01-01", periods=3), "amount": [5.0, 50.0, 1.0]}
    )
    r = fidelite.customer_summary(events, bins={"amount": [10]})
    assert r.customers == {"<10": 1, ">=10": 1}  # the amount of each customer's first event


def test_signature_shows_segment_and_bins():
    import inspect

    for name in fidelite.metrics.__all__:
        params = inspect.signature(getattr(fidelite, name)).parameters
        assert "segment" in params and "bins" in params and "customers" in params, name


def test_no_segment_is_the_plain_metric():
    events = pd.DataFrame({"customer_id": [1, 1], "timestamp": pd.date_range("2024-01-01", periods=2)})
    assert not isinstance(fidelite.repeat_rate(events), fidelite.SegmentedResult)
    assert math.isclose(fidelite.repeat_rate(events).value, 100.0)


def test_subscriptions_surveys_and_models_segmented():
    shop_ = fidelite.datasets.demo_shop(300, seed=8, frame="pandas")
    ev, cu, subs, surveys = shop_.events, shop_.customers, shop_.subscriptions, shop_.surveys
    keys = ref_segment_of(ev, cu, "segment")
    rr = fidelite.revenue_retention(subs, segment="segment", customers=cu, as_of="2025-12-31")
    for key in rr.segments:
        ref = fidelite.revenue_retention(_split(subs, keys, key), as_of="2025-12-31")
        columns_equal(rr[key].to_dict(), ref.to_dict(), f"revenue_retention[{key}]")
    li = fidelite.loyalty_index(surveys, segment="segment", customers=cu)
    for key in li.segments:
        ref = fidelite.loyalty_index(_split(surveys, keys, key))
        columns_equal(li[key].to_dict(), ref.to_dict(), f"loyalty_index[{key}]")
    cs = fidelite.clv_summary(ev, segment="segment", customers=cu)
    for key in cs.segments:
        ref = fidelite.clv_summary(_split(ev, keys, key), observation_end=as_of(ev))
        columns_equal(cs[key].to_dict(), ref.to_dict(), f"clv_summary[{key}]")


def test_partitioned_input_says_segments_need_the_data_in_memory():
    events = pd.DataFrame({"customer_id": [1, 2], "timestamp": pd.date_range("2024-01-01", periods=2)})
    q = fidelite.query.parse(events, {})
    with pytest.raises(ParameterError, match="in memory"):
        fidelite.repeat_rate(q, segment="event")


# ----------------------------------------------------------------------------- EventLog.subset


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shop(), st.booleans(), st.data())
def test_subset_is_the_log_built_from_those_customers_rows(data, grouped, draw):
    events, _ = data
    events = events.assign(amount=np.where(np.arange(len(events)) % 4 == 0, -1.5, 2.0))
    log = fidelite.EventLog(events)
    if grouped:
        log.prepare()
    ids = log.customer_ids
    mask = np.array(draw.draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids))), bool)
    if not mask.any():
        mask[0] = True
    sub = log.subset(mask)
    assert sub.is_grouped == grouped  # the parent's layout, kept
    want = fidelite.EventLog(events[events.customer_id.isin(ids[mask].tolist())])
    pd.testing.assert_frame_equal(sub.to_pandas(), want.to_pandas())
    assert (sub.n_customers, sub.n_events, sub.t_min, sub.t_max) == (
        want.n_customers,
        want.n_events,
        want.t_min,
        want.t_max,
    )
    for role in ("event", "channel"):
        if log.has(role):
            assert sub.labels(role) == want.labels(role)
    assert (sub.report.used, sub.report.notes) == (want.report.used, want.report.notes)
    a, b = fidelite.period_kpis(sub, period="week"), fidelite.period_kpis(want, period="week")
    assert a.to_pandas().equals(b.to_pandas())


def test_subset_checks_its_mask():
    log = fidelite.EventLog({"customer_id": [1, 2], "timestamp": ["2024-01-01", "2024-01-02"]})
    with pytest.raises(ParameterError, match="boolean mask over the 2 customer codes"):
        log.subset(np.array([1, 0]))
    with pytest.raises(fidelite.exceptions.EmptyInputError):
        log.subset(np.zeros(2, bool))
