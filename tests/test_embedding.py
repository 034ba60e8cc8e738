"""Embedding fidelite in a threaded application (docs/embedding.md): one EventLog shared
by 8 threads, each running every public metric (in its own order, from a cold cache),
gives the results one thread gives."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from every_result import call_every_metric, call_metric

import fidelite

THREADS = 8


def columns(results):
    return {name: result.to_dict() for name, result in results}


def assert_same(got, expected, where):
    assert list(got) == list(expected), where
    for name, cols in expected.items():
        assert list(got[name]) == list(cols), f"{where}: columns of {name}"
        for col, values in cols.items():
            np.testing.assert_array_equal(got[name][col], values, err_msg=f"{where}: {name}.{col}")


def test_one_log_shared_by_eight_threads():
    shop = fidelite.datasets.demo_shop(2_000, seed=8)
    tables = {n: getattr(shop, n) for n in ("events", "customers", "surveys", "contacts", "subscriptions", "programme")}
    expected = columns(call_every_metric(tables, fidelite.EventLog(tables["events"])))
    assert len(expected) == len(fidelite.metrics.__all__)

    shared = fidelite.EventLog(tables["events"])  # a cold cache, filled by all threads at once
    start = threading.Barrier(THREADS)

    def work(k):
        names = list(fidelite.metrics.__all__)
        names = names[k::-1] + names[:k:-1] if k % 2 else names[k:] + names[:k]  # each its own order
        start.wait()
        first = {n: call_metric(n, tables, shared).to_dict() for n in names}
        # a second pass, on the cache the threads filled together
        second = {n: call_metric(n, tables, shared).to_dict() for n in reversed(names)}
        return first, second

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(work, range(THREADS)))
    for k, (first, second) in enumerate(outcomes):
        assert_same({n: first[n] for n in expected}, expected, f"thread {k}")
        assert_same({n: second[n] for n in expected}, expected, f"thread {k}, second pass")
    assert shared.equals(fidelite.EventLog(tables["events"]))
