"""Tests of the synthetic shop generator (fidelite.datasets.demo_shop)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from fidelite import datasets
from fidelite.datasets import demo_shop

N = 3_000
START = np.datetime64("2023-01-01", "us")
END = np.datetime64("2026-01-01", "us")  # the default start + 3 years
DAY = np.timedelta64(1, "D")

COLUMNS = {
    "events": {
        "customer_id": "int",
        "timestamp": "time",
        "event": "str",
        "amount": "float",
        "product": "str",
        "duration": "float",
        "channel": "str",
    },
    "customers": {
        "customer_id": "int",
        "created": "time",
        "segment": "str",
        "country": "str",
        "acquisition_channel": "str",
        "churn_reason": "str",
    },
    "surveys": {"customer_id": "int", "timestamp": "time", "question": "str", "score": "int"},
    "contacts": {
        "customer_id": "int",
        "timestamp": "time",
        "campaign": "str",
        "channel": "str",
        "opened": "bool",
        "clicked": "bool",
        "converted": "bool",
        "unsubscribed": "bool",
        "cost": "float",
    },
    "subscriptions": {"customer_id": "int", "start": "time", "end": "time", "mrr": "float"},
    "programme": {"customer_id": "int", "timestamp": "time", "event": "str", "points": "float", "tier": "str"},
}
TABLES = list(COLUMNS)
CHURN_REASONS = {
    "context change",
    "no problem/solution fit",
    "problem/solution misalignment",
    "quality",
    "customer experience",
    "weak activation",
    "other",
}


@pytest.fixture(scope="module")
def shop() -> datasets.DemoShop:
    return demo_shop(N, seed=11)


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    if list(a) != list(b):
        return False
    for name in a:
        x, y = a[name], b[name]
        if x.dtype != y.dtype or len(x) != len(y):
            return False
        if x.dtype.kind == "M":  # NaT != NaT: compare the underlying integers
            x, y = x.view(np.int64), y.view(np.int64)
        if x.dtype == object:
            if x.tolist() != y.tolist():
                return False
        elif not np.array_equal(x, y):
            return False
    return True


def _purchase_within(shop: datasets.DemoShop, days: int) -> np.ndarray:
    """Per contact: whether its customer has a purchase in [contact time, + days]."""
    ev, co = shop.events, shop.contacts
    ids = shop.customers["customer_id"]
    buy = ev["event"] == "purchase"
    code = np.searchsorted(ids, ev["customer_id"][buy])
    rel = (ev["timestamp"][buy] - START).astype(np.int64)
    key = np.sort(code.astype(np.int64) << 47 | rel)  # rel < 2**47 us (~4.5 years)
    c_code = np.searchsorted(ids, co["customer_id"]).astype(np.int64)
    c_rel = (co["timestamp"] - START).astype(np.int64)
    lo = np.searchsorted(key, c_code << 47 | c_rel)
    hi = np.searchsorted(key, c_code << 47 | (c_rel + days * 86_400_000_000), side="right")
    return hi > lo


# --- API -----------------------------------------------------------------------------------


def test_result_is_a_frozen_dataclass_of_six_tables():
    small = demo_shop(50, seed=1)  # not the shared fixture: this test tries to modify it
    assert [f.name for f in dataclasses.fields(small)] == TABLES
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.events = {}  # type: ignore[misc]
    assert repr(small).startswith("DemoShop(events=")


@pytest.mark.parametrize("bad", [0, -5])
def test_n_customers_below_one_is_rejected(bad):
    with pytest.raises(ValueError, match="n_customers"):
        demo_shop(bad)


def test_unknown_frame_names_the_allowed_values():
    with pytest.raises(ValueError) as error:
        demo_shop(10, frame="excel")
    for allowed in ("numpy", "pandas", "polars", "arrow", "excel"):
        assert allowed in str(error.value)


def test_a_single_customer_works():
    one = demo_shop(1, seed=3)
    assert len(one.customers["customer_id"]) == 1


def test_module_needs_only_numpy():
    code = f"""
