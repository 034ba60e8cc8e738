"""Yearly retention over two millennia (issue 18: a 6-row log with dates from 1970 to
9999 gave an 8,030 x 8,030 matrix in 47 s, two calendar lookups per cell). That the work
is bounded by the axes, over the whole 1970..9999 span, is checked on the kernel
(rust/kernels/src/cohort.rs, ``completeness_work_grows_with_the_axes_not_the_cells``);
here, that the matrix is right, on a span 4 times smaller (a 2,030 x 2,030 matrix keeps
the test light in memory)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import fidelite

LAST = 3999
ROWS = [
    (1, "1970-01-01"),
    (2, "3999-12-31"),
    (3, "2024-01-01"),
    (1, "2500-01-01"),
    (2, "3999-12-31"),
    (3, "3000-01-01"),
]


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris"])
def test_yearly_retention_over_two_millennia(tz):
    ids, days = zip(*ROWS)
    log = fidelite.EventLog({"customer_id": list(ids), "timestamp": np.array(days, "datetime64[us]")}, tz=tz)
    m = fidelite.retention(log, period="year")
    n = LAST - 1970 + 1
    assert m.counts.shape == (n, n)
    # every customer's first year and its returns, by hand (dates read in tz: midnights)
    want = {(0, 0): 1, (0, 2500 - 1970): 1, (2024 - 1970, 0): 1, (2024 - 1970, 3000 - 2024): 1, (n - 1, 0): 1}
    got = {(int(k), int(j)): int(m.counts[k, j]) for k, j in zip(*np.nonzero(m.counts))}
    assert got == want
    assert m.sizes[[0, 2024 - 1970, n - 1]].tolist() == [1, 1, 1] and m.sizes.sum() == 3
    # a cell is complete when its year is over at as_of (the last event, 3999-12-31 00:00
    # local): cohort k, offsets j < n - 1 - k; observed: j <= n - 1 - k
    k = np.arange(n)
    assert np.array_equal(m.complete.sum(axis=1), n - 1 - k)
    assert np.array_equal(m.observed.sum(axis=1), n - k)
    assert not m.complete[k, n - 1 - k].any() and m.observed[k, n - 1 - k].all()
    assert m.cohort_labels[0] == "1970" and m.cohort_labels[-1] == str(LAST)
    assert m.cohorts[-1] == np.datetime64(dt.date(LAST, 1, 1), "D")
