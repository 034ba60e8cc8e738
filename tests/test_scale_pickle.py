"""Every result pickles (issue 14: results travel back from Dask workers and
multiprocessing pools): each public metric's result, and every result class the package
exports, unpickles to an equal object (same type, same columns, same text)."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest

import fidelite
from fidelite.results.base import Result

METRICS = fidelite.metrics.__all__
RESULT_CLASSES = sorted(
    name for name in fidelite.__all__ if inspect.isclass(c := getattr(fidelite, name)) and issubclass(c, Result)
)


@pytest.fixture(scope="module")
def shop():
    return fidelite.datasets.demo_shop(400, seed=9, frame="pandas")


def call(name, shop, **kw):
    """A metric on the table it reads first (events, customers, surveys, contacts,
    subscriptions), with the events alongside when it takes them too."""
    metric = getattr(fidelite, name)
    params = list(inspect.signature(metric).parameters)
    table = shop.events if params[0] == "data" else getattr(shop, params[0])
    if "events" in params[1:]:
        kw["events"] = shop.events
    for other in ("surveys", "programme"):  # tables a metric of the events takes as keywords
        if other in params[1:]:
            kw[other] = getattr(shop, other)
    if name == "near_next_tier":
        kw.update(tiers=fidelite.datasets.PROGRAMME_TIERS, within=50)
    return metric(table, **kw)


def assert_equal(again, result):
    assert type(again) is type(result)
    a, b = again.to_dict(), result.to_dict()
    assert list(a) == list(b)
    for k in b:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)
    assert repr(again) == repr(result)


@pytest.fixture(scope="module")
def results(shop):
    out = {name: call(name, shop) for name in METRICS}
    m = fidelite.retention(shop.events, ci=0.95)
    out["retention(ci)"] = m
    out["retention.customers"] = m.customers(0, 1)
    out["retention(segment)"] = fidelite.retention(shop.events, customers=shop.customers, segment="segment")
    return out


@pytest.mark.parametrize("name", METRICS)
def test_every_metric_result_pickles(results, name):
    result = results[name]
    assert_equal(pickle.loads(pickle.dumps(result)), result)


def test_every_exported_result_class_is_covered_and_pickles(results):
    seen = {type(r) for r in results.values()}
    for name in RESULT_CLASSES:
        cls = getattr(fidelite, name)
        found = [r for r in results.values() if isinstance(r, cls)]
        assert found, f"no metric returned a {name}: add a call that does"
        for r in found:
            assert_equal(pickle.loads(pickle.dumps(r)), r)
    assert all(issubclass(t, Result) for t in seen)


def test_a_pickled_matrix_still_lists_the_customers_of_a_cell(results):
    m = results["retention(ci)"]
    again = pickle.loads(pickle.dumps(m))
    assert again.customers(0, 1).to_pandas().equals(m.customers(0, 1).to_pandas())
