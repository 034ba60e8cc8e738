"""Synthetic shop data for examples, tests and benchmarks.

:func:`demo_shop` draws a reproducible shop in the input form of the metrics (see METRICS.md,
"Inputs"): an event log (visits, logins, purchases, refunds), a customers table, surveys, CRM
contacts and subscriptions. Customers follow a BG/NBD-like process (gamma-distributed purchase
rates, a dropout chance after each purchase) with seasonal acquisition, weekly / yearly / daily
seasonality, reactivation after a gap, upsell across products, campaign-driven purchases and
plan changes, so every metric of the package has something meaningful to say. The generator is
vectorised numpy (no loop over customers or events) and deterministic for a given seed.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

__all__ = ["DemoShop", "demo_shop"]

FRAMES = ("numpy", "pandas", "polars", "arrow")

_SECOND = 1_000_000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR

EVENTS = ("visit", "login", "purchase", "refund")
_VISIT, _LOGIN, _PURCHASE, _REFUND = range(4)
CHANNELS = ("web", "app", "store")
SEGMENTS = ("retail", "pro", "business")
COUNTRIES = ("FR", "DE", "GB", "US", "ES", "IT", "BE", "NL")
ACQUISITION_CHANNELS = ("organic", "paid_search", "social", "referral", "email", "affiliate")
CHURN_REASONS = (
    "context change",
    "no problem/solution fit",
    "problem/solution misalignment",
    "quality",
    "customer experience",
    "weak activation",
    "other",
)
QUESTIONS = ("recommend", "buy_again", "try_new")
CONTACT_CHANNELS = ("email", "sms", "push")
N_PRODUCTS = 50
PRODUCTS = tuple(f"P{i:03d}" for i in range(1, N_PRODUCTS + 1))
PLAN_MRR = np.array([9.0, 29.0, 79.0, 199.0, 499.0])

# Seasonality. Activity: weekday (Monday first), month, hour of day. Acquisition: month.
_WEEKDAY = np.array([0.90, 0.88, 0.90, 0.94, 1.02, 1.30, 1.22])
_MONTH = np.array([1.00, 0.90, 0.93, 0.95, 0.97, 0.95, 0.88, 0.82, 0.97, 1.00, 1.18, 1.45])
_HOUR_OF_DAY = np.array(
    [0.20, 0.12, 0.08, 0.06, 0.06, 0.10, 0.30, 0.60, 0.90, 1.00, 1.05, 1.10,
     1.20, 1.15, 1.05, 1.00, 1.05, 1.20, 1.40, 1.60, 1.65, 1.40, 0.90, 0.45]
)
_SIGNUP_MONTH = np.array([1.25, 1.00, 1.05, 1.00, 0.95, 0.90, 0.80, 0.75, 1.10, 1.05, 1.30, 1.20])

Table = Any  # dict[str, np.ndarray] | pandas.DataFrame | polars.DataFrame | pyarrow.Table


@dataclass(frozen=True, repr=False)
class DemoShop:
    """The five tables of :func:`demo_shop`, each in the requested frame type."""

    events: Table
    customers: Table
    surveys: Table
    contacts: Table
    subscriptions: Table

    def __repr__(self) -> str:
        def rows(table: Table) -> int:
            return len(next(iter(table.values()))) if isinstance(table, dict) else len(table)

        parts = ", ".join(f"{f.name}={rows(getattr(self, f.name)):,} rows" for f in fields(self))
        return f"DemoShop({parts})"


def demo_shop(
    n_customers: int = 10_000,
    *,
    seed: int = 0,
    start: str = "2023-01-01",
    years: float = 3.0,
    frame: str = "numpy",
) -> DemoShop:
    """Generate a synthetic shop: events, customers, surveys, CRM contacts and subscriptions.

    Parameters
    ----------
    n_customers : number of rows of the customers table (>= 1). About 15 % are prospects who
        never have an event; the event log holds about 10-12 events per customer.
    seed : seed of ``numpy.random.default_rng``; the same arguments give the same tables.
    start, years : the period ``[start, start + years)`` (calendar months, naive UTC) that holds
        every timestamp of every table.
    frame : "numpy" (``dict`` of column arrays), "pandas", "polars" or "arrow" (``pyarrow.Table``).

    Tables (string columns are ``object`` arrays in the numpy form; None = missing):

    - events, rows shuffled: ``customer_id`` int64 (non-dense database ids), ``timestamp``
      datetime64[us], ``event`` ("visit", "login", "purchase", "refund"), ``amount`` float64
      (> 0 for purchases, < 0 for refunds, 0 otherwise), ``product`` ("P001".."P050": the
      product viewed, bought or refunded), ``duration`` float64 seconds of use (0 for refunds),
      ``channel`` ("web", "app", "store").
    - customers, sorted by id: ``customer_id``, ``created`` (signup / lead date, at or before
      the first event), ``segment``, ``country`` (~5 % missing), ``acquisition_channel``,
      ``churn_reason`` (missing unless the customer churned - no event in the last 90 days -
      and gave one of the six reasons or "other").
    - surveys: ``customer_id``, ``timestamp``, ``question`` ("recommend", "buy_again",
      "try_new"), ``score`` int64 0..10; each survey answers all three questions.
    - contacts: ``customer_id``, ``timestamp``, ``campaign``, ``channel`` ("email", "sms",
      "push"), ``opened``, ``clicked``, ``converted``, ``unsubscribed`` (bool), ``cost``
      float64. A converted contact is followed within four days by a purchase; nobody is
      contacted after unsubscribing.
    - subscriptions: ``customer_id``, ``start``, ``end`` (NaT / null = running), ``mrr``
      float64; consecutive rows of one customer are plan changes, an ``end`` without a
      following row is a cancellation.

    Examples
    --------
    >>> shop = demo_shop(1000, seed=1)
    >>> sorted(shop.events)
    ['amount', 'channel', 'customer_id', 'duration', 'event', 'product', 'timestamp']
    >>> shop.events["timestamp"].dtype
    dtype('<M8[us]')
    >>> sorted(set(shop.events["event"]))
    ['login', 'purchase', 'refund', 'visit']
    >>> demo_shop(1000, seed=1, frame="polars").customers.height
    1000
    """
    n = operator.index(n_customers)
    if n < 1:
        raise ValueError(f"n_customers must be >= 1, got {n}")
    if frame not in FRAMES:
        raise ValueError(f"frame must be one of {', '.join(map(repr, FRAMES))}; got {frame!r}")
    if not years > 0:
        raise ValueError(f"years must be > 0, got {years}")
    start_us = np.datetime64(start, "us")
    if np.isnat(start_us):
        raise ValueError("start must be a date, got NaT")
    tables = _Generator(n, np.random.default_rng(seed), start_us, _end_of(start_us, years)).run()
    if frame != "numpy":
        tables = {name: _convert(table, frame) for name, table in tables.items()}
    return DemoShop(**tables)


def _end_of(start: np.datetime64, years: float) -> np.datetime64:
    """start + years, counting whole calendar months, then the fraction of a mean month."""
    months = float(years) * 12.0
    whole = int(np.floor(months + 1e-9))
    month = start.astype("M8[M]")
    end = (month + whole).astype("M8[us]") + (start - month.astype("M8[us]"))
    return end + np.timedelta64(int(round((months - whole) * 30.436875 * _DAY)), "us")


def _pick(rng: np.random.Generator, weights: Any, size: int) -> np.ndarray:
    """Categorical draw: codes 0..len(weights)-1 with probabilities proportional to weights."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right").astype(np.int64)


