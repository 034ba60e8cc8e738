"""Partitioned execution (issue 14): every public metric, run on partitions of the
customers and merged as it declares (fidelite.scale.registry), equals the in-memory call
on each path (partitioned frames, a spilled Parquet dataset, a Dask DataFrame on a
LocalCluster), on logs with string ids, several zones, periods and week starts."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest

import fidelite
from fidelite import scale
from fidelite.scale.registry import NotPartitionedError

#: Every public metric, read off the package's API (not a hand-kept list).
METRICS = sorted(
    name
    for name in fidelite.__all__
    if inspect.isfunction(getattr(fidelite, name)) and getattr(fidelite, name).__module__.startswith("fidelite.metrics")
)

#: Public metrics that do not yet declare their partial and merge in fidelite.scale.registry.
#: Visible on purpose: shrink it by declaring a metric there (a declared metric left on this
#: list fails, as xfail is strict; a metric on neither fails too).
TO_DECLARE: set[str] = set()

CASES = [
    dict(tz="UTC", period="month", week_start="monday"),
    dict(tz="America/New_York", period="week", week_start="sunday"),
    dict(tz="Asia/Kolkata", period="quarter", week_start="saturday"),
]


#: The table a metric reads as its data, when it is not the events (a gathered side table).
DATA = {
    **dict.fromkeys(("nps", "nps_over_time", "nps_transitions", "loyalty_index", "loyalty_index_over_time"), "surveys"),
    **dict.fromkeys(("churn_reasons", "completeness"), "customers"),
    **dict.fromkeys(("programme_points", "tier_migration", "near_next_tier"), "programme"),
    "revenue_retention": "subscriptions",
}
#: Side tables a metric over the events reads beside them (in memory: each partition
#: looks its own customers up in them).
SIDE = {
    "programme_kpis": {"programme": "programme"},
    "programme_impact": {"programme": "programme"},
    "nps_behaviour": {"surveys": "surveys"},
}
#: Metrics over a side table (their first argument, in memory) and the events (``events=``,
#: partitioned).
BESIDE = {"activation": "customers", "campaigns": "contacts"}
#: Arguments a metric cannot do without.
REQUIRED = {"near_next_tier": dict(tiers={"member": 0, "silver": 200, "gold": 800}, within=150)}
TABLES = ("events", "surveys", "customers", "programme", "subscriptions", "contacts")


@pytest.fixture(scope="module")
def shop():
    demo = fidelite.datasets.demo_shop(600, seed=14, frame="pandas")
    tables = {}
    for name in TABLES:
        t = getattr(demo, name).copy()
        t["customer_id"] = "c" + t["customer_id"].astype(str)  # string ids: the hash must not rely on ints
        tables[name] = t
    return tables


@pytest.fixture(scope="module")
def events(shop):
    return shop["events"]


@pytest.fixture(scope="module")
def datasets(shop, tmp_path_factory):
    """Each table as a Parquet directory of three files (rows shuffled across them)."""
    out = {}
    for name, table in shop.items():
        root = tmp_path_factory.mktemp(name)
        shuffled = table.sample(frac=1.0, random_state=3)
        for i, chunk in enumerate(np.array_split(np.arange(len(shuffled)), 3)):
            shuffled.iloc[chunk].to_parquet(root / f"part-{i}.parquet", index=False)
        out[name] = root
    return out


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    ) as cluster:
        with distributed.Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def ddfs(shop, client):
    dd = pytest.importorskip("dask.dataframe")
    return {name: dd.from_pandas(t.sample(frac=1.0, random_state=5), npartitions=4) for name, t in shop.items()}


def assert_same(got, want):
    assert type(got) is type(want)
    a, b = got.to_dict(), want.to_dict()
    assert list(a) == list(b)
    for name in b:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        if y.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=1e-12, equal_nan=True, err_msg=name)  # float sums: see merges
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)


def parameters(metric, case):
    accepted = inspect.signature(metric).parameters
    return {k: v for k, v in case.items() if k in accepted}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(raises=NotPartitionedError, strict=True)) if n in TO_DECLARE else n
        for n in METRICS
    ],
)
def test_every_metric_partitioned_equals_in_memory(shop, datasets, ddfs, tmp_path, name):
    metric = getattr(fidelite, name)
    table = DATA.get(name, "events")
    data = shop[table]
    frames = scale.split_frame(data, "customer_id", 3)
    assert sum(map(len, frames)) == len(data) and all(len(f) for f in frames)
    for case in CASES:
        kw = {**parameters(metric, case), **REQUIRED.get(name, {})}
        kw.update({key: shop[t] for key, t in SIDE.get(name, {}).items()})
        if name in BESIDE:  # the side table first, in memory; the events partitioned
            side = {next(iter(inspect.signature(metric).parameters)): shop[BESIDE[name]]}
            got = scale.run_frames(metric, frames, **side, **kw)
            want = metric(*side.values(), events=data, **kw)
            assert_same(got, want)
            spilled = metric(*side.values(), events=str(datasets[table]), n_partitions=4, spill_dir=tmp_path, **kw)
            assert_same(spilled, want)
            assert_same(metric(*side.values(), events=ddfs[table], **kw), want)
            continue
        got = scale.run_frames(metric, frames, **kw)  # first: an undeclared metric stops here
        want = metric(data, **kw)
        assert_same(got, want)
        assert_same(metric(str(datasets[table]), n_partitions=4, spill_dir=tmp_path, **kw), want)
        assert_same(metric(ddfs[table], **kw), want)
    assert not list(tmp_path.iterdir())  # the spilled partitions are gone


def test_the_list_of_metrics_to_declare_is_current():
    assert TO_DECLARE <= set(METRICS), sorted(TO_DECLARE - set(METRICS))
    assert not TO_DECLARE & set(scale.DECLARATIONS), "declared: take them off TO_DECLARE"
    assert set(scale.DECLARATIONS) <= set(METRICS), sorted(set(scale.DECLARATIONS) - set(METRICS))


def test_an_undeclared_metric_says_so():
    with pytest.raises(NotPartitionedError, match=r"^<lambda>\(\) does not run on partitioned data yet"):
        scale.declaration_of(lambda: None)
    assert issubclass(NotPartitionedError, fidelite.exceptions.FideliteError)


def test_a_customer_lives_in_one_partition_whatever_the_process():
    ids = np.array(["a", "b", "c", "a", "zz"], dtype=object)
    here = scale.partition_of(ids, 7)
    assert here[0] == here[3] and ((0 <= here) & (here < 7)).all()
    code = "import numpy as np; from fidelite.scale import partition_of; print(partition_of(np.array(['a','b','c','a','zz'], dtype=object), 7).tolist())"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert there.strip() == str(here.tolist())
    np.testing.assert_array_equal(scale.partition_of(np.array(["a", "b"]), 7), here[:2])  # str dtype too


def test_partials_that_do_not_line_up_are_an_error(events):
    """Partials computed without the whole data's axes (plain calls per partition) are
    refused, never added misaligned."""
    a, b = (fidelite.retention(f, period="month") for f in (events.iloc[:50], events.iloc[-50:]))
    assert a.counts.shape != b.counts.shape or not np.array_equal(a.cohorts, b.cohorts)
    with pytest.raises(ValueError, match="do not line up|differ between partitions"):
        scale.merges.add_matrices([a, b])


SEGMENTED = [
    ("lifecycle", dict(segment="country", period="week")),
    ("repeat_rate", dict(segment=["segment", "country"])),
    ("customer_summary", dict(bins={"age": 3})),
    ("period_kpis", dict(segment="acquisition_channel")),
    ("upsell_rate", dict(segment="country", bins={"age": [30, 50]})),
]


@pytest.mark.parametrize("name, kw", SEGMENTED, ids=[n for n, _ in SEGMENTED])
def test_segments_partitioned_equal_in_memory(shop, datasets, ddfs, tmp_path, name, kw):
    """segment= / bins= on every partitioned path: the population-wide segmentation (bins'
    edges from every customer), each segment merged across partitions; skipped segments,
    customers per segment and edges as in memory."""
    metric = getattr(fidelite, name)
    customers = shop["customers"].assign(age=np.arange(len(shop["customers"])) % 70 + 18.0)
    want = metric(shop["events"], customers=customers, **kw)
    for got in (
        scale.run_frames(metric, scale.split_frame(shop["events"], "customer_id", 3), customers=customers, **kw),
        metric(str(datasets["events"]), n_partitions=4, spill_dir=tmp_path, customers=customers, **kw),
        metric(ddfs["events"], customers=customers, **kw),
    ):
        assert type(got) is type(want) and list(got.results) == list(want.results)
        assert (got.skipped, got.customers, got.edges, got.attributes) == (
            want.skipped,
            want.customers,
            want.edges,
            want.attributes,
        )
        for key, result in want.results.items():
            assert_same(got.results[key], result)
    assert not list(tmp_path.iterdir())


def test_segments_on_partitioned_data_need_the_customers_table(events):
    with pytest.raises(fidelite.exceptions.ParameterError, match="pass customers=<table>"):
        scale.run_frames(fidelite.lifecycle, scale.split_frame(events, "customer_id", 2), segment="country")


def test_a_side_table_given_by_name_is_gathered_too(shop, datasets, ddfs):
    want = fidelite.nps(shop["surveys"])
    assert_same(fidelite.nps(surveys=ddfs["surveys"]), want)
    assert_same(fidelite.nps(surveys=str(datasets["surveys"]), n_partitions=3), want)


#: Population-wide last steps with other parameters than the defaults the test above runs.
POPULATION_WIDE = [
    ("at_risk", dict(method="p_alive", threshold=0.6)),
    ("at_risk", dict(factor=1.5, lapse_after=5, period="week")),
    ("engagement", dict(population="all", window="30D", weights={"frequency": 1, "duration": 0, "key_actions": 2})),
    ("survival", dict(churn_after="45D", unit="week", at=[1.0, 10.0, 30.0])),
    ("predicted_clv", dict(model="mbg_nbd", horizon="6M", time_unit="W", calibration_end="2025-06-30")),
    ("clv", dict(margin=0.3, discount_rate=0.1)),
    ("rfm", dict(purchase_event=["purchase", "refund"], as_of="2025-01-01")),
]


@pytest.mark.parametrize("name, kw", POPULATION_WIDE, ids=[f"{n}-{i}" for i, (n, _) in enumerate(POPULATION_WIDE)])
def test_population_wide_steps_run_once_on_the_merged_rows(shop, ddfs, tmp_path, datasets, name, kw):
    """The per-customer rows concatenated in id order, the ranks, quintiles, medians and
    model fits run once after the merge: equal to in memory, on every path."""
    metric, events = getattr(fidelite, name), shop["events"]
    want = metric(events, **kw)
    assert_same(scale.run_frames(metric, scale.split_frame(events, "customer_id", 3), **kw), want)
    assert_same(metric(str(datasets["events"]), n_partitions=3, spill_dir=tmp_path, **kw), want)
    assert_same(metric(ddfs["events"], **kw), want)
    if name == "at_risk" and "method" in kw:
        assert metric(ddfs["events"], **kw).meta["params"] == want.meta["params"]  # the fit, once, on every buyer


def test_docs_say_what_every_metric_costs_and_how_it_merges():
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "scale.md").read_text()
    table = text[text.index("## What each metric costs") :]
    named = {name for name in METRICS if f"`{name}`" in table}
    side = {n for n, d in scale.DECLARATIONS.items() if d.gather}  # one row for the side-table metrics
    assert set(METRICS) - named - side == set(), sorted(set(METRICS) - named - side)


@pytest.mark.parametrize(
    "kw",
    [dict(fixed_costs=500.0, denominator="active", period="week"), dict(attribution_window="3D", tz="Asia/Kolkata")],
)
def test_campaigns_partitioned_per_period_tables_and_kpis(shop, ddfs, tmp_path, datasets, kw):
    """Per contact the activity and attributed purchases, per period the active and
    solicited customers and their revenue added: every table of the result as in memory."""
    contacts, events = shop["contacts"], shop["events"]
    want = fidelite.campaigns(contacts, events=events, **kw)
    for got in (
        scale.run_frames(fidelite.campaigns, scale.split_frame(events, "customer_id", 3), contacts=contacts, **kw),
        fidelite.campaigns(contacts, events=str(datasets["events"]), n_partitions=3, spill_dir=tmp_path, **kw),
        fidelite.campaigns(contacts, events=ddfs["events"], **kw),
    ):
        assert_same(got, want)
        for table in ("pressure", "solicitation", "reactivity"):
            assert_same(getattr(got, table), getattr(want, table))
        assert got.kpis.keys() == want.kpis.keys()
        np.testing.assert_allclose(list(got.kpis.values()), list(want.kpis.values()), rtol=1e-12, equal_nan=True)
        assert got.report.rejected == want.report.rejected and got.meta == want.meta


def test_programme_impact_breaks_distance_ties_by_id_across_partitions(client):
    """Non-members in several partitions at the same distance from a member (the same
    history before her join day): her controls are the lowest ids among all of them, as
    in memory, whichever partition each lives in; they are matched on the whole
    population, after a first pass that gathers the members."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    others = [f"n{i}" for i in range(8)]
    rows = [(c, t, e) for c in ["m", *others] for t, e in (("2024-01-05", "purchase"), ("2024-02-01", "visit"))]
    rows += [(c, f"2024-03-{10 + j:02d}", "purchase") for i, c in enumerate(others) for j in range(i)]
    rows += [("m", "2024-03-10", "purchase"), ("late", "2024-06-30", "visit")]
    events = pd.DataFrame(rows, columns=["customer_id", "timestamp", "event"])
    programme = pd.DataFrame({"customer_id": ["m"], "timestamp": ["2024-03-01 10:00"], "event": ["join"]})
    kw = dict(programme=programme, window=30, matches=2, n_boot=100)
    want = fidelite.programme_impact(events, **kw)
    assert want.value == 0.5 and want["customers"].tolist() == [1, 2, 1]  # n0 and n1: 0 and 1 purchases after
    for n in range(2, 6):
        assert_same(
            scale.run_frames(fidelite.programme_impact, scale.split_frame(events, "customer_id", n), **kw), want
        )
    assert_same(fidelite.programme_impact(dd.from_pandas(events, npartitions=3), **kw), want)


