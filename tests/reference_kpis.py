"""Slow, obviously-correct references for the per-customer summary and the windowed KPIs.

Plain Python and pandas, customer by customer and period by period, straight from the
definitions (docs/metrics.md and the docstrings): never the code under test. Local calendars
come from pandas' time-zone conversion, period starts from ``datetime.date`` arithmetic.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY_US = 86_400_000_000


@dataclass
class Events:
    """A raw event log as plain Python lists (one entry per row, any order)."""

    customer: list
    ts: list[int]  # µs since the epoch, UTC
    event: list[str] | None = None
    amount: list[float] | None = None
    product: list[str | None] | None = None

    def table(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            "customer_id": np.array(self.customer, dtype=object if isinstance(self.customer[0], str) else np.int64),
            "timestamp": np.array(self.ts, dtype=np.int64).view("datetime64[us]"),
        }
        if self.event is not None:
            out["event"] = np.array(self.event, dtype=object)
        if self.amount is not None:
            out["amount"] = np.array(self.amount, dtype=np.float64)
        if self.product is not None:
            out["product"] = np.array(self.product, dtype=object)
        return out

    def rows(self) -> list[dict]:
        n = len(self.ts)
        return [
            {
                "customer": self.customer[i],
                "ts": self.ts[i],
                "event": None if self.event is None else self.event[i],
                "amount": None if self.amount is None else self.amount[i],
                "product": None if self.product is None else self.product[i],
            }
            for i in range(n)
        ]


# ------------------------------------------------------------------------- calendar


def local_date(ts_us: int, tz: str) -> dt.date:
    return pd.Timestamp(ts_us, unit="us", tz="UTC").tz_convert(tz).date()


def period_start(d: dt.date, period: str, week_start: int) -> dt.date:
    if period == "day":
        return d
    if period == "week":
        return d - dt.timedelta(days=(d.weekday() - week_start) % 7)
    if period == "month":
        return d.replace(day=1)
    if period == "quarter":
        return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return dt.date(d.year, 1, 1)


def next_period(start: dt.date, period: str) -> dt.date:
    if period == "day":
        return start + dt.timedelta(days=1)
    if period == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    m = start.month - 1 + months
    return dt.date(start.year + m // 12, m % 12 + 1, 1)


def midnight_us(d: dt.date, tz: str) -> int:
    """First instant of local day ``d`` (after a DST gap at midnight, the gap's end)."""
    naive = pd.Timestamp(d)
    for minutes in range(1441):
        try:
            ts = (naive + pd.Timedelta(minutes=minutes)).tz_localize(tz, ambiguous=True, nonexistent="raise")
            return ts.value // 1000
        except Exception:
            continue
    raise AssertionError(f"no instant on {d} in {tz}")


def period_of(ts_us: int, tz: str, period: str, week_start: int) -> dt.date:
    return period_start(local_date(ts_us, tz), period, week_start)


# ------------------------------------------------------------------------- summary


def is_purchase(row: dict, purchase_event) -> bool:
    if row["event"] is None or purchase_event is None:
        return True
    wanted = [purchase_event] if isinstance(purchase_event, str) else list(purchase_event)
    return row["event"] in wanted


def summary(
    ev: Events, *, as_of: int | None, tz: str, period: str, week_start: int, purchase_event="purchase"
) -> pd.DataFrame:
    rows = ev.rows()
    as_of = max(ev.ts) if as_of is None else as_of
    out = []
    for cid in sorted(set(ev.customer)):
        mine = sorted((r for r in rows if r["customer"] == cid and r["ts"] <= as_of), key=lambda r: r["ts"])
        buys = [r for r in mine if is_purchase(r, purchase_event)]
        times = [r["ts"] for r in mine]
        btimes = [r["ts"] for r in buys]
        gaps = [(b - a) / DAY_US for a, b in zip(btimes, btimes[1:])]
        if ev.amount is None:
            revenue = math.nan
        else:
            revenue = sum(r["amount"] for r in mine if is_purchase(r, purchase_event) or r["amount"] < 0)
        products = {r["product"] for r in buys if r["product"] is not None}
        out.append(
            {
                "customer_id": cid,
                "first": min(times) if times else None,
                "last": max(times) if times else None,
                "n_events": len(mine),
                "n_purchases": len(buys),
                "n_periods": len({period_of(t, tz, period, week_start) for t in times}),
                "revenue": revenue,
                "n_products": len(products),
                "first_purchase": min(btimes) if btimes else None,
                "last_purchase": max(btimes) if btimes else None,
                "median_gap_days": float(np.median(gaps)) if gaps else math.nan,
                "recency_days": (as_of - max(btimes)) / DAY_US if btimes else math.nan,
                "tenure_days": (as_of - min(times)) / DAY_US if times else math.nan,
            }
        )
    return pd.DataFrame(out)


# ------------------------------------------------------------------------- windows


def _active_rows(rows: list[dict], active_event) -> list[dict]:
    if active_event is None:
        return rows
    wanted = [active_event] if isinstance(active_event, str) else list(active_event)
    return [r for r in rows if r["event"] in wanted]


def period_kpis(
    ev: Events,
    *,
    as_of: int | None,
    tz: str,
    period: str,
    week_start: int,
    window_us: int | None,
    active_event=None,
    purchase_event="purchase",
) -> pd.DataFrame:
    """The active base per period, by brute force over customers and boundaries."""
    as_of = max(ev.ts) if as_of is None else as_of
    rows = [r for r in ev.rows() if r["ts"] <= as_of]
    for r in rows:
        r["period"] = period_of(r["ts"], tz, period, week_start)
    cols = [
        "period",
        "active_start",
        "active_end",
        "new",
        "kept",
        "lost",
        "gained",
        "retention_rate",
        "kept_rate",
        "churn_rate",
        "net_result",
        "active",
        "revenue",
        "orders",
        "revenue_per_active",
        "orders_per_active",
        "complete",
    ]
    if not rows:
        return pd.DataFrame({c: [] for c in cols})
    first = period_of(min(r["ts"] for r in rows), tz, period, week_start)
    last = period_of(as_of, tz, period, week_start)
    starts = [first]
    while starts[-1] != last:
        starts.append(next_period(starts[-1], period))
    bounds_dates = starts + [next_period(last, period)]
    bounds = [midnight_us(d, tz) for d in bounds_dates]
    # the period before the first one (its start bounds the window of boundary 0)
    prev = first
    while next_period(prev, period) != first:
        prev = prev - dt.timedelta(days=1)
        prev = period_start(prev, period, week_start)
    before_first = midnight_us(prev, tz)

    customers = sorted({r["customer"] for r in rows})
    act = {c: [r for r in _active_rows(rows, active_event) if r["customer"] == c] for c in customers}

    def active_at(c, k: int) -> bool:
        b = bounds[k]
        if window_us is None:
            lo = bounds[k - 1] if k > 0 else before_first
        else:
            lo = b - window_us
        return any(lo <= r["ts"] < b for r in act[c])

    first_active = {c: min((r["ts"] for r in act[c]), default=None) for c in customers}
    first_period = {c: None if t is None else period_of(t, tz, period, week_start) for c, t in first_active.items()}
    out = []
    for p, start in enumerate(starts):
        s = {c for c in customers if active_at(c, p)}
        e = {c for c in customers if active_at(c, p + 1)}
        new = {c for c in e if first_period[c] == start}
        in_p = [r for r in rows if r["period"] == start]
        active = {r["customer"] for r in _active_rows(in_p, active_event)}
        if ev.amount is None:
            revenue = math.nan
        else:
            revenue = sum(r["amount"] for r in in_p if is_purchase(r, purchase_event) or r["amount"] < 0)
        orders = sum(1 for r in in_p if is_purchase(r, purchase_event))

        def rate(num, den):
            return num / den * 100 if den else math.nan

        out.append(
            {
                "period": np.datetime64(start, "D"),
                "active_start": len(s),
                "active_end": len(e),
                "new": len(new),
                "kept": len(s & e),
                "lost": len(s - e),
                "gained": len(e - s),
                "retention_rate": rate(len(e) - len(new), len(s)),
                "kept_rate": rate(len(s & e), len(s)),
                "churn_rate": rate(len(s - e), len(s)),
                "net_result": len(e - s) - len(s - e),
                "active": len(active),
                "revenue": revenue,
                "orders": orders,
                "revenue_per_active": revenue / len(active) if active else math.nan,
                "orders_per_active": orders / len(active) if active else math.nan,
                "complete": bounds[p + 1] - 1 <= as_of,
            }
        )
    return pd.DataFrame(out, columns=cols)


def rolling_active(ev: Events, *, as_of: int | None, tz: str, window_days: int, active_event=None) -> pd.DataFrame:
    as_of = max(ev.ts) if as_of is None else as_of
    rows = [r for r in ev.rows() if r["ts"] <= as_of]
    if not rows:
        return pd.DataFrame({"day": [], "active": []})
    first = local_date(min(r["ts"] for r in rows), tz)
    last = local_date(as_of, tz)
    days_of = [(r["customer"], local_date(r["ts"], tz)) for r in _active_rows(rows, active_event)]
    out = []
    d = first
    while d <= last:
        lo = d - dt.timedelta(days=window_days - 1)
        out.append({"day": np.datetime64(d, "D"), "active": len({c for c, e in days_of if lo <= e <= d})})
        d += dt.timedelta(days=1)
    return pd.DataFrame(out)


# ------------------------------------------------------------------------- random logs

try:
    from hypothesis import strategies as st
    from strategies import biased_instants, tied
except ImportError:  # pragma: no cover - hypothesis is a test extra
    st = None

#: Zones with DST at 02:00 / 03:00 (Paris, New York), at midnight (São Paulo in 2018-19),
#: a half-hour DST shift (Lord Howe) and a fixed +05:30 offset (Kolkata).
ZONES = ("UTC", "Europe/Paris", "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kolkata")
BASE_US = int(np.datetime64("2018-09-01T00:00:00", "us").astype(np.int64))
SPAN_DAYS = 240

if st is not None:
    _seconds = st.one_of(
        st.integers(0, 86_399),
        st.sampled_from([0, 1800, 2 * 3600, 3 * 3600, 4 * 3600, 13 * 3600, 14 * 3600, 22 * 3600, 23 * 3600, 86_399]),
    )
    _micros = st.one_of(st.sampled_from([0, 1, 999_999]), st.integers(0, 999_999))
    # plain instants, and often an edge: a DST transition or a local midnight +-1 µs
    instants = biased_instants(
        st.builds(
            lambda d, s, u: BASE_US + d * DAY_US + s * 1_000_000 + u, st.integers(-3, SPAN_DAYS), _seconds, _micros
        ),
        BASE_US,
        SPAN_DAYS,
    )

    @st.composite
    def event_logs(draw, *, min_customers: int = 1) -> Events:
        """Unsorted logs of a few customers (int or str ids, non-dense), clustered in time so
        that customers share periods, with optional event / amount / product columns."""
        n_ids = draw(st.integers(min_customers, 8))
        if draw(st.booleans()):
            pool = [f"cust-{k * 37 % 101:03d}" for k in range(n_ids)]
        else:
            pool = [k * 7919 - 20_000 for k in range(n_ids)]
        n = draw(st.integers(1, 36))
        customer = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
        if draw(st.booleans()):  # bursts: events a few hours / days apart
            anchor = draw(instants)
            ts = [
                anchor + draw(st.integers(-40, 40)) * draw(st.sampled_from([3_600_000_000, DAY_US, 7 * DAY_US]))
                for _ in range(n)
            ]
        else:
            ts = draw(tied(instants, n))  # some instants exact copies of others
        ev = Events(customer, ts)
        if draw(st.booleans()):
            ev.event = draw(st.lists(st.sampled_from(["purchase", "visit", "refund"]), min_size=n, max_size=n))
            ev.event[0] = "purchase"  # the default purchase_event exists in the log
        if draw(st.booleans()):
            ev.amount = [q / 4 for q in draw(st.lists(st.integers(-200, 800), min_size=n, max_size=n))]
        if draw(st.booleans()):
            ev.product = draw(st.lists(st.sampled_from(["A", "B", "C", None]), min_size=n, max_size=n))
        return ev

    @st.composite
    def as_of_for(draw, ev: Events) -> int | None:
        """None (the latest event), an event instant exactly, or any instant around the data."""
        return draw(st.one_of(st.none(), st.sampled_from(ev.ts), instants))
