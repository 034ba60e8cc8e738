"""fidelite.lifecycle on hand-made logs with known answers (the reference comparison on
random logs is in test_retention_reference.py)."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from reference import assert_lifecycle_matches, ref_lifecycle

import fidelite
from fidelite.exceptions import ParameterError, TimeZoneError

matplotlib.use("Agg")

# A: Jan, Feb, Apr   B: Feb   C: Jan, Mar (C's January event is a purchase)
ROWS = [
    ("A", "2024-01-03", "visit"),
    ("A", "2024-01-20", "visit"),
    ("A", "2024-02-11", "purchase"),
    ("A", "2024-04-01", "visit"),
    ("B", "2024-02-29T23:00", "visit"),
    ("C", "2024-01-31", "purchase"),
    ("C", "2024-03-15", "purchase"),
]


def frame(rows, tz=None) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
            "event": [r[2] if len(r) > 2 else "visit" for r in rows],
        }
    )
    if tz:
        df["timestamp"] = df["timestamp"].dt.tz_localize(tz)
    return df


@pytest.fixture(scope="module")
def monthly():
    return fidelite.lifecycle(frame(ROWS), as_of="2024-04-30")


def test_known_states(monthly):
    lc = monthly
    assert lc.periods.tolist() == [np.datetime64(f"2024-0{m}-01") for m in range(1, 5)]
    assert lc.labels == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert lc.new.tolist() == [2, 1, 0, 0]
    assert lc.returning.tolist() == [0, 1, 0, 0]
    assert lc.resurrected.tolist() == [0, 0, 1, 1]
    assert lc.dormant.tolist() == [0, 1, 2, 1]
    assert lc.active.tolist() == [2, 2, 1, 1]
    assert lc.complete.tolist() == [True] * 4
    assert math.isnan(lc.quick_ratio[0])  # nobody went dormant: NaN, not an error
    assert lc.quick_ratio[1:].tolist() == [1.0, 0.5, 1.0]
    for name in ("new", "returning", "resurrected", "dormant"):
        assert getattr(lc, name).dtype == np.int64


def test_new_is_whole_history():
    # C comes back in March after a gap: resurrected, never new again; a later as_of
    # does not open a window that would make anybody new
    lc = fidelite.lifecycle(frame(ROWS), as_of="2024-06-30")
    assert lc.new.sum() == 3 and lc.new.tolist() == [2, 1, 0, 0, 0, 0]
    assert lc.dormant.tolist() == [0, 1, 2, 1, 1, 0]


def test_as_of_cuts_later_events_and_flags_the_last_period():
    lc = fidelite.lifecycle(frame(ROWS), as_of=pd.Timestamp("2024-03-10T12:00"))
    assert len(lc.periods) == 3
    assert lc.new.tolist() == [2, 1, 0] and lc.resurrected.tolist() == [0, 0, 0]
    assert lc.dormant.tolist() == [0, 1, 2]
    assert lc.complete.tolist() == [True, True, False]
    default = fidelite.lifecycle(frame(ROWS))  # as_of = the latest event (April 1st)
    assert default.complete.tolist() == [True, True, True, False]


def test_active_event():
    lc = fidelite.lifecycle(frame(ROWS), active_event="purchase", as_of="2024-04-30")
    # purchases: A in Feb, C in Jan and Mar; A is new in February (its first purchase)
    assert lc.new.tolist() == [1, 1, 0, 0]
    assert lc.resurrected.tolist() == [0, 0, 1, 0]
    assert lc.dormant.tolist() == [0, 1, 1, 1]
    both = fidelite.lifecycle(frame(ROWS), active_event=["purchase", "visit"], as_of="2024-04-30")
    assert both.new.tolist() == [2, 1, 0, 0]
    with pytest.raises(ParameterError, match="unknown event type"):
        fidelite.lifecycle(frame(ROWS), active_event="login")


def test_dst_month_end_and_week_start():
    rows = [("x", "2024-10-31T23:30"), ("x", "2024-11-01T00:30"), ("y", "2024-11-03T10:00")]  # Paris wall time
    lc = fidelite.lifecycle(frame(rows, tz="Europe/Paris"), tz="Europe/Paris")
    assert lc.labels == ["2024-10", "2024-11"]
    assert lc.new.tolist() == [1, 1] and lc.returning.tolist() == [0, 1]
    utc = fidelite.lifecycle(frame(rows, tz="Europe/Paris"))
    assert utc.labels == ["2024-10", "2024-11"] and utc.new.tolist() == [1, 1] and utc.returning.tolist() == [0, 0]
    weeks = fidelite.lifecycle(frame([("x", "2024-01-06"), ("x", "2024-01-07")]), period="week", week_start="sunday")
    assert weeks.periods.tolist() == [np.datetime64("2023-12-31"), np.datetime64("2024-01-07")]
    assert weeks.returning.tolist() == [0, 1]
    monday = fidelite.lifecycle(frame([("x", "2024-01-06"), ("x", "2024-01-07")]), period="week")
    assert monday.periods.tolist() == [np.datetime64("2024-01-01")] and monday.new.tolist() == [1]


def test_before_1970_and_integer_ids():
    rows = [(5, "1969-11-30T23:59"), (5, "1970-01-01"), (-2, "1969-12-15")]
    lc = fidelite.lifecycle(frame(rows), as_of="1970-01-31")
    assert lc.labels == ["1969-11", "1969-12", "1970-01"]
    assert lc.new.tolist() == [1, 1, 0] and lc.resurrected.tolist() == [0, 0, 1]
    assert lc.dormant.tolist() == [0, 1, 1]


@pytest.mark.parametrize("period", ["day", "week", "quarter", "year"])
def test_other_periods_match_the_reference(period):
    df = frame(ROWS)
    kw = dict(period=period, tz="Australia/Lord_Howe", as_of="2024-12-31")
    assert_lifecycle_matches(fidelite.lifecycle(df, **kw), ref_lifecycle(df, **kw), what=period)


def test_nobody_active_before_as_of():
    lc = fidelite.lifecycle(frame(ROWS), as_of="2023-01-01")
    assert len(lc.periods) == 0 and lc.to_pandas().empty


def test_errors():
    with pytest.raises(ParameterError, match="unknown period"):
        fidelite.lifecycle(frame(ROWS), period="decade")
    with pytest.raises(TimeZoneError):
        fidelite.lifecycle(frame(ROWS), tz="Europe/Atlantis")


def test_exports_and_display(monthly):
    df = monthly.to_pandas()
    assert list(df.columns) == [
        "period",
        "new",
        "returning",
        "resurrected",
        "dormant",
        "active",
        "quick_ratio",
        "complete",
    ]
    assert df["dormant"].tolist() == [0, 1, 2, 1]
    pl_df = monthly.to_polars()
    assert pl_df["new"].to_list() == [2, 1, 0, 0]
    html = monthly._repr_html_()
    assert "fidelite-lifecycle" in html and "2024-03" in html
    import matplotlib.pyplot as plt

    ax = monthly.plot()
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        heights = [p.get_height() for p in ax.patches]
        assert sorted(heights)[:2] == [-2.0, -1.0]  # dormant is drawn below zero
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["new", "returning", "resurrected", "dormant"]
    finally:
        plt.close(ax.figure)