import importlib.util, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pandas", "polars", "pyarrow"):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
spec = importlib.util.spec_from_file_location("datasets_alone", {datasets.__file__!r})
module = importlib.util.module_from_spec(spec)
sys.modules["datasets_alone"] = module
spec.loader.exec_module(module)
assert len(module.demo_shop(200, seed=1).customers["customer_id"]) == 200
try:
    module.demo_shop(20, frame="pandas")
except ImportError:
    pass
else:
    raise SystemExit("pandas was imported")
"""
    subprocess.run([sys.executable, "-c", code], check=True)


# --- determinism and frames --------------------------------------------------------------------


def test_same_seed_same_tables(shop):
    again = demo_shop(N, seed=11)
    for name in TABLES:
        assert _same(getattr(shop, name), getattr(again, name)), name


def test_different_seeds_differ(shop):
    other = demo_shop(N, seed=12)
    for name in TABLES:
        assert not _same(getattr(shop, name), getattr(other, name)), name


def test_numpy_columns_and_dtypes(shop):
    expected = {
        "int": np.dtype(np.int64),
        "float": np.dtype(np.float64),
        "bool": np.dtype(bool),
        "time": np.dtype("datetime64[us]"),
        "str": np.dtype(object),
    }
    for name, columns in COLUMNS.items():
        table = getattr(shop, name)
        assert list(table) == list(columns), name
        assert len({len(column) for column in table.values()}) == 1, name
        for column, kind in columns.items():
            assert table[column].dtype == expected[kind], (name, column)
            if kind == "str":
                assert all(x is None or isinstance(x, str) for x in table[column]), column


def _frame_dtypes(frame: str) -> tuple[dict[str, object], object]:
    """(expected dtype per kind, function giving a table's column dtypes) for one frame."""
    if frame == "pandas":
        pd = pytest.importorskip("pandas")
        kinds = {
            "int": np.dtype(np.int64),
            "float": np.dtype(np.float64),
            "bool": np.dtype(bool),
            "time": np.dtype("datetime64[us]"),
        }

        def dtypes(table):
            return {c: ("str" if pd.api.types.is_string_dtype(t) else t) for c, t in table.dtypes.items()}

        return {**kinds, "str": "str"}, dtypes
    if frame == "polars":
        pl = pytest.importorskip("polars")
        kinds = {"int": pl.Int64, "float": pl.Float64, "bool": pl.Boolean, "time": pl.Datetime("us"), "str": pl.String}
        return kinds, lambda table: dict(table.schema)
    pa = pytest.importorskip("pyarrow")
    kinds = {
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "time": pa.timestamp("us"),
        "str": pa.string(),
    }
    return kinds, lambda table: {f.name: f.type for f in table.schema}


def _to_numpy(table, frame: str) -> dict[str, np.ndarray]:
    """A frame back to numpy columns in the generator's own form (None for missing strings)."""
    out = {}
    for name in table.columns if frame != "arrow" else table.column_names:
        column = table[name]
        if frame == "pandas":
            if column.dtype.kind == "M":
                values = column.to_numpy(dtype="datetime64[us]")
            elif column.dtype.kind in "ifb":
                values = column.to_numpy()
            else:
                values = np.array([None if not isinstance(x, str) else x for x in column], dtype=object)
        else:
            values = column.to_numpy(zero_copy_only=False) if frame == "arrow" else column.to_numpy()
            if values.dtype.kind in "OUT":
                values = np.array(list(values), dtype=object)
        out[name] = values
    return out


@pytest.mark.parametrize("frame", ["pandas", "polars", "arrow"])
def test_frames_have_the_columns_and_dtypes(frame):
    kinds, dtypes = _frame_dtypes(frame)
    framed = demo_shop(500, seed=2, frame=frame)
    for name, columns in COLUMNS.items():
        got = dtypes(getattr(framed, name))
        assert list(got) == list(columns), (frame, name)
        for column, kind in columns.items():
            assert got[column] == kinds[kind], (frame, name, column, got[column])


@pytest.mark.parametrize("frame", ["pandas", "polars", "arrow"])
def test_all_frames_hold_the_same_values(frame):
    _frame_dtypes(frame)  # skips when the library is missing
    plain = demo_shop(500, seed=2)
    framed = demo_shop(500, seed=2, frame=frame)
    for name in TABLES:
        assert _same(plain_table := getattr(plain, name), _to_numpy(getattr(framed, name), frame)), (
            frame,
            name,
            {c: v[:3] for c, v in plain_table.items()},
        )


# --- the shape of the data ------------------------------------------------------------------------


def test_customer_ids_are_sorted_unique_and_not_dense(shop):
    ids = shop.customers["customer_id"]
    gaps = np.diff(ids)
    assert (gaps >= 1).all()  # sorted, unique
    assert (gaps > 1).mean() > 0.5 and gaps.max() <= 5
    assert ids[0] >= 100_000
    assert 2.5 * N < ids[-1] - ids[0] < 3.5 * N  # about 3 x n_customers


def test_every_table_refers_to_known_customers(shop):
    ids = shop.customers["customer_id"]
    for name in ("events", "surveys", "contacts", "subscriptions"):
        assert np.isin(getattr(shop, name)["customer_id"], ids).all(), name


def test_some_customers_are_prospects_without_events(shop):
    prospects = ~np.isin(shop.customers["customer_id"], shop.events["customer_id"])
    assert 0.08 < prospects.mean() < 0.25


def test_timestamps_are_inside_the_period(shop):
    times = {
        "events": shop.events["timestamp"],
        "created": shop.customers["created"],
        "surveys": shop.surveys["timestamp"],
        "contacts": shop.contacts["timestamp"],
        "start": shop.subscriptions["start"],
        "end": shop.subscriptions["end"],
    }
    for name, t in times.items():
        t = t[~np.isnat(t)]
        assert len(t) and t.min() >= START and t.max() < END, name
    short = demo_shop(200, seed=4, start="2021-03-15T06:00", years=0.5)
    t = short.events["timestamp"]
    assert t.min() >= np.datetime64("2021-03-15T06:00") and t.max() < np.datetime64("2021-09-15T06:00")


def test_events_are_shuffled_with_microsecond_timestamps(shop):
    t = shop.events["timestamp"].astype(np.int64)
    rising = (np.diff(t) > 0).mean()
    assert 0.4 < rising < 0.6  # neither sorted nor reversed: shuffled
    assert not (np.diff(shop.events["customer_id"]) >= 0).all()
    assert (t % 1000 != 0).mean() > 0.9  # sub-millisecond parts


def test_signup_precedes_the_first_event(shop):
    ev, cu = shop.events, shop.customers
    code = np.searchsorted(cu["customer_id"], ev["customer_id"])
    first = np.full(N, np.iinfo(np.int64).max)
    np.minimum.at(first, code, ev["timestamp"].astype(np.int64))
    active = first < np.iinfo(np.int64).max
    assert (cu["created"].astype(np.int64)[active] <= first[active]).all()


def test_event_types_amounts_and_products(shop):
    ev = shop.events
    kind = ev["event"]
    assert set(kind) == {"visit", "login", "purchase", "refund"}
    purchase, refund = kind == "purchase", kind == "refund"
    assert purchase.sum() < (kind == "visit").sum()
    assert (ev["amount"][purchase] > 0).all()
    assert refund.sum() > 0 and (ev["amount"][refund] < 0).all()
    assert refund.sum() < 0.1 * purchase.sum()
    assert (ev["amount"][~purchase & ~refund] == 0).all()
    assert set(ev["product"]) <= {f"P{i:03d}" for i in range(1, 51)}
    assert (ev["duration"] >= 0).all() and (ev["duration"][kind == "visit"] > 0).all()
    assert set(ev["channel"]) == {"web", "app", "store"}
    assert 8 < len(kind) / N < 15  # about 10-12 events per customer


def test_buyers_are_heterogeneous(shop):
    ev = shop.events
    buy = ev["event"] == "purchase"
    ids, count = np.unique(ev["customer_id"][buy], return_counts=True)
    assert 0.15 < (count == 1).mean() < 0.6  # one-time buyers and repeat buyers
    assert count.max() >= 20  # heavy buyers
    pairs = np.unique(np.stack([ev["customer_id"][buy], np.unique(ev["product"], return_inverse=True)[1][buy]]), axis=1)
    distinct = np.unique(pairs[0], return_counts=True)[1]
    assert 0.3 < (distinct >= 2).mean() < 0.9  # upsell: several products


def test_activity_is_seasonal(shop):
    days = shop.events["timestamp"].astype("datetime64[D]")
    weekday = (days.astype(np.int64) + 3) % 7  # Monday 0
    per_day = np.bincount(weekday, minlength=7)
    assert per_day[5:].mean() > 1.15 * per_day[:5].mean()  # weekends
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    per_month = np.bincount(month, minlength=12)
    assert per_month[11] == per_month.max()  # December
    signups = np.bincount(shop.customers["created"].astype("datetime64[M]").astype(np.int64))
    assert signups[signups > 0].max() > 1.8 * signups[signups > 0].min()


def test_customers_churn_and_some_come_back(shop):
    ev, cu = shop.events, shop.customers
    order = np.lexsort((ev["timestamp"], ev["customer_id"]))
    cid, t = ev["customer_id"][order], ev["timestamp"][order]
    same = cid[1:] == cid[:-1]
    comeback = np.unique(cid[1:][same & (t[1:] - t[:-1] > 90 * DAY)])
    active = np.unique(cid)
    assert len(comeback) > 0.02 * len(active)  # a gap of more than 90 days, then activity
    last = np.full(N, np.datetime64("NaT", "us"))
    ends = np.append(~same, True)
    last[np.searchsorted(cu["customer_id"], cid[ends])] = t[ends]
    churned = ~np.isnat(last) & (last < END - 90 * DAY)
    assert 0.2 < churned[~np.isnat(last)].mean() < 0.9
    reason = cu["churn_reason"]
    given = np.array([r is not None for r in reason])
    assert given.any() and given.mean() < 0.5  # missing for most
    assert not (given & ~churned).any()  # only churned customers give a reason
    assert set(reason[given]) == CHURN_REASONS
    country = cu["country"]
    assert 0.02 < np.mean([c is None for c in country]) < 0.1


def test_converted_contacts_are_followed_by_purchases(shop):
    co = shop.contacts
    converted = co["converted"]
    followed = _purchase_within(shop, days=7)
    assert converted.sum() > 10
    assert followed[converted].mean() > 0.95
    assert followed[~converted].mean() < 0.5 * followed[converted].mean()
    assert (co["clicked"] <= co["opened"]).all()
    assert set(co["channel"]) == {"email", "sms", "push"} and (co["cost"] > 0).all()
    assert co["unsubscribed"].any()
    # nobody is contacted after unsubscribing
    gone = co["unsubscribed"]
    stop = dict(zip(co["customer_id"][gone][::-1], co["timestamp"][gone][::-1]))
    assert all(t <= stop.get(c, END) for c, t in zip(co["customer_id"], co["timestamp"]))


def test_survey_scores_and_questions(shop):
    sv = shop.surveys
    score = sv["score"]
    assert score.dtype == np.int64 and score.min() >= 0 and score.max() <= 10
    assert len(np.unique(score)) >= 8  # promoters, passives and detractors
    q = sv["question"]
    assert set(q) == {"recommend", "buy_again", "try_new"}
    # every survey (customer, timestamp) answers the three questions once
    keys, count = np.unique(np.stack([sv["customer_id"], sv["timestamp"].astype(np.int64)]), axis=1, return_counts=True)
    assert (count == 3).all()
    per_customer = np.unique(keys[0], return_counts=True)[1]
    assert per_customer.max() >= 2  # a few customers surveyed twice


def test_subscriptions_change_plans_and_cancel(shop):
    sub = shop.subscriptions
    start, end, mrr, cid = sub["start"], sub["end"], sub["mrr"], sub["customer_id"]
    running = np.isnat(end)
    assert (end[~running] >= start[~running]).all()
    assert (mrr > 0).all()
    same = cid[1:] == cid[:-1]
    # consecutive rows of a customer: the next starts where the previous ended, at another price
    assert (end[:-1][same] == start[1:][same]).all()
    change = mrr[1:][same] - mrr[:-1][same]
    assert (change > 0).any() and (change < 0).any() and (change != 0).all()
    last_row = np.append(~same, True)
    assert running[last_row].any() and (~running[last_row]).any()  # running and cancelled
    assert not running[~last_row].any()