#: Metrics over the events and a side table, with the side table's keyword.
BESIDE_TABLES = [
    ("nps_behaviour", "surveys", {}),
    ("programme_kpis", "programme", {}),
    ("activation", "customers", {}),
    ("campaigns", "contacts", {}),
    ("lifecycle", "customers", dict(segment="country")),
]


@pytest.mark.parametrize("name, side, kw", BESIDE_TABLES, ids=[n for n, _, _ in BESIDE_TABLES])
def test_a_side_table_on_dask_or_parquet_beside_any_events_is_read_whole_once(
    shop, ddfs, datasets, tmp_path, name, side, kw
):
    """A side table given as a Dask DataFrame or a Parquet dataset (by keyword, or first for
    activation / campaigns) is computed once and read whole, beside events in memory, on
    Dask or spilled: the numbers are those of the tables in memory."""
    metric = getattr(fidelite, name)
    events, table = shop["events"], shop[side]
    first = side if name in BESIDE else None
    want = metric(table, events=events, **kw) if first else metric(events, **{side: table}, **kw)
    for data in (events, ddfs["events"], str(datasets["events"])):
        spill = dict(n_partitions=3, spill_dir=tmp_path) if isinstance(data, str) else {}
        for side_table in (ddfs[side], str(datasets[side])):
            if first:
                got = metric(side_table, events=data, **spill, **kw)
            else:
                got = metric(data, **{side: side_table}, **spill, **kw)
            if kw:
                assert list(got.results) == list(want.results)
                for key, result in want.results.items():
                    assert_same(got.results[key], result)
            else:
                assert_same(got, want)
    assert not list(tmp_path.iterdir())