def _segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, first): the segment of every element and the first element of every segment."""
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    return owner, first


class _Generator:
    """One draw of the shop. Times are int64 microseconds since ``start`` until ``_tables``."""

    def __init__(self, n: int, rng: np.random.Generator, start: np.datetime64, end: np.datetime64):
        self.n, self.rng, self.start = n, rng, start
        self.span = int((end - start) / np.timedelta64(1, "us"))
        self.days = self.span / _DAY
        self._calendar()

    # --- calendar ----------------------------------------------------------------------------
    def _calendar(self) -> None:
        """Hourly activity intensity (weekday x month x hour of day, mean 1) and its integral.

        An event process is drawn in "operational time" u (where intensity is flat) and mapped
        to calendar time through the inverse integral: seasonality for every process at once.
        """
        grid = np.append(np.arange(0, self.span, _HOUR, dtype=np.int64), self.span)
        absolute = self.start.astype(np.int64) + grid[:-1]
        day = absolute // _DAY
        month = day.astype("M8[D]").astype("M8[M]").astype(np.int64) % 12
        intensity = (
            _WEEKDAY[(day + 3) % 7] * _MONTH[month] * _HOUR_OF_DAY[(absolute // _HOUR) % 24]
        )
        length = np.diff(grid).astype(np.float64)
        intensity /= (intensity * length).sum() / length.sum()
        self.grid = grid.astype(np.float64)
        self.op = np.concatenate([[0.0], np.cumsum(intensity * length)])
        self.u_end = float(self.op[-1])

    def to_op(self, t: np.ndarray) -> np.ndarray:
        return np.interp(t, self.grid, self.op)

    def to_time(self, u: np.ndarray) -> np.ndarray:
        """Operational time -> int64 calendar microseconds (clamped to the period end)."""
        return np.interp(u, self.op, self.grid).astype(np.int64)

    # --- main ----------------------------------------------------------------------------------
    def run(self) -> dict[str, dict[str, np.ndarray]]:
        self._customers()
        self._behaviour()
        self._organic()
        self._campaigns()
        self._events()
        self._history()
        return {
            "events": self._event_table(),
            "customers": self._customer_table(),
            "surveys": self._surveys(),
            "contacts": self._contact_table(),
            "subscriptions": self._subscriptions(),
        }

    def _customers(self) -> None:
        rng, n = self.rng, self.n
        self.ids = 100_000 + np.cumsum(rng.integers(1, 6, n)) - 1
        # Signups: seasonal months, a growth trend, a few strong marketing months, weekdays.
        n_days = int(np.ceil(self.days))
        day = self.start.astype("M8[D]") + np.arange(n_days)
        month_index = day.astype("M8[M]").astype(np.int64)
        month_index -= month_index[0]
        boost = rng.lognormal(0.0, 0.25, month_index[-1] + 1)
        weight = (
            _SIGNUP_MONTH[day.astype("M8[M]").astype(np.int64) % 12]
            * boost[month_index]
            * (1.0 + 0.6 * np.arange(n_days) / n_days)
            * np.where((day.astype(np.int64) + 3) % 7 >= 5, 0.85, 1.0)
        )
        t = _pick(rng, weight, n) * _DAY + _pick(rng, _HOUR_OF_DAY, n) * _HOUR
        t += rng.integers(0, _HOUR, n)
        t -= self.start.astype(np.int64) % _DAY  # days are counted from midnight
        self.created = np.clip(t, 0, self.span - 1)
        self.segment = _pick(rng, [0.70, 0.22, 0.08], n)
        self.country = _pick(rng, [0.30, 0.18, 0.14, 0.12, 0.10, 0.08, 0.04, 0.04], n)
        self.country[rng.random(n) < 0.05] = -1
        self.acquisition = _pick(rng, [0.32, 0.22, 0.18, 0.12, 0.10, 0.06], n)
        # First event: in the signup session, within days, or after weeks (weak activation).
        lag_scale = np.array([10 * _MINUTE, 3 * _DAY, 30 * _DAY])[_pick(rng, [0.4, 0.45, 0.15], n)]
        self.first = self.created + (rng.exponential(1.0, n) * lag_scale).astype(np.int64)
        self.activated = (rng.random(n) >= 0.14) & (self.first < self.span)

    def _behaviour(self) -> None:
        rng, n, seg = self.rng, self.n, self.segment
        per_us = 1.0 / _DAY
        # Purchase sessions per day: gamma across customers (mean 1/55 days), more for pro.
        self.lam = rng.gamma(0.9, 1.0 / (55 * 0.9), n) * np.array([1.0, 1.5, 2.0])[seg] * per_us
        self.dropout = rng.beta(1.2, 3.2, n)  # chance of leaving after each purchase
        self.browse = rng.gamma(2.0, 0.7, n)  # browsing sessions per purchase session
        self.login_p = rng.beta(2.0, 3.0, n)
        self.pref_channel = _pick(rng, [0.50, 0.35, 0.15], n)
        popularity = 1.0 / np.arange(1, N_PRODUCTS + 1) ** 0.9
        self.popularity = popularity / popularity.sum()
        self.favourite = _pick(rng, self.popularity, n)
        self.loyalty = rng.beta(2.0, 2.0, n)  # chance a session is about the favourite product
        self.spend = rng.gamma(5.0, 0.2, n) * np.array([1.0, 1.8, 3.0])[seg]
        self.price = np.maximum(np.round(rng.lognormal(np.log(25.0), 0.7, N_PRODUCTS)) - 0.01, 0.99)
        self.satisfaction = 9.0 - 5.0 * self.dropout + rng.normal(0.0, 1.4, n)

    # --- organic activity: spells of purchases (BG/NBD-like) and browsing --------------------
    def _spell(self, cust: np.ndarray, u0: np.ndarray, dropout: np.ndarray):
        """Purchase anchors of one activity spell per customer starting at operational time u0.

        A spell opens with a purchase, repeats at the customer's rate and ends after the k-th
        purchase, k geometric(dropout). Returns (owner, u) of the purchases inside the period
        and, per spell, the operational time of the dropout (inf if still alive at the end).
        """
        rng = self.rng
        k = rng.geometric(dropout)
        expected = self.lam[cust] * (self.u_end - u0)
        cap = np.ceil(expected + 4.0 * np.sqrt(expected) + 3.0).astype(np.int64)
        m = np.minimum(k, cap)  # beyond cap the period end is reached anyway
        owner, first = _segments(m)
        gap = rng.exponential(1.0, int(m.sum())) / self.lam[cust][owner]
        gap[first] = 0.0
        # Segmented cumulative sum in exact integers (uint64 wraps, differences stay right).
        total = np.cumsum(np.minimum(gap, 2.0 * self.span).astype(np.uint64))
        offset = (total - np.repeat(total[first], m)).view(np.int64)
        u = u0[owner] + offset
        last = first + m - 1
        dropped = (k <= cap) & (u[last] < self.u_end)
        drop_u = np.where(dropped, u[last], np.inf)
        inside = u < self.u_end
        return owner[inside], u[inside], drop_u

    def _organic(self) -> None:
        rng, n = self.rng, self.n
        cust = np.flatnonzero(self.activated)
        u0 = self.to_op(self.first[cust])
        dropout = self.dropout[cust]
        # Per spell (first life, then up to two comebacks) and customer: operational start and
        # end of activity (inf / -inf when the customer has no such spell).
        self.spell_start = np.full((3, n), np.inf)
        self.spell_stop = np.full((3, n), -np.inf)
        owners, anchors = [], []
        for spell in range(3):  # a loop over spells, each vectorised over customers
            owner, u, drop_u = self._spell(cust, u0, dropout)
            owners.append(cust[owner])
            anchors.append(u)
            # Browsing goes on a little after the last purchase.
            tail = np.where(np.isfinite(drop_u), rng.exponential(20 * _DAY, len(cust)), 0.0)
            stop = np.minimum(drop_u + tail, self.u_end)
            self.spell_start[spell, cust] = u0
            self.spell_stop[spell, cust] = stop
            # Some of those who left come back after a gap of months.
            back = np.isfinite(drop_u) & (rng.random(len(cust)) < (0.30, 0.20, 0.0)[spell])
            restart = stop + (30 * _DAY + rng.gamma(2.0, 80 * _DAY, len(cust)))
            back &= restart < self.u_end
            cust, u0 = cust[back], restart[back]
            dropout = np.minimum(dropout[back] * 1.5, 0.95)
        # Browsing sessions: Poisson in each spell, at browse x purchase rate.
        spell_cust = np.flatnonzero(np.isfinite(self.spell_start).ravel()) % n
        start = self.spell_start.ravel()[np.isfinite(self.spell_start.ravel())]
        length = self.spell_stop.ravel()[np.isfinite(self.spell_start.ravel())] - start
        count = rng.poisson(self.lam[spell_cust] * self.browse[spell_cust] * length)
        owner, _ = _segments(count)
        browse_cust = spell_cust[owner]
        browse_u = start[owner] + rng.random(len(owner)) * length[owner]
        purchase_cust = np.concatenate(owners)
        self.s_cust = np.concatenate([purchase_cust, browse_cust])
        self.s_time = self.to_time(np.concatenate(anchors + [browse_u]))
        self.s_buy = np.zeros(len(self.s_cust), dtype=bool)
        self.s_buy[: len(purchase_cust)] = True
        self.s_channel = self._channel(self.s_cust)
        self.s_product = self._product(self.s_cust)
        self.s_discount = np.ones(len(self.s_cust))

    def _active(self, cust: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Whether each customer is in a spell, or in the 90 days after one, at time u."""
        start, stop = self.spell_start[:, cust], self.spell_stop[:, cust] + 90 * _DAY
        return ((start <= u) & (u < stop)).any(axis=0)

    def _channel(self, cust: np.ndarray) -> np.ndarray:
        other = self.rng.integers(0, len(CHANNELS), len(cust))
        return np.where(self.rng.random(len(cust)) < 0.75, self.pref_channel[cust], other)

    def _product(self, cust: np.ndarray) -> np.ndarray:
        other = _pick(self.rng, self.popularity, len(cust))
        return np.where(self.rng.random(len(cust)) < self.loyalty[cust], self.favourite[cust], other)

    # --- CRM campaigns -------------------------------------------------------------------------
    def _schedule(self) -> list[tuple[str, int, int, str]]:
        """(name, channel code, send time, audience) of the campaigns, in send order."""
        rng = self.rng
        months = self.start.astype("M8[M]") + np.arange(int(np.ceil(self.days / 28)) + 1)
        plan = []
        for month in months:  # a loop over calendar months, not over customers
            year, m = str(month)[:4], int(str(month)[5:7])
            day = month.astype("M8[D]")
            plan.append((f"newsletter-{month}", 0, day + int(rng.integers(2, 8)), "all"))
            if m == 6:
                plan.append((f"summer-sale-{year}", 2, day + 19, "active"))
            if m == 11:  # the day after the fourth Thursday
                thursday = (3 - (day.astype(np.int64) + 3) % 7) % 7
                plan.append((f"black-friday-{year}", 1, day + int(thursday) + 22, "active"))
            if m == 12:
                plan.append((f"christmas-{year}", 0, day + 9, "active"))
            if m in (3, 6, 9, 12):
                plan.append((f"winback-{year}-q{m // 3}", 0, day + 14, "lapsed"))
        schedule = []
        for name, channel, day, audience in plan:
            t = int((day.astype("M8[us]") - self.start) / np.timedelta64(1, "us")) + 9 * _HOUR
            if 0 <= t < self.span - 7 * _DAY:
                schedule.append((name, channel, t, audience))
        return sorted(schedule, key=lambda campaign: campaign[2])

    def _campaigns(self) -> None:
        """CRM contacts and the sessions they trigger."""
        rng, n = self.rng, self.n
        schedule = self._schedule()
        self.campaign_names = np.array([name for name, *_ in schedule] + [""], dtype=object)
        share = {"all": 0.10, "active": 0.30, "lapsed": 0.40}
        by_signup = np.argsort(self.created, kind="stable")
        signed_up = np.searchsorted(self.created[by_signup], [t for _, _, t, _ in schedule])
        parts = [np.zeros(0, np.int64)]
        for c, (_, _, t, audience) in enumerate(schedule):
            # Draw from everyone signed up, then keep the audience: the same as drawing from it.
            k = int(signed_up[c])
            cust = by_signup[rng.choice(k, rng.binomial(k, share[audience]), replace=False)]
            if audience != "all":
                u = self.to_op(np.array([float(t)]))
                active = self._active(cust, u)
                cust = cust[active] if audience == "active" else cust[~active & (self.first[cust] < t)]
            parts.append(cust * len(schedule) + c)
        code = np.concatenate(parts)
        cust, campaign = code // max(len(schedule), 1), code % max(len(schedule), 1)
        channel = np.array([ch for _, ch, _, _ in schedule] + [0], dtype=np.int8)[campaign]
        sends = np.array([t for _, _, t, _ in schedule] + [0], dtype=np.int64)
        t = sends[campaign] + np.minimum(rng.exponential(30 * _MINUTE, len(cust)), 6 * _HOUR).astype(np.int64)
        # Responses; the customer's status at send time scales the chance to convert.
        status = np.where(self.activated[cust], 0.6, 0.4)
        status[self._active(cust, self.to_op(t.astype(np.float64)))] = 1.0
        k = len(cust)
        opened = rng.random(k) < np.array([0.28, 0.90, 0.45])[channel]
        clicked = opened & (rng.random(k) < np.array([0.18, 0.12, 0.15])[channel])
        converted = rng.random(k) < np.where(clicked, 0.35, 0.006) * status
        unsubscribed = rng.random(k) < np.array([0.004, 0.010, 0.002])[channel]
        # Nobody is contacted after unsubscribing.
        stop = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(stop, cust[unsubscribed], t[unsubscribed])
        keep = t <= stop[cust]
        self.c_cust, self.c_campaign, self.c_channel, self.c_time = (
            cust[keep], campaign[keep], channel[keep], t[keep])
        self.c_opened, self.c_clicked = opened[keep], clicked[keep]
        self.c_converted, self.c_unsubscribed = converted[keep], unsubscribed[keep]
        self.c_cost = np.array([0.002, 0.045, 0.0005])[self.c_channel]
        # Campaign effect: a click opens a session, a conversion a purchase within four days.
        featured = _pick(rng, self.popularity, max(len(schedule), 1))
        react = self.c_clicked | self.c_converted
        rc = self.c_cust[react]
        buy = self.c_converted[react]
        delay = np.where(
            buy,
            np.minimum(rng.exponential(1.0 * _DAY, len(rc)), 4 * _DAY - _HOUR),
            rng.exponential(2 * _HOUR, len(rc)).clip(0, 2 * _DAY),
        ).astype(np.int64)
        channel = np.where(self.c_channel[react] == 2, 1, np.where(rng.random(len(rc)) < 0.7, 0, 1))
        product = np.where(rng.random(len(rc)) < 0.6, featured[self.c_campaign[react]],
                           self._product(rc))
        self.s_cust = np.concatenate([self.s_cust, rc])
        self.s_time = np.concatenate([self.s_time, self.c_time[react] + delay])
        self.s_buy = np.concatenate([self.s_buy, buy])
        self.s_channel = np.concatenate([self.s_channel, channel])
        self.s_product = np.concatenate([self.s_product, product])
        self.s_discount = np.concatenate([self.s_discount, np.where(buy, 0.85, 1.0)])

    # --- sessions -> event rows ----------------------------------------------------------------
    def _events(self) -> None:
        rng = self.rng
        cust, t, buy, channel = self.s_cust, self.s_time, self.s_buy, self.s_channel
        product = self.s_product
        ns = len(cust)
        visit_duration = np.where(buy, rng.lognormal(np.log(300), 0.7, ns),
                                  rng.lognormal(np.log(120), 0.9, ns))
        login = (channel != 2) & (rng.random(ns) < self.login_p[cust])
        login_t = t + rng.integers(5 * _SECOND, 120 * _SECOND, ns)
        b = np.flatnonzero(buy)
        buy_t = t[b] + rng.integers(_MINUTE, 25 * _MINUTE, len(b))
        quantity = 1 + rng.poisson(0.25, len(b))
        amount = self.price[product[b]] * quantity * self.spend[cust[b]] * self.s_discount[b]
        amount = np.maximum(np.round(amount * rng.lognormal(0.0, 0.15, len(b)), 2), 0.5)
        # Refunds: 2.5 % of purchases, a few days later, mostly in full.
        r = rng.random(len(b)) < 0.025
        refund = np.where(rng.random(int(r.sum())) < 0.8, -amount[r],
                          -np.round(amount[r] * rng.uniform(0.2, 0.8, int(r.sum())), 2))
        refund_t = buy_t[r] + _HOUR + rng.exponential(6 * _DAY, int(r.sum())).astype(np.int64)
        nl = int(login.sum())
        self.e_cust = np.concatenate([cust, cust[login], cust[b], cust[b][r]])
        self.e_time = np.concatenate([t, login_t[login], buy_t, refund_t])
        self.e_event = np.concatenate([
            np.full(ns, _VISIT, np.int8), np.full(nl, _LOGIN, np.int8),
            np.full(len(b), _PURCHASE, np.int8), np.full(len(refund), _REFUND, np.int8)])
        self.e_amount = np.concatenate([np.zeros(ns + nl), amount, refund])
        self.e_product = np.concatenate([product, product[login], product[b], product[b][r]])
        self.e_duration = np.round(np.concatenate([
            visit_duration, rng.lognormal(np.log(25), 0.5, nl),
            rng.lognormal(np.log(150), 0.6, len(b)), np.zeros(len(refund))]), 1)
        self.e_channel = np.concatenate([channel, channel[login], channel[b], channel[b][r]])
        keep = self.e_time < self.span
        if not keep.all():
            for name in ("cust", "time", "event", "amount", "product", "duration", "channel"):
                setattr(self, f"e_{name}", getattr(self, f"e_{name}")[keep])

    def _history(self) -> None:
        """Per customer: first and last event, purchase count, churn."""
        n = self.n
        self.last = np.full(n, -1, dtype=np.int64)
        np.maximum.at(self.last, self.e_cust, self.e_time)
        first = np.full(n, self.span, dtype=np.int64)
        np.minimum.at(first, self.e_cust, self.e_time)
        self.first = first
        self.has_events = self.last >= 0
        purchase = self.e_event == _PURCHASE
        self.purchases = np.bincount(self.e_cust[purchase], minlength=n)
        self.churned = self.has_events & (self.last < self.span - 90 * _DAY)

    # --- tables --------------------------------------------------------------------------------
    def _time(self, t: np.ndarray) -> np.ndarray:
        return (t + self.start.astype(np.int64)).view("M8[us]")

    def _event_table(self) -> dict[str, np.ndarray]:
        order = self.rng.permutation(len(self.e_cust))  # a real export is not sorted
        return {
            "customer_id": self.ids[self.e_cust[order]],
            "timestamp": self._time(self.e_time[order]),
            "event": _strings(EVENTS, self.e_event[order]),
            "amount": self.e_amount[order],
            "product": _strings(PRODUCTS, self.e_product[order]),
            "duration": self.e_duration[order],
            "channel": _strings(CHANNELS, self.e_channel[order]),
        }

    def _customer_table(self) -> dict[str, np.ndarray]:
        rng, n = self.rng, self.n
        # Half of the churned customers gave a reason; one-time buyers mostly "weak activation".
        gave = self.churned & (rng.random(n) < 0.5)
        base = np.array([0.18, 0.14, 0.10, 0.16, 0.17, 0.15, 0.10])
        once = np.array([0.10, 0.12, 0.06, 0.10, 0.10, 0.45, 0.07])
        table = np.cumsum(np.stack([base, once]), axis=1)
        group = (self.purchases <= 1).astype(np.int64)
        reason = (rng.random(n)[:, None] * table[group, -1:] >= table[group]).sum(axis=1)
        return {
            "customer_id": self.ids,
            "created": self._time(self.created),
            "segment": _strings(SEGMENTS, self.segment),
            "country": _strings(COUNTRIES, self.country),
            "acquisition_channel": _strings(ACQUISITION_CHANNELS, self.acquisition),
            "churn_reason": _strings(CHURN_REASONS, np.where(gave, reason, -1)),
        }

    def _surveys(self) -> dict[str, np.ndarray]:
        rng = self.rng
        who = np.flatnonzero(self.has_events & (rng.random(self.n) < 0.15))
        window = np.minimum(self.last[who] + 30 * _DAY, self.span - 1) - self.first[who]
        t = self.first[who] + (rng.random(len(who)) * window).astype(np.int64)
        again = rng.random(len(who)) < 0.08
        t2 = t[again] + (rng.random(int(again.sum())) * (self.span - 1 - t[again])).astype(np.int64)
        cust = np.concatenate([who, who[again]])
        t = np.concatenate([t, t2])
        order = np.argsort(t, kind="stable")
        cust, t = cust[order], t[order]
        mood = self.satisfaction[cust] + rng.normal(0.0, 0.6, len(cust))  # one per survey
        shift = np.array([0.0, 0.4, -0.9])
        score = np.rint(mood[:, None] + shift + rng.normal(0.0, 1.0, (len(cust), 3)))
        return {
            "customer_id": np.repeat(self.ids[cust], 3),
            "timestamp": self._time(np.repeat(t, 3)),
            "question": _strings(QUESTIONS, np.tile(np.arange(3), len(cust))),
            "score": np.clip(score, 0, 10).astype(np.int64).ravel(),
        }

    def _contact_table(self) -> dict[str, np.ndarray]:
        order = np.argsort(self.c_time, kind="stable")
        return {
            "customer_id": self.ids[self.c_cust[order]],
            "timestamp": self._time(self.c_time[order]),
            "campaign": self.campaign_names[self.c_campaign[order]],
            "channel": _strings(CONTACT_CHANNELS, self.c_channel[order]),
            "opened": self.c_opened[order],
            "clicked": self.c_clicked[order],
            "converted": self.c_converted[order],
            "unsubscribed": self.c_unsubscribed[order],
            "cost": self.c_cost[order],
        }

    def _subscriptions(self) -> dict[str, np.ndarray]:
        rng, span = self.rng, self.span
        p = np.array([0.08, 0.55, 0.85])[self.segment]
        who = np.flatnonzero(self.has_events & (rng.random(self.n) < p))
        begin = self.first[who] + rng.exponential(3 * _DAY, len(who)).astype(np.int64)
        ok = begin < span - _HOUR
        who, begin = who[ok], begin[ok]
        # Cancellation: churned customers cancel soon after their last event; a few others too.
        cancel = self.last[who] + rng.uniform(0, 30 * _DAY, len(who)).astype(np.int64)
        early = ~self.churned[who] & (rng.random(len(who)) < 0.08)
        cancel[early] = begin[early] + (rng.random(int(early.sum())) * (span - begin[early])).astype(np.int64)
        cancelled = (self.churned[who] | early) & (cancel < span) & (cancel > begin)
        stop = np.where(cancelled, cancel, span)
        # Plan changes at sorted uniform instants; tiers move one step, mostly up.
        rows = 1 + np.minimum(rng.poisson(0.6, len(who)), 4)
        owner, head = _segments(rows)
        cut = begin[owner] + (rng.random(len(owner)) * (stop - begin)[owner]).astype(np.int64)
        cut[head] = begin
        cut = cut[np.lexsort((cut, owner))]
        last_row = head + rows - 1
        end = np.empty_like(cut)
        end[:-1] = cut[1:]
        end[last_row] = stop
        tier0 = np.array([0, 1, 2])[self.segment[who]] + rng.integers(0, 2, len(who))
        step = np.where(rng.random(len(owner)) < 0.65, 1, -1)
        step[head] = 0
        tier = np.repeat(tier0, rows) + (np.cumsum(step) - np.repeat(np.cumsum(step)[head], rows))
        # Reflect at the ends of the price list: a step is a change of plan either way.
        top = len(PLAN_MRR) - 1
        tier = top - np.abs(top - np.abs(tier) % (2 * top))
        end_us = self._time(end)
        end_us[end == span] = np.datetime64("NaT")
        return {
            "customer_id": self.ids[who][owner],
            "start": self._time(cut),
            "end": end_us,
            "mrr": PLAN_MRR[tier],
        }


def _strings(values: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
    """Object array of strings from codes; a negative code is None (missing)."""
    lookup = np.array(list(values) + [None], dtype=object)
    return lookup[np.where(codes < 0, len(values), codes)]


def _convert(table: dict[str, np.ndarray], frame: str) -> Table:
    if frame == "pandas":
        import pandas as pd

        return pd.DataFrame(table)
    import pyarrow as pa

    arrow = pa.table({name: pa.array(column, from_pandas=True) for name, column in table.items()})
    if frame == "arrow":
        return arrow
    import polars as pl

    return pl.from_arrow(arrow)
