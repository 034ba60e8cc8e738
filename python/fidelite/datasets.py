"""Synthetic shop data for examples, tests and benchmarks.

:func:`demo_shop` draws a reproducible shop in the input form of the metrics (docs/metrics.md,
"Inputs"): an event log (visits, logins, purchases, refunds), a customers table, surveys, CRM
contacts and subscriptions. Customers follow a BG/NBD-like process (gamma-distributed purchase
rates, a chance to drop out after each purchase), with seasonal acquisition, weekly / yearly /
daily seasonality, comebacks after months of silence, upsell across products, campaign-driven
purchases and plan changes, so that every metric of the package has something to measure.
Fully vectorised numpy and deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

__all__ = ["PROGRAMME_EFFECT", "PROGRAMME_TIERS", "PROGRAMME_WINDOW_DAYS", "DemoShop", "demo_shop"]

#: The effect the demo's loyalty programme has, by construction: each member makes on
#: average this many extra purchases in the :data:`PROGRAMME_WINDOW_DAYS` days after
#: joining (a Poisson number of them, on top of the purchases she would have made anyway).
PROGRAMME_EFFECT = 0.5
#: The days after joining in which the programme's extra purchases fall.
PROGRAMME_WINDOW_DAYS = 90
#: The demo programme's tiers and the points earned over the last 365 days each needs.
PROGRAMME_TIERS = {"bronze": 0.0, "silver": 150.0, "gold": 500.0}

Table = Any  # dict[str, np.ndarray] | pandas.DataFrame | polars.DataFrame | pyarrow.Table

_FRAMES = ("numpy", "pandas", "polars", "arrow")

_SECOND = 1_000_000  # times are int64 microseconds
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR

_EVENTS = ("visit", "login", "purchase", "refund")
_VISIT, _LOGIN, _PURCHASE, _REFUND = range(4)
_CHANNELS = ("web", "app", "store")
_SEGMENTS = ("retail", "pro", "business")
_COUNTRIES = ("FR", "DE", "GB", "US", "ES", "IT", "BE", "NL")
_ACQUISITION = ("organic", "paid_search", "social", "referral", "email", "affiliate")
_CHURN_REASONS = (
    "context change",
    "no problem/solution fit",
    "problem/solution misalignment",
    "quality",
    "customer experience",
    "weak activation",
    "other",
)
_QUESTIONS = ("recommend", "buy_again", "try_new")
_CONTACT_CHANNELS = ("email", "sms", "push")
_PRODUCTS = tuple(f"P{i:03d}" for i in range(1, 51))
_PLAN_MRR = np.array([9.0, 29.0, 79.0, 199.0, 499.0])
_MEMBER_SHARE = 0.35  # of the customers with an event before their join instant
_REWARD = 250.0  # points of one reward
_PROGRAMME_EVENTS = ("join", "earn", "redeem", "tier")

# Activity intensity by weekday (Monday first), month and hour of day; signups by month.
_WEEKDAY = np.array([0.90, 0.88, 0.90, 0.94, 1.02, 1.30, 1.22])
_MONTH = np.array([1.00, 0.90, 0.93, 0.95, 0.97, 0.95, 0.88, 0.82, 0.97, 1.00, 1.18, 1.45])
_HOUR_OF_DAY = np.array(
    [
        0.20,
        0.12,
        0.08,
        0.06,
        0.06,
        0.10,
        0.30,
        0.60,
        0.90,
        1.00,
        1.05,
        1.10,
        1.20,
        1.15,
        1.05,
        1.00,
        1.05,
        1.20,
        1.40,
        1.60,
        1.65,
        1.40,
        0.90,
        0.45,
    ]
)
_SIGNUP_MONTH = np.array([1.25, 1.00, 1.05, 1.00, 0.95, 0.90, 0.80, 0.75, 1.10, 1.05, 1.30, 1.20])


@dataclass(frozen=True, repr=False)
class DemoShop:
    """The six tables of :func:`demo_shop`, each in the requested frame type."""

    events: Table
    customers: Table
    surveys: Table
    contacts: Table
    subscriptions: Table
    programme: Table

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
    tz: str = "UTC",
    frame: str = "numpy",
    programme_effect: float = PROGRAMME_EFFECT,
) -> DemoShop:
    """Generate a synthetic shop: events, customers, surveys, CRM contacts, subscriptions and
    a loyalty programme.

    Parameters
    ----------
    n_customers : rows of the customers table (>= 1). About 15 % are prospects who never have
        an event; the event log holds about 10-12 events per customer.
    seed : seed of ``numpy.random.default_rng``; the same arguments give the same tables.
    start, years : every timestamp of every table lies in ``[start, start + years)`` in the
        local wall time of ``tz`` (whole years are calendar years).
    tz : the shop's time zone (IANA name): its customers live by its clock (daily, weekly and
        yearly rhythms in local time) and its data fit its calendar, so that an
        :class:`~fidelite.EventLog` with the same ``tz`` sees whole months and years, with no
        event spilling into a period after ``start + years``. Timestamps are UTC instants
        (naive datetime64, as the package reads them), whatever ``tz``.
    programme_effect : extra purchases a member makes on average in the
        :data:`PROGRAMME_WINDOW_DAYS` days after joining (default :data:`PROGRAMME_EFFECT`;
        0: a programme without effect, whose events are exactly those of the other tables'
        shop).
    frame : "numpy" (a ``dict`` of column arrays per table), "pandas", "polars" or "arrow"
        (``pyarrow.Table``); the other frames need their package (else
        :class:`~fidelite.exceptions.MissingDependencyError` names the extra to install).

    Tables (in the numpy form strings are ``object`` arrays and None is missing):

    - events, rows in random order: ``customer_id`` int64 (non-dense database ids),
      ``timestamp`` datetime64[us], ``event`` ("visit", "login", "purchase", "refund"),
      ``amount`` float64 (> 0 for purchases, < 0 for refunds, 0 otherwise), ``product``
      ("P001".."P050": viewed, bought or refunded), ``duration`` float64 seconds of use (whole
      seconds; 0 for refunds), ``channel`` ("web", "app", "store").
    - customers, by id: ``customer_id``, ``created`` (signup / lead date, at or before the first
      event), ``segment`` ("retail", "pro", "business"), ``country`` (ISO code, ~5 % missing),
      ``acquisition_channel``, ``churn_reason`` (missing unless the customer churned - no event
      in the last 90 days - and gave one of the six churn reasons of docs/metrics.md or "other").
    - surveys, by time: ``customer_id``, ``timestamp``, ``question`` ("recommend",
      "buy_again", "try_new"), ``score`` int64 0..10; a survey answers all three questions.
    - contacts, by time: ``customer_id``, ``timestamp``, ``campaign``, ``channel`` ("email",
      "sms", "push"), ``opened``, ``clicked``, ``converted``, ``unsubscribed`` (bool),
      ``cost`` float64. A converted contact is followed by a purchase within four days;
      nobody is contacted after unsubscribing.
    - subscriptions, by customer and start: ``customer_id``, ``start``, ``end`` (NaT / null =
      running), ``mrr`` float64. Consecutive rows of a customer are plan changes (upgrades,
      downgrades); an ``end`` with no following row is a cancellation.
    - programme, by time: the loyalty programme, launched a year after ``start`` (a third
      of the span when shorter): ``customer_id``, ``timestamp``, ``event`` ("join", "earn",
      "redeem", "tier"), ``points`` float64 (earned: one per whole currency unit of each
      purchase after joining; redeemed: 250 a reward; 0 on join and tier rows), ``tier``
      ("bronze", "silver", "gold" on join and tier rows, else missing: the tier follows the
      points earned over the last 365 days, :data:`PROGRAMME_TIERS`, reviewed monthly).
      About a third of the customers join, at a random instant after their first event.
      The programme has a known effect: a member makes :data:`PROGRAMME_EFFECT` extra
      purchases on average in the :data:`PROGRAMME_WINDOW_DAYS` days after joining (the
      events table holds them, after the other rows), which
      :func:`fidelite.programme_impact` recovers.

    Examples
    --------
    >>> shop = demo_shop(1000, seed=1)
    >>> sorted(shop.events)
    ['amount', 'channel', 'customer_id', 'duration', 'event', 'product', 'timestamp']
    >>> shop.events["timestamp"].dtype
    dtype('<M8[us]')
    >>> sorted(set(shop.events["event"]))
    ['login', 'purchase', 'refund', 'visit']
    >>> len(shop.customers["customer_id"]), shop.customers["created"].dtype
    (1000, dtype('<M8[us]'))

    With ``tz``, the data fit the local calendar: the last event of a 2023-2025 shop in
    Paris falls on December 31st, 2025 in Paris (22:59 UTC at the latest).

    >>> paris = demo_shop(1000, seed=1, tz="Europe/Paris")
    >>> bool(paris.events["timestamp"].max() < np.datetime64("2025-12-31T23:00"))
    True
    """
    n = operator.index(n_customers)
    if n < 1:
        raise ValueError(f"n_customers must be >= 1, got {n}")
    if frame not in _FRAMES:
        raise ValueError(f"frame must be one of {', '.join(map(repr, _FRAMES))}; got {frame!r}")
    if not (isinstance(programme_effect, (int, float)) and programme_effect >= 0):
        raise ValueError(f"programme_effect must be a number >= 0, got {programme_effect!r}")
    if not years > 0:
        raise ValueError(f"years must be > 0, got {years!r}")
    first = np.datetime64(start, "us")
    if np.isnat(first):
        raise ValueError("start must be a date, got NaT")
    zone = _zone(tz)
    if frame != "numpy":  # a missing package fails before the draw (imports kept lazy: numpy alone
        from ._deps import import_optional  # runs this module)

        import_optional({"pandas": "pandas", "arrow": "pyarrow", "polars": "polars"}[frame], f"build {frame} frames")
    # the programme draws from its own stream: the other tables are those of a shop without one
    streams = np.random.default_rng(seed), np.random.default_rng([seed, 4])
    tables = _Shop(n, *streams, first, _add_years(first, years), zone, float(programme_effect)).tables()
    if frame != "numpy":
        tables = {name: _convert(table, frame) for name, table in tables.items()}
    return DemoShop(**tables)


def _zone(tz: str) -> Any:
    """The ``zoneinfo`` zone of ``tz`` (None for UTC), or a TimeZoneError."""
    if tz == "UTC":
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as e:
        from .exceptions import TimeZoneError

        raise TimeZoneError(f"unknown time zone {tz!r}: use an IANA name such as 'Europe/Paris'") from e


def _add_years(start: np.datetime64, years: float) -> np.datetime64:
    """start + years: whole calendar months, then the remaining fraction of a mean month."""
    months = float(years) * 12.0
    whole = int(np.floor(months + 1e-9))
    month = start.astype("M8[M]")
    end = (month + whole).astype("M8[us]") + (start - month.astype("M8[us]"))
    return end + np.timedelta64(int(round((months - whole) * 30.436875 * _DAY)), "us")


def _pick(rng: np.random.Generator, weights: Any, size: int) -> np.ndarray:
    """Codes 0..len(weights)-1 drawn with probabilities proportional to weights."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")


