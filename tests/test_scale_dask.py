"""The Dask backend (issue 14) on a LocalCluster with two worker processes: the frame is
shuffled once, a DaskLog answers many queries, the row accounting is summed, and
``import fidelite`` never imports dask."""

from __future__ import annotations

import subprocess
import sys
from functools import partial

import numpy as np
import pytest

import fidelite
from fidelite.scale.dask_backend import DaskLog

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def events():
    ev = fidelite.datasets.demo_shop(500, seed=21, frame="pandas").events
    ev["customer_id"] = "k" + ev["customer_id"].astype(str)
    return ev


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as c:
            yield c


def test_two_worker_processes_give_the_in_memory_numbers(events, client):
    ddf = dd.from_pandas(events, npartitions=5)
    log = DaskLog(ddf, tz="Europe/Paris")
    assert (log.report.read, log.report.used) == (len(events), len(events))
    for kw in (dict(period="month"), dict(period="week", week_start="sunday", measure="revenue")):
        got, want = log.run(fidelite.retention, **kw), fidelite.retention(events, tz="Europe/Paris", **kw)
        assert want.counts.dtype.kind == "f" or got.counts.dtype == want.counts.dtype
        np.testing.assert_allclose(got.counts, want.counts, rtol=1e-12)
        np.testing.assert_array_equal(got.sizes, want.sizes)
    s = log.run(fidelite.customer_summary)
    assert s.to_pandas().equals(fidelite.customer_summary(events, tz="Europe/Paris").to_pandas())


def test_a_deep_tree_reduction_gives_the_same_numbers(events, client):
    """split_every=2 over 6 partitions: three levels of merges, whose intermediate
    results cover different cohorts until the last step trims the axis."""
    log = DaskLog(dd.from_pandas(events, npartitions=6), split_every=2)
    assert len(log.logs) > 2
    for kw in (dict(period="week"), dict(period="month", measure="revenue")):
        got, want = log.run(fidelite.retention, **kw), fidelite.retention(events, **kw)
        assert got.cohort_labels == want.cohort_labels
        np.testing.assert_allclose(got.counts, want.counts, rtol=1e-12)
    np.testing.assert_array_equal(log.run(fidelite.lifecycle).new, fidelite.lifecycle(events).new)


def test_the_plan_shuffles_exactly_once(events, client):
    from dask.dataframe.dask_expr._shuffle import ShuffleBase

    log = DaskLog(dd.from_pandas(events, npartitions=3))
    shuffles = list(log.shuffled.optimize().expr.find_operations(ShuffleBase))
    assert len(shuffles) == 1, shuffles


def test_import_fidelite_does_not_import_dask():
    code = "import sys, fidelite; fidelite.retention({'customer_id': [1], 'timestamp': ['2024-01-01']}); print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_population_wide_steps_on_two_worker_processes(events, client):
    """The per-customer shares travel between processes (pickled), the last step runs once;
    programme_impact's members, gathered by a first pass, travel to every partition."""
    log = DaskLog(dd.from_pandas(events, npartitions=4))
    for metric in (fidelite.rfm, fidelite.survival, fidelite.predicted_clv):
        got, want = log.run(metric).to_pandas(), metric(events).to_pandas()
        assert got.equals(want), metric.__name__
    programme = fidelite.datasets.demo_shop(500, seed=21, frame="pandas").programme
    programme["customer_id"] = "k" + programme["customer_id"].astype(str)
    got, want = (
        f(programme=programme, matches=2)
        for f in (partial(log.run, fidelite.programme_impact), partial(fidelite.programme_impact, events))
    )
    assert got.to_pandas().equals(want.to_pandas()) and (got.ci_low, got.ci_high) == (want.ci_low, want.ci_high)
