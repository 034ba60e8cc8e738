"""Writes survival_lifelines.json: lifelines' Kaplan-Meier fits and log-rank tests on
seeded random lifetimes, for test_survival.py.

lifelines 0.30 requires pandas < 3, and the test environment runs pandas 3, so the tests
read these values instead of importing it. Regenerate in a separate virtualenv:

    python -m venv /tmp/ll && /tmp/ll/bin/pip install lifelines==0.30.3
    /tmp/ll/bin/python tests/data/make_survival_lifelines.py

Each case holds lifetimes in whole hours (``hours``), whether each churned (the others are
censored) and a group; durations are given to lifelines in days, ``hours * 3_600_000_000 /
86_400_000_000`` (the float fidelite computes from microseconds). Recorded per case: the
distinct durations, the survival function there, the 95% exponential Greenwood interval
(lifelines' default), the median and the median's interval (null = infinite), and the
multivariate log-rank statistic and p-value between the groups (when there are several).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import lifelines
import numpy as np
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times

HERE = Path(__file__).parent
N_CASES = 300


def finite(x: float) -> float | None:
    return None if math.isinf(x) else float(x)


def case(rng: np.random.Generator, i: int) -> dict:
    n = int(rng.integers(1, 80))
    grain = [1, 24, 24 * 7][i % 3]  # hours, whole days, whole weeks: ties between lifetimes
    hours = (rng.integers(0, 400 * 24 // grain + 1, n) * grain).astype(np.int64)
    share = [0.0, 0.3, 0.7, 1.0, rng.random()][i % 5]
    churned = rng.random(n) < share
    groups = rng.integers(0, 1 + i % 4, n)
    days = hours * 3_600_000_000 / 86_400_000_000
    kmf = lifelines.KaplanMeierFitter().fit(days, event_observed=churned)
    times = np.unique(days)
    sf = kmf.survival_function_.iloc[:, 0].loc[times]
    band = kmf.confidence_interval_.loc[times]
    med = median_survival_times(kmf.confidence_interval_).to_numpy()[0]
    out = {
        "hours": hours.tolist(),
        "churned": churned.tolist(),
        "group": groups.tolist(),
        "times": times.tolist(),
        "survival": sf.tolist(),
        "lower": band.iloc[:, 0].tolist(),
        "upper": band.iloc[:, 1].tolist(),
        "median": finite(kmf.median_survival_time_),
        "median_lower": finite(med[0]),
        "median_upper": finite(med[1]),
    }
    if len(np.unique(groups)) > 1:
        t = multivariate_logrank_test(days, groups, churned)
        out["logrank"] = {"statistic": float(t.test_statistic), "p_value": float(t.p_value)}
    return out


def main() -> None:
    rng = np.random.default_rng(20261204)
    cases = [case(rng, i) for i in range(N_CASES)]
    doc = {"lifelines": lifelines.__version__, "cases": cases}
    (HERE / "survival_lifelines.json").write_text(json.dumps(doc, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