def _segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of the given sizes laid end to end: group of every element, group starts."""
    return np.repeat(np.arange(len(counts)), counts), np.cumsum(counts) - counts


def _strings(values: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
    """Object array of strings from codes; a negative code is None (missing)."""
    return np.array([*values, None], dtype=object)[codes]  # code -1 -> the None at the end


class _Shop:
    """One draw. Times are int64 microseconds since ``start`` until the tables are built.

    Activity is drawn in "operational time" u, in which the seasonal intensity is flat, and
    mapped to calendar time through the inverse of the intensity's integral: one mapping gives
    every process the weekly, yearly and daily seasonality.
    """

    def __init__(
        self,
        n: int,
        rng: np.random.Generator,
        programme_rng: np.random.Generator,
        start: np.datetime64,
        end: np.datetime64,
        zone: Any = None,
        programme_effect: float = PROGRAMME_EFFECT,
    ):
        self.n, self.rng, self.start, self.zone = n, rng, start, zone
        self.programme_rng, self.programme_effect = programme_rng, programme_effect
        self.span = int((end - start) / np.timedelta64(1, "us"))
        self.days = self.span / _DAY
        grid = np.append(np.arange(0, self.span, _HOUR, dtype=np.int64), self.span)
        absolute = start.astype(np.int64) + grid[:-1]
        day = absolute // _DAY
        month = day.astype("M8[D]").astype("M8[M]").astype(np.int64) % 12
        hour = (absolute // _HOUR) % 24
        intensity = _WEEKDAY[(day + 3) % 7] * _MONTH[month] * _HOUR_OF_DAY[hour]
        length = np.diff(grid).astype(np.float64)
        intensity *= length.sum() / (intensity * length).sum()  # mean 1
        self.op = np.concatenate([[0.0], np.cumsum(intensity * length)])  # u at hour starts
        self.u_end = float(self.op[-1])
        self.intensity = intensity
        self.hour_start = grid[:-1].astype(np.float64)
        # Inverse lookup: cells of u narrower than any hour hold at most one hour start.
        self.cell = 0.999 * float(np.diff(self.op).min())
        cells = np.arange(int(self.u_end / self.cell) + 2) * self.cell
        self.next_hour = np.searchsorted(self.op, cells, side="right").astype(np.int32)

    def to_op(self, t: np.ndarray) -> np.ndarray:
        """Calendar microseconds -> operational time."""
        hour = np.minimum(np.asarray(t) // _HOUR, len(self.intensity) - 1).astype(np.intp)
        return self.op[hour] + (t - self.hour_start[hour]) * self.intensity[hour]

    def to_time(self, u: np.ndarray) -> np.ndarray:
        """Operational time (< u_end) -> int64 calendar microseconds."""
        after = self.next_hour[(u / self.cell).astype(np.intp)]
        hour = after - 1 + (u >= self.op[np.minimum(after, len(self.intensity))])
        t = self.hour_start[hour] + (u - self.op[hour]) / self.intensity[hour]
        return np.minimum(t, self.span - 1).astype(np.int64)

    def tables(self) -> dict[str, dict[str, np.ndarray]]:
        self._customers()
        self._organic()
        self._campaigns()
        self._events()
        self._history()
        tables = {
            "events": self._event_table(),
            "customers": self._customer_table(),
            "surveys": self._survey_table(),
            "contacts": self._contact_table(),
            "subscriptions": self._subscription_table(),
        }
        extra, tables["programme"] = self._programme()
        tables["events"] = {k: np.concatenate([v, extra[k]]) for k, v in tables["events"].items()}
        return tables

    # --- customers and their traits --------------------------------------------------------
    def _customers(self) -> None:
        rng, n = self.rng, self.n
        self.ids = 100_000 + np.cumsum(rng.integers(1, 6, n)) - 1  # ids with gaps
        # Signups: seasonal months, growth, a few strong marketing months, quieter weekends.
        n_days = int(np.ceil(self.days))
        day = self.start.astype("M8[D]") + np.arange(n_days)
        month = day.astype("M8[M]").astype(np.int64)
        boost = rng.lognormal(0.0, 0.25, month[-1] - month[0] + 1)[month - month[0]]
        weekend = np.where((day.astype(np.int64) + 3) % 7 >= 5, 0.85, 1.0)
        growth = 1 + 0.6 * np.arange(n_days) / n_days
        weight = _SIGNUP_MONTH[month % 12] * boost * weekend * growth
        t = _pick(rng, weight, n) * _DAY + _pick(rng, _HOUR_OF_DAY, n) * _HOUR
        t += rng.integers(0, _HOUR, n) - self.start.astype(np.int64) % _DAY
        self.created = np.clip(t, 0, self.span - 1)
        self.segment = _pick(rng, [0.70, 0.22, 0.08], n)
        country = _pick(rng, [30, 18, 14, 12, 10, 8, 4, 4], n)
        self.country = np.where(rng.random(n) < 0.05, -1, country)  # -1: missing
        self.acquisition = _pick(rng, [32, 22, 18, 12, 10, 6], n)
        # First event: in the signup session, within days, or weeks later (weak activation).
        lag = np.array([10 * _MINUTE, 3 * _DAY, 30 * _DAY])[_pick(rng, [0.4, 0.45, 0.15], n)]
        self.first = self.created + _SECOND + (rng.exponential(1.0, n) * lag).astype(np.int64)
        self.activated = (rng.random(n) >= 0.15) & (self.first < self.span)
        # Behaviour. Purchase rate per microsecond: gamma across customers, mean 1 / 80 days.
        segment_rate = np.array([1.0, 1.5, 2.0])[self.segment]
        self.rate = rng.gamma(0.9, 1.0 / (80 * 0.9), n) * segment_rate / _DAY
        self.dropout = rng.beta(1.2, 3.2, n)  # chance of leaving after each purchase
        self.browse = rng.gamma(2.0, 0.7, n)  # browsing sessions per purchase session
        self.login = rng.beta(2.0, 3.0, n)  # chance a web / app session starts with a login
        self.channel = _pick(rng, [0.50, 0.35, 0.15], n).astype(np.int8)  # preferred channel
        popularity = 1.0 / np.arange(1, len(_PRODUCTS) + 1) ** 0.9
        self.popularity = popularity / popularity.sum()
        # Popularity draws by table lookup (probabilities rounded to 1 / 65536).
        edges = np.rint(np.cumsum(np.append(0.0, self.popularity)) * 65536).astype(np.int64)
        counts = np.diff(edges)
        self.by_popularity = np.repeat(np.arange(len(_PRODUCTS), dtype=np.int8), counts)
        self.favourite = self.by_popularity[rng.integers(0, 65536, n)]
        self.loyalty = rng.beta(2.0, 2.0, n)  # chance a session is about the favourite
        self.spend = rng.gamma(5.0, 0.2, n) * np.array([1.0, 1.8, 3.0])[self.segment]
        price = np.round(rng.lognormal(np.log(25.0), 0.7, len(_PRODUCTS))) - 0.01
        self.price = np.maximum(price, 0.99)
        self.satisfaction = 9.0 - 5.0 * self.dropout + rng.normal(0.0, 1.4, n)

    def _session_traits(self, cust: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Channel (mostly the preferred one) and product (favourite or by popularity)."""
        rng, k = self.rng, len(cust)
        r = rng.random(k)  # below 0.75: the preferred channel, else one of the three
        channel = np.where(r < 0.75, self.channel[cust], (12 * r - 9).astype(np.int8))
        product = self.favourite[cust]
        other = np.flatnonzero(rng.random(k) >= self.loyalty[cust])
        product[other] = self.by_popularity[rng.integers(0, 65536, len(other))]
        return channel, product

    # --- organic activity: BG/NBD-like spells of purchases, browsing around them ----------
    def _spell(
        self, cust: np.ndarray, u0: np.ndarray, dropout: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Purchases of one spell per customer, opening with a purchase at operational time u0.

        Repeat purchases come at the customer's rate; the customer leaves after the k-th, k
        geometric(dropout). Returns the (spell, u) of the purchases inside the period and the
        dropout time of every spell (inf when still alive at the end).
        """
        rng = self.rng
        k = rng.geometric(dropout)
        expected = self.rate[cust] * (self.u_end - u0)
        cap = np.ceil(expected + 4.0 * np.sqrt(expected) + 3.0).astype(np.int64)
        m = np.minimum(k, cap)  # purchases past the cap fall after the end anyway
        owner, head = _segments(m)
        gap = rng.exponential(1.0, int(m.sum())) / self.rate[cust][owner]
        gap[head] = 0.0
        # Cumulative sum per spell in exact integers (uint64 wraps; differences stay right).
        total = np.cumsum(np.minimum(gap, 2.0 * self.span).astype(np.uint64))
        u = u0[owner] + (total - np.repeat(total[head], m)).view(np.int64)
        last = head + m - 1
        drop = np.where((k <= cap) & (u[last] < self.u_end), u[last], np.inf)
        inside = u < self.u_end
        return owner[inside], u[inside], drop

    def _organic(self) -> None:
        rng, n = self.rng, self.n
        cust = np.flatnonzero(self.activated)
        u0 = self.to_op(self.first[cust])
        dropout = self.dropout[cust]
        # Operational start and end of each spell (first life, up to two comebacks).
        self.spell_start = np.full((n, 3), np.inf)
        self.spell_stop = np.full((n, 3), -np.inf)
        buyers: list[np.ndarray] = []
        anchors: list[np.ndarray] = []
        for spell in range(3):  # a loop over spells, each vectorised over customers
            owner, u, drop = self._spell(cust, u0, dropout)
            buyers.append(cust[owner])
            anchors.append(u)
            # Browsing goes on for a while after the last purchase.
            left = np.isfinite(drop)
            tail = np.where(left, rng.exponential(20 * _DAY, len(cust)), 0.0)
            stop = np.minimum(drop + tail, self.u_end)
            self.spell_start[cust, spell] = u0
            self.spell_stop[cust, spell] = stop
            # Some of those who left come back months later, less loyal.
            restart = stop + 30 * _DAY + rng.gamma(2.0, 80 * _DAY, len(cust))
            back = left & (rng.random(len(cust)) < (0.30, 0.20, 0.0)[spell])
            back &= restart < self.u_end
            cust, u0, dropout = cust[back], restart[back], np.minimum(1.5 * dropout[back], 0.95)
        # Browsing sessions: Poisson over each spell at browse x purchase rate.
        flat = np.flatnonzero(np.isfinite(self.spell_start.ravel()))
        spell_cust = flat // 3
        begin = self.spell_start.ravel()[flat]
        length = self.spell_stop.ravel()[flat] - begin
        owner, _ = _segments(rng.poisson(self.rate[spell_cust] * self.browse[spell_cust] * length))
        browse_u = begin[owner] + rng.random(len(owner)) * length[owner]
        self.s_cust = np.concatenate([*buyers, spell_cust[owner]])
        self.s_time = self.to_time(np.concatenate([*anchors, browse_u]))
        self.s_buy = np.arange(len(self.s_cust)) < sum(map(len, buyers))
        self.s_channel, self.s_product = self._session_traits(self.s_cust)
        self.s_price = np.ones(len(self.s_cust))
        # For _active: per customer spell starts and spell ends + 90 days, in days, one record.
        recent = np.concatenate([self.spell_start, self.spell_stop + 90 * _DAY], axis=1) / _DAY
        self.recent = recent.astype(np.float32).view("V24").ravel()

    def _active(self, cust: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Whether each customer is in a spell, or within 90 days after one, at time u."""
        spells = self.recent[cust].view(np.float32).reshape(-1, 6)
        day = (u / _DAY).astype(np.float32)
        inside = [(spells[:, i] <= day) & (day < spells[:, 3 + i]) for i in range(3)]
        return inside[0] | inside[1] | inside[2]

    # --- CRM campaigns -----------------------------------------------------------------------
    def _schedule(self) -> list[tuple[str, int, int, str]]:
        """(name, channel code, send time, audience) of every campaign, in send order."""
        plan = []
        months = self.start.astype("M8[M]") + np.arange(int(np.ceil(self.days / 28)) + 1)
        for month in months:  # a loop over calendar months
            year, m = str(month)[:4], int(str(month)[5:7])
            day = month.astype("M8[D]")
            plan.append((f"newsletter-{month}", 0, day + int(self.rng.integers(2, 8)), "all"))
            if m == 6:
                plan.append((f"summer-sale-{year}", 2, day + 19, "active"))
            if m == 11:  # the day after the fourth Thursday
                thursday = int((3 - (day.astype(np.int64) + 3) % 7) % 7)
                plan.append((f"black-friday-{year}", 1, day + thursday + 22, "active"))
            if m == 12:
                plan.append((f"christmas-{year}", 0, day + 9, "active"))
            if m % 3 == 0:
                plan.append((f"winback-{year}-q{m // 3}", 0, day + 14, "lapsed"))
        schedule = []
        for name, channel, day, audience in plan:
            t = int((day.astype("M8[us]") - self.start) / np.timedelta64(1, "us")) + 9 * _HOUR
            if 0 <= t < self.span - 7 * _DAY:
                schedule.append((name, channel, t, audience))
        return sorted(schedule, key=lambda campaign: campaign[2])

    def _campaigns(self) -> None:
        """Contacts, their responses and the sessions they trigger."""
        rng, n = self.rng, self.n
        schedule = self._schedule()
        self.campaign_names = np.array([c[0] for c in schedule] + [""], dtype=object)
        share = {"all": 0.10, "active": 0.30, "lapsed": 0.40}
        by_signup = np.argsort(self.created, kind="stable")
        signed_up = np.searchsorted(self.created[by_signup], [c[2] for c in schedule])
        # Draw among everyone signed up, then keep the audience: a draw in the audience.
        targets = [
            by_signup[np.flatnonzero(rng.random(int(k)) < share[c[3]])] for c, k in zip(schedule, signed_up)
        ]  # a loop over campaigns
        cust = np.concatenate([np.zeros(0, np.int64), *targets])
        campaign = np.repeat(np.arange(len(schedule)), [len(x) for x in targets])
        send = np.array([c[2] for c in schedule] + [0], dtype=np.int64)[campaign]
        t = send + np.minimum(rng.exponential(30 * _MINUTE, len(cust)), 6 * _HOUR).astype(np.int64)
        active = self._active(cust, self.to_op(t))
        kinds = [("all", "active", "lapsed").index(c[3]) for c in schedule]
        audience = np.array(kinds + [0])[campaign]
        lapsed = ~active & self.activated[cust] & (self.first[cust] < t)
        keep = (audience == 0) | ((audience == 1) & active) | ((audience == 2) & lapsed)
        cust, campaign, t, active = cust[keep], campaign[keep], t[keep], active[keep]
        channel = np.array([c[1] for c in schedule] + [0], dtype=np.int8)[campaign]
        # Responses; the status at send time (active, lapsed, prospect) scales conversion.
        status = np.where(active, 1.0, np.where(self.activated[cust], 0.6, 0.4))
        k = len(cust)
        opened = rng.random(k) < np.array([0.28, 0.90, 0.45])[channel]
        clicked = opened & (rng.random(k) < np.array([0.18, 0.12, 0.15])[channel])
        converted = rng.random(k) < np.where(clicked, 0.35, 0.006) * status
        unsubscribed = rng.random(k) < np.array([0.004, 0.010, 0.002])[channel]
        # Nobody is contacted after unsubscribing.
        stop = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(stop, cust[unsubscribed], t[unsubscribed])
        keep = t <= stop[cust]
        self.contacts = {
            "cust": cust[keep],
            "time": t[keep],
            "campaign": campaign[keep],
            "channel": channel[keep],
            "opened": opened[keep],
            "clicked": clicked[keep],
            "converted": converted[keep],
            "unsubscribed": unsubscribed[keep],
        }
        # Effect: a click opens a session, a conversion is a purchase within four days.
        c = self.contacts
        react = np.flatnonzero(c["clicked"] | c["converted"])
        cust, buy = c["cust"][react], c["converted"][react]
        delay = np.where(
            buy,
            np.minimum(rng.exponential(_DAY, len(react)), 4 * _DAY - _HOUR),
            np.minimum(rng.exponential(2 * _HOUR, len(react)), 2 * _DAY),
        ).astype(np.int64)
        web_or_app = rng.random(len(react)) >= 0.7
        channel = np.where(c["channel"][react] == 2, 1, web_or_app).astype(np.int8)
        featured = self.by_popularity[rng.integers(0, 65536, len(schedule) + 1)]
        featured = featured[c["campaign"][react]]
        _, product = self._session_traits(cust)
        product = np.where(rng.random(len(react)) < 0.6, featured, product)
        self.s_cust = np.concatenate([self.s_cust, cust])
        self.s_time = np.concatenate([self.s_time, c["time"][react] + delay])
        self.s_buy = np.concatenate([self.s_buy, buy])
        self.s_channel = np.concatenate([self.s_channel, channel])
        self.s_product = np.concatenate([self.s_product, product])
        self.s_price = np.concatenate([self.s_price, np.where(buy, 0.85, 1.0)])  # discount

    # --- sessions -> event rows ----------------------------------------------------------------
    def _events(self) -> None:
        """Each session is a visit, maybe a login, maybe a purchase (maybe refunded later)."""
        rng, span = self.rng, self.span
        cust, t, channel, product = self.s_cust, self.s_time, self.s_channel, self.s_product
        ns = len(cust)
        z = rng.standard_normal(ns)
        visit_duration = np.exp(np.where(self.s_buy, 5.7 + 0.7 * z, 4.8 + 0.9 * z))  # ~300, 120 s
        login = np.flatnonzero((channel != 2) & (rng.random(ns) < self.login[cust]))
        login_t = t[login] + rng.integers(5 * _SECOND, 120 * _SECOND, len(login))
        login = login[login_t < span]
        login_t = login_t[login_t < span]
        buy = np.flatnonzero(self.s_buy)
        buy_t = t[buy] + rng.integers(_MINUTE, 25 * _MINUTE, len(buy))
        buy, buy_t = buy[buy_t < span], buy_t[buy_t < span]
        nb = len(buy)
        amount = self.price[product[buy]] * (1 + rng.poisson(0.25, nb)) * self.spend[cust[buy]]
        amount *= self.s_price[buy] * rng.lognormal(0.0, 0.15, nb)
        amount = np.maximum(np.round(amount, 2), 0.5)
        # Refunds: 2.5 % of purchases, days later, mostly in full.
        r = np.flatnonzero(rng.random(nb) < 0.025)
        refund_t = buy_t[r] + _HOUR + rng.exponential(6 * _DAY, len(r)).astype(np.int64)
        partial = rng.random(len(r)) < 0.2
        share = np.where(partial, rng.uniform(0.2, 0.8, len(r)), 1.0)
        refund = -np.round(amount[r] * share, 2)
        r, refund_t, refund = r[refund_t < span], refund_t[refund_t < span], refund[refund_t < span]
        refunded = buy[r]
        parts = (np.arange(ns), login, buy, refunded)
        sizes = [len(p) for p in parts]
        rows = np.concatenate(parts)
        self.e_cust = cust[rows]
        self.e_time = np.concatenate([t, login_t, buy_t, refund_t])
        self.e_event = np.repeat(np.arange(4, dtype=np.int8), sizes)
        self.e_amount = np.concatenate([np.zeros(sizes[0] + sizes[1]), amount, refund])
        self.e_product = product[rows]
        self.e_channel = channel[rows]
        self.e_duration = np.ceil(
            np.concatenate(
                [  # whole seconds
                    visit_duration,
                    rng.lognormal(np.log(25.0), 0.5, sizes[1]),
                    rng.lognormal(np.log(150.0), 0.6, sizes[2]),
                    np.zeros(sizes[3]),
                ]
            )
        )

    def _history(self) -> None:
        """Per customer: first and last event, purchases, churn (no event in the last 90 days)."""
        n = self.n
        self.last = np.full(n, -1, dtype=np.int64)
        np.maximum.at(self.last, self.e_cust, self.e_time)
        self.first = np.full(n, self.span, dtype=np.int64)
        np.minimum.at(self.first, self.e_cust, self.e_time)
        self.has_events = self.last >= 0
        self.purchases = np.bincount(self.e_cust[self.e_event == _PURCHASE], minlength=n)
        self.churned = self.has_events & (self.last < self.span - 90 * _DAY)

    # --- tables ----------------------------------------------------------------------------------
    def _time(self, t: np.ndarray) -> np.ndarray:
        """Local wall time (µs since ``start``) -> UTC instants (datetime64[us]): each local
        hour is shifted by its zone's UTC offset (a wall time in a spring-forward gap reads
        with the offset before the change, as ``datetime`` does)."""
        local = t + self.start.astype(np.int64)
        if self.zone is not None:
            local = local - self._offsets()[local // _HOUR - self.start.astype(np.int64) // _HOUR]
        return local.view("M8[us]")

    def _offsets(self) -> np.ndarray:
        """UTC offset (µs) of every local hour of the span, computed once: per day, and
        per hour on the days whose offset changes."""
        if getattr(self, "_offset_table", None) is None:
            first_hour = int(self.start.astype(np.int64) // _HOUR)
            n_hours = -(-self.span // _HOUR) + 1
            epoch = dt.datetime(1970, 1, 1)

            def offset(hour: int) -> int:
                local = (epoch + dt.timedelta(hours=hour)).replace(tzinfo=self.zone)
                return int((local.utcoffset() or dt.timedelta(0)) // dt.timedelta(microseconds=1))

            table = np.empty(n_hours + 24, dtype=np.int64)
            for day in range(0, n_hours + 24, 24):
                a, b = offset(first_hour + day), offset(first_hour + day + 24)
                if a == b:
                    table[day : day + 24] = a
                else:  # a change of offset that day: hour by hour
                    table[day : day + 24] = [offset(first_hour + day + h) for h in range(24)]
            self._offset_table = table
        return self._offset_table

    def _event_table(self) -> dict[str, np.ndarray]:
        ids = self.ids[self.e_cust]  # in generation order: mostly sequential lookups
        order = self.rng.permutation(len(ids))  # a real export is not sorted
        return {
            "customer_id": ids[order],
            "timestamp": self._time(self.e_time[order]),
            "event": _strings(_EVENTS, self.e_event[order]),
            "amount": self.e_amount[order],
            "product": _strings(_PRODUCTS, self.e_product[order]),
            "duration": self.e_duration[order],
            "channel": _strings(_CHANNELS, self.e_channel[order]),
        }

    def _customer_table(self) -> dict[str, np.ndarray]:
        rng, n = self.rng, self.n
        # Half of the churned customers gave a reason; one-time buyers mostly weak activation.
        gave = self.churned & (rng.random(n) < 0.5)
        cdf = np.cumsum([[18, 14, 10, 16, 17, 15, 10], [10, 12, 6, 10, 10, 45, 7]], axis=1) / 100
        group = (self.purchases <= 1).astype(np.int64)
        reason = (rng.random(n)[:, None] >= cdf[group]).sum(axis=1)
        return {
            "customer_id": self.ids,
            "created": self._time(self.created),
            "segment": _strings(_SEGMENTS, self.segment),
            "country": _strings(_COUNTRIES, self.country),
            "acquisition_channel": _strings(_ACQUISITION, self.acquisition),
            "churn_reason": _strings(_CHURN_REASONS, np.where(gave, reason, -1)),
        }

    def _survey_table(self) -> dict[str, np.ndarray]:
        rng, span = self.rng, self.span
        # 15 % of customers with activity answer once while active; 8 % of them once more later.
        who = np.flatnonzero(self.has_events & (rng.random(self.n) < 0.15))
        window = np.minimum(self.last[who] + 30 * _DAY, span - 1) - self.first[who]
        t = self.first[who] + (rng.random(len(who)) * window).astype(np.int64)
        again = np.flatnonzero(rng.random(len(who)) < 0.08)
        later = t[again] + (rng.random(len(again)) * (span - 1 - t[again])).astype(np.int64)
        cust, t = np.concatenate([who, who[again]]), np.concatenate([t, later])
        order = np.argsort(t, kind="stable")
        cust, t = cust[order], t[order]
        mood = self.satisfaction[cust] + rng.normal(0.0, 0.6, len(cust))
        score = np.rint(mood[:, None] + [0.0, 0.4, -0.9] + rng.normal(0.0, 1.0, (len(cust), 3)))
        return {
            "customer_id": np.repeat(self.ids[cust], 3),
            "timestamp": self._time(np.repeat(t, 3)),
            "question": _strings(_QUESTIONS, np.tile(np.arange(3), len(cust))),
            "score": np.clip(score, 0, 10).astype(np.int64).ravel(),
        }

    def _contact_table(self) -> dict[str, np.ndarray]:
        c = self.contacts
        order = np.argsort(c["time"], kind="stable")
        return {
            "customer_id": self.ids[c["cust"][order]],
            "timestamp": self._time(c["time"][order]),
            "campaign": self.campaign_names[c["campaign"][order]],
            "channel": _strings(_CONTACT_CHANNELS, c["channel"][order]),
            "opened": c["opened"][order],
            "clicked": c["clicked"][order],
            "converted": c["converted"][order],
            "unsubscribed": c["unsubscribed"][order],
            "cost": np.array([0.002, 0.045, 0.0005])[c["channel"][order]],
        }

    def _subscription_table(self) -> dict[str, np.ndarray]:
        rng, span = self.rng, self.span
        p = np.array([0.08, 0.55, 0.85])[self.segment]
        who = np.flatnonzero(self.has_events & (rng.random(self.n) < p))
        begin = self.first[who] + rng.exponential(3 * _DAY, len(who)).astype(np.int64)
        who, begin = who[begin < span - _HOUR], begin[begin < span - _HOUR]
        # Churned customers cancel soon after their last event; 8 % of the others at random.
        churned = self.churned[who]
        stop = np.maximum(self.last[who], begin) + rng.uniform(_DAY, 30 * _DAY, len(who))
        early = ~churned & (rng.random(len(who)) < 0.08)
        fraction = rng.uniform(0.05, 1.0, int(early.sum()))
        stop[early] = begin[early] + fraction * (span - begin[early])
        stop = stop.astype(np.int64)
        stop[~churned & ~early] = span
        stop = np.minimum(stop, span)  # span: still running
        # Plan changes at sorted uniform instants; each moves one tier, mostly up.
        rows = 1 + np.minimum(rng.poisson(0.6, len(who)), 4)
        owner, head = _segments(rows)
        cut = begin[owner] + (rng.random(len(owner)) * (stop - begin)[owner]).astype(np.int64)
        cut[head] = begin
        cut = cut[np.lexsort((cut, owner))]
        end = np.empty_like(cut)
        end[:-1] = cut[1:]
        end[head + rows - 1] = stop
        step = np.where(rng.random(len(owner)) < 0.65, 1, -1)
        step[head] = np.array([0, 1, 2])[self.segment[who]] + rng.integers(0, 2, len(who))
        walk = np.cumsum(step)
        tier = walk - np.repeat(walk[head] - step[head], rows)
        top = len(_PLAN_MRR) - 1
        tier = top - np.abs(top - np.abs(tier) % (2 * top))  # reflect at both ends
        end_time = self._time(end)
        end_time[end >= span] = np.datetime64("NaT")
        return {
            "customer_id": self.ids[who][owner],
            "start": self._time(cut),
            "end": end_time,
            "mrr": _PLAN_MRR[tier],
        }

    # --- the loyalty programme -------------------------------------------------------------------
    def _programme(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """(the extra event rows the programme brings, the programme table), drawn from the
        programme's own random stream.

        From the launch (a year after the start, or a third of the span when shorter) every
        customer gets a join instant, uniform up to 90 days + the effect window before the
        end; those with an event before it join with probability ``_MEMBER_SHARE``. In the
        ``PROGRAMME_WINDOW_DAYS`` after joining a member makes Poisson(``programme_effect``)
        extra purchase sessions (a visit, then a purchase): the planted effect, whatever the
        member's own state (it happens before the last 90 days, so churn is untouched).
        Members earn one point per whole currency unit of each purchase after joining; each
        time their points earned cross a multiple of ``_REWARD``, half of them redeem a
        reward about a week later. The tier follows the points earned over the last 365
        days (``PROGRAMME_TIERS``), reviewed at each month start; a ``tier`` row records a
        change, the ``join`` row the first tier.
        """
        rng, n, span = self.programme_rng, self.n, self.span
        window = PROGRAMME_WINDOW_DAYS * _DAY
        launch = min(365 * _DAY, span // 3)
        last_join = max(launch, span - 90 * _DAY - window)
        join = launch + (rng.random(n) * (last_join - launch)).astype(np.int64)
        member = self.has_events & (self.first < join) & (rng.random(n) < _MEMBER_SHARE)
        who = np.flatnonzero(member)
        # the effect: extra sessions with a purchase
        cust = np.repeat(who, rng.poisson(self.programme_effect, len(who)))
        m = len(cust)
        visit_t = join[cust] + (rng.random(m) * window).astype(np.int64)
        buy_t = visit_t + rng.integers(_MINUTE, 25 * _MINUTE, m)
        keep = buy_t < span
        cust, visit_t, buy_t, m = cust[keep], visit_t[keep], buy_t[keep], int(keep.sum())
        other = rng.random(m) >= self.loyalty[cust]
        product = np.where(other, self.by_popularity[rng.integers(0, 65536, m)], self.favourite[cust])
        amount = self.price[product] * (1 + rng.poisson(0.25, m)) * self.spend[cust] * rng.lognormal(0.0, 0.15, m)
        amount = np.maximum(np.round(amount, 2), 0.5)
        duration = np.ceil(
            np.concatenate([np.exp(5.7 + 0.7 * rng.standard_normal(m)), rng.lognormal(np.log(150.0), 0.6, m)])
        )
        order = rng.permutation(2 * m)
        e_cust = np.concatenate([cust, cust])[order]
        extra = {
            "customer_id": self.ids[e_cust],
            "timestamp": self._time(np.concatenate([visit_t, buy_t])[order]),
            "event": _strings(_EVENTS, np.repeat(np.array([_VISIT, _PURCHASE], np.int8), m)[order]),
            "amount": np.concatenate([np.zeros(m), amount])[order],
            "product": _strings(_PRODUCTS, np.concatenate([product, product])[order]),
            "duration": duration[order],
            "channel": _strings(_CHANNELS, self.channel[e_cust]),
        }
        # points: every purchase of a member after joining
        bought = (self.e_event == _PURCHASE) & member[self.e_cust] & (self.e_time >= join[self.e_cust])
        c = np.concatenate([self.e_cust[bought], cust])
        t = np.concatenate([self.e_time[bought], buy_t])
        points = np.floor(np.concatenate([self.e_amount[bought], amount]))
        order = np.lexsort((t, c))
        c, t, points = c[order], t[order], points[order]
        total = np.cumsum(points)
        owner_start = np.searchsorted(c, c, side="left")
        earned = total - np.concatenate([[0.0], total])[owner_start]  # cumulative per member
        crossed = (np.floor(earned / _REWARD) - np.floor((earned - points) / _REWARD)).astype(np.int64)
        n_redeem = rng.binomial(crossed, 0.5)
        r_cust = np.repeat(c, n_redeem)
        r_t = np.repeat(t, n_redeem) + (_HOUR + rng.exponential(7 * _DAY, len(r_cust))).astype(np.int64)
        r_cust, r_t = r_cust[r_t < span], r_t[r_t < span]
        # tiers, reviewed at each month start after the launch
        months = self.start.astype("M8[M]") + np.arange(int(self.days / 28) + 2)
        review = ((months.astype("M8[us]") - self.start) / np.timedelta64(1, "us")).astype(np.int64)
        review = review[(review > launch) & (review < span)]
        thresholds = np.array(list(PROGRAMME_TIERS.values()))
        level = np.zeros((len(who), len(review)), np.int64)
        row = np.searchsorted(who, c)
        for j, b in enumerate(review):  # a loop over months, vectorised over members
            recent = (t > b - 365 * _DAY) & (t <= b)
            qualifying = np.bincount(row[recent], weights=points[recent], minlength=len(who))
            level[:, j] = np.searchsorted(thresholds, qualifying, side="right") - 1
        after = review[None, :] > join[who][:, None]
        level[~after] = 0
        previous = np.concatenate([np.zeros((len(who), 1), np.int64), level[:, :-1]], axis=1)
        m_row, m_col = np.nonzero(after & (level != previous))
        rows = {
            "cust": np.concatenate([who, c, r_cust, who[m_row]]),
            "time": np.concatenate([join[who], t, r_t, review[m_col]]),
            "event": np.repeat(np.arange(4), [len(who), len(c), len(r_cust), len(m_row)]),
            "points": np.concatenate([np.zeros(len(who)), points, np.full(len(r_cust), _REWARD), np.zeros(len(m_row))]),
            "tier": np.concatenate(
                [np.zeros(len(who), np.int64), np.full(len(c) + len(r_cust), -1), level[m_row, m_col]]
            ),
        }
        order = np.lexsort((rows["event"], rows["time"]))
        table = {
            "customer_id": self.ids[rows["cust"][order]],
            "timestamp": self._time(rows["time"][order]),
            "event": _strings(_PROGRAMME_EVENTS, rows["event"][order]),
            "points": rows["points"][order],
            "tier": _strings(tuple(PROGRAMME_TIERS), rows["tier"][order]),
        }
        return extra, table


def _convert(table: dict[str, np.ndarray], frame: str) -> Table:
    from ._deps import import_optional

    if frame == "pandas":
        pd = import_optional("pandas", "build pandas frames")
        return pd.DataFrame(table)
    pa = import_optional("pyarrow", f"build {frame} tables")

    def array(column: np.ndarray) -> Any:
        kind = pa.string() if column.dtype == object else None  # typed even when empty
        return pa.array(column, type=kind, from_pandas=True)  # from_pandas: NaT -> null

    arrow = pa.table({name: array(column) for name, column in table.items()})
    if frame == "arrow":
        return arrow
    pl = import_optional("polars", "build polars frames")
    return pl.from_arrow(arrow)
