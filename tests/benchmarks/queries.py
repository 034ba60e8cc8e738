"""The benchmark's queries: ours, each peer's idiomatic version, and a canonical form of
every result so that they can be checked equal before any time counts.

A :class:`Query` names the event columns it needs, runs on an EventLog (``ours``) and maps
our result to canonical numpy arrays (``canon``). Each :class:`Peer` runs on
:class:`Frames` (the same columns as a pandas / polars / DuckDB user would already hold
them) and maps its raw output to the same canonical arrays; only ``run`` is timed.

Canonical months are month indices since 1970-01 (``datetime64[M]`` as int), canonical
days are day indices since 1970-01-01; everything is UTC, like the log's default tz.
To add a query: write ``ours``/``canon``, one ``Peer`` per peer, append to :data:`QUERIES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import fidelite

Canon = dict[str, np.ndarray]
MONTH0 = 1970 * 12  # polars / DuckDB year * 12 + month - 1 minus this = numpy month index


class Frames:
    """The event columns as a user would already have them; each frame is built on first
    use, before any timing (``prepare``)."""

    def __init__(self, data: dict[str, np.ndarray]) -> None:
        self.data = data
        self._pandas: Any = None
        self._polars: Any = None
        self._duckdb: Any = None

    def prepare(self, kinds: set[str]) -> None:
        for kind in sorted(kinds):
            getattr(self, kind)

    @property
    def pandas(self) -> Any:
        if self._pandas is None:
            import pandas as pd

            self._pandas = pd.DataFrame(self.data)
        return self._pandas

    @property
    def polars(self) -> Any:
        if self._polars is None:
            import polars as pl

            self._polars = pl.DataFrame(self.data)
        return self._polars

    @property
    def duckdb(self) -> Any:
        """A DuckDB connection holding the events as a native table ``events``."""
        if self._duckdb is None:
            import duckdb

            con = duckdb.connect()
            con.register("events_arrow", self.polars.to_arrow())
            con.execute("CREATE TABLE events AS SELECT * FROM events_arrow")
            con.unregister("events_arrow")
            self._duckdb = con
        return self._duckdb


@dataclass
class Peer:
    frame: str  # "pandas" | "polars" | "duckdb": the frame run() reads
    run: Callable[[Frames], Any]  # the timed query
    canon: Callable[[Any, Canon], Canon]  # raw output (+ our canonical, for the axes) -> canonical
    checks: tuple[str, ...] | None = None  # canonical parts it is checked on (None: all of ours)
    note: str = ""  # printed with the results when the peer computes something different


@dataclass
class Query:
    name: str
    title: str
    columns: tuple[str, ...]
    ours: Callable[[fidelite.EventLog], Any]
    canon: Callable[[Any], Canon]
    peers: dict[str, Peer] = field(default_factory=dict)
    requires: str | None = None  # a fidelite attribute the query needs (skipped without it)

    def missing(self) -> str | None:
        """Why the query cannot run in this build, or None."""
        if self.requires and not hasattr(fidelite, self.requires):
            return f"fidelite.{self.requires} is not importable yet"
        return None


# ----------------------------------------------------------------------------- helpers


def months(values: Any) -> np.ndarray:
    """Month indices since 1970-01 of datetimes (numpy / pandas / DuckDB output)."""
    return np.asarray(values).astype("datetime64[M]").astype(np.int64)


def days(values: Any) -> np.ndarray:
    """Day indices since 1970-01-01 of dates or datetimes."""
    return np.asarray(values).astype("datetime64[D]").astype(np.int64)


def grid(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Dense int64 matrix from (row, col, value) triples; grows past ``shape`` when the
    triples do (so that an out-of-range cell shows up as a shape mismatch)."""
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    if len(rows) and (rows.min() < 0 or cols.min() < 0):
        raise ValueError(f"negative cohort or offset index (min row {rows.min()}, min col {cols.min()})")
    k = max(shape[0], int(rows.max()) + 1 if len(rows) else 0)
    b = max(shape[1], int(cols.max()) + 1 if len(cols) else 0)
    out = np.zeros((k, b), np.int64)
    np.add.at(out, (rows, cols), np.asarray(values, np.int64))
    return out


def series(index: np.ndarray, values: np.ndarray, first: int, length: int) -> np.ndarray:
    """Dense int64 series over ``first .. first + length - 1`` from (index, value) pairs."""
    idx = np.asarray(index, np.int64) - first
    if len(idx) and (idx.min() < 0 or idx.max() >= length):
        raise ValueError(
            f"index outside the expected range [{first}, {first + length}): {idx.min() + first}..{idx.max() + first}"
        )
    out = np.zeros(length, np.int64)
    np.add.at(out, idx, np.asarray(values, np.int64))
    return out


def compare(ours: Canon, peer: Canon, keys: tuple[str, ...] | None = None) -> str | None:
    """None when the parts ``keys`` (default: all of ours) are equal (integers exactly,
    floats to 1e-9 relative), else what differs."""
    keys = tuple(ours) if keys is None else keys
    if set(keys) != set(peer) or not set(keys) <= set(ours):
        return f"different parts: expected {sorted(keys)}, ours {sorted(ours)}, peer {sorted(peer)}"
    for key in keys:
        a, b = ours[key], peer[key]
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return f"{key}: shape {a.shape} (ours) vs {b.shape} (peer)"
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            same = np.isclose(a.astype(float), b.astype(float), rtol=1e-9, atol=1e-6, equal_nan=True)
        else:
            same = a == b
        if not np.all(same):
            bad = np.argwhere(~np.asarray(same))
            where = tuple(int(i) for i in bad[0])
            return f"{key}: {len(bad):,} cells differ, first at {where}: ours {a[where]!r}, peer {b[where]!r}"
    return None


def _pl() -> Any:
    import polars as pl

    return pl


def _pl_month() -> Any:
    pl = _pl()
    ts = pl.col("timestamp")
    return (ts.dt.year().cast(pl.Int32) * 12 + ts.dt.month().cast(pl.Int32) - 1).alias("m")


def _same_customer(col: Any, n: int) -> Any:
    """``col`` shifted by ``n`` rows within the customer (null across customers), on rows
    sorted by customer: what ``col.shift(n).over("customer_id")`` means, without the
    per-group scatter (measured faster for the lifecycle; the rolling count is faster with
    ``over`` on rows sorted by day)."""
    pl = _pl()
    return pl.when(pl.col("customer_id").shift(n) == pl.col("customer_id")).then(col.shift(n))


# ------------------------------------------------------------------- 1. cohort matrix
# Monthly cohorts by first event, "on" criterion, distinct customers, offset 0 = cohort size.


def cohort_ours(log: fidelite.EventLog) -> Any:
    return fidelite.retention(log, period="month")


def cohort_canon(m: Any) -> Canon:
    return {
        "first_cohort": months(m.cohorts[:1]),
        "counts": m.counts.astype(np.int64),
        "sizes": m.sizes.astype(np.int64),
    }


def cohort_from_long(cohort_month: np.ndarray, offset: np.ndarray, n: np.ndarray, ours: Canon) -> Canon:
    """Canonical matrix from the long (cohort month, offset, customers) rows of a peer;
    sizes are the offset-0 cells (every customer is active in its cohort month)."""
    first = int(ours["first_cohort"][0])
    counts = grid(np.asarray(cohort_month) - first, offset, n, ours["counts"].shape)
    return {"first_cohort": np.array([np.min(cohort_month)]), "counts": counts, "sizes": counts[:, 0].copy()}


def cohort_pandas(f: Frames) -> Any:
    import pandas as pd

    df = f.pandas
    ts = df["timestamp"]
    pairs = pd.DataFrame({"customer_id": df["customer_id"], "m": ts.dt.year * 12 + ts.dt.month - 1}).drop_duplicates()
    cohort = pairs.groupby("customer_id")["m"].transform("min")
    return (
        pairs.assign(cohort=cohort, offset=pairs["m"] - cohort)
        .groupby(["cohort", "offset"])
        .size()
        .reset_index(name="n")
    )


def cohort_polars(f: Frames) -> Any:
    pl = _pl()
    events = f.polars.lazy().select("customer_id", _pl_month())
    events = events.with_columns(cohort=pl.col("m").min().over("customer_id"))
    return (
        events.group_by("cohort", offset=pl.col("m") - pl.col("cohort"))
        .agg(n=pl.col("customer_id").n_unique())
        .collect()
    )


# DuckDB month keys are integers (year * 12 + month - 1): measured faster than
# date_trunc('month', ...) + datediff / INTERVAL arithmetic in every query here.
COHORT_SQL = """
WITH active AS (SELECT DISTINCT customer_id, year(timestamp) * 12 + month(timestamp) - 1 AS month FROM events),
     first AS (SELECT customer_id, min(month) AS cohort FROM active GROUP BY customer_id)
SELECT cohort, month - cohort AS offset, count(*) AS n
FROM active JOIN first USING (customer_id)
GROUP BY ALL
"""


def cohort_duckdb(f: Frames) -> Any:
    return f.duckdb.execute(COHORT_SQL).fetchnumpy()


COHORT = Query(
    name="cohort_matrix",
    title="monthly cohort matrix",
    columns=("customer_id", "timestamp"),
    ours=cohort_ours,
    canon=cohort_canon,
    peers={
        "pandas": Peer(
            "pandas",
            cohort_pandas,
            lambda r, o: cohort_from_long(
                r["cohort"].to_numpy() - MONTH0, r["offset"].to_numpy(), r["n"].to_numpy(), o
            ),
        ),
        "polars": Peer(
            "polars",
            cohort_polars,
            lambda r, o: cohort_from_long(
                r["cohort"].to_numpy() - MONTH0, r["offset"].to_numpy(), r["n"].to_numpy(), o
            ),
        ),
        "duckdb": Peer(
            "duckdb", cohort_duckdb, lambda r, o: cohort_from_long(r["cohort"] - MONTH0, r["offset"], r["n"], o)
        ),
    },
)


# ------------------------------------------------------------------------ 2. lifecycle
# Per month from the first to the last active month: new (first month ever), returning
# (active in the previous month too), resurrected (active before, not in the previous
# month), dormant (active in the previous month, not in this one).


LIFECYCLE_PARTS = ("new", "returning", "resurrected", "dormant")


def lifecycle_ours(log: fidelite.EventLog) -> Any:
    return fidelite.lifecycle(log, period="month")


def lifecycle_canon(lc: Any) -> Canon:
    out = {"months": months(lc.periods)}
    out.update({k: np.asarray(getattr(lc, k), np.int64) for k in LIFECYCLE_PARTS})
    return out


def lifecycle_from_rows(month: np.ndarray, parts: dict[str, np.ndarray]) -> Canon:
    month = np.asarray(month, np.int64)
    first, length = int(month.min()), int(month.max() - month.min()) + 1
    out = {"months": np.arange(first, first + length, dtype=np.int64)}
    out.update(
        {
            k: series(month, np.nan_to_num(np.asarray(parts[k], float)).astype(np.int64), first, length)
            for k in LIFECYCLE_PARTS
        }
    )
    return out


def lifecycle_polars(f: Frames) -> Any:
    pl = _pl()
    m = pl.col("m")
    pairs = f.polars.lazy().select("customer_id", _pl_month()).unique().sort("customer_id", "m")
    pairs = pairs.with_columns(prev=_same_customer(m, 1), next=_same_customer(m, -1))
    prev, nxt = pl.col("prev"), pl.col("next")
    active = pairs.group_by("m").agg(
        new=prev.is_null().sum(), returning=(prev == m - 1).sum(), resurrected=(prev < m - 1).sum()
    )
    dormant = pairs.filter((nxt.is_null() | (nxt > m + 1)) & (m < m.max())).group_by(m + 1).agg(dormant=pl.len())
    return active.join(dormant, on="m", how="full", coalesce=True).fill_null(0).sort("m").collect()


LIFECYCLE_SQL = """
WITH active AS (SELECT DISTINCT customer_id, year(timestamp) * 12 + month(timestamp) - 1 AS month FROM events),
     runs AS (
        SELECT month,
               lag(month) OVER w AS prev,
               lead(month) OVER w AS next
        FROM active WINDOW w AS (PARTITION BY customer_id ORDER BY month)),
     counts AS (
        SELECT month,
               count(*) FILTER (WHERE prev IS NULL) AS new,
               count(*) FILTER (WHERE prev = month - 1) AS "returning",
               count(*) FILTER (WHERE prev < month - 1) AS resurrected
        FROM runs GROUP BY month),
     dormant AS (
        SELECT month + 1 AS month, count(*) AS dormant
        FROM runs
        WHERE (next IS NULL OR next > month + 1)
          AND month < (SELECT max(month) FROM active)
        GROUP BY ALL)
SELECT month, coalesce(new, 0) AS new, coalesce("returning", 0) AS "returning",
       coalesce(resurrected, 0) AS resurrected, coalesce(dormant, 0) AS dormant
FROM counts FULL JOIN dormant USING (month)
ORDER BY month
"""


def lifecycle_duckdb(f: Frames) -> Any:
    return f.duckdb.execute(LIFECYCLE_SQL).fetchnumpy()


LIFECYCLE = Query(
    name="lifecycle",
    title="lifecycle per month",
    columns=("customer_id", "timestamp"),
    ours=lifecycle_ours,
    canon=lifecycle_canon,
    peers={
        "polars": Peer(
            "polars",
            lifecycle_polars,
            lambda r, o: lifecycle_from_rows(r["m"].to_numpy() - MONTH0, {k: r[k].to_numpy() for k in LIFECYCLE_PARTS}),
        ),
        "duckdb": Peer(
            "duckdb",
            lifecycle_duckdb,
            lambda r, o: lifecycle_from_rows(r["month"] - MONTH0, {k: r[k] for k in LIFECYCLE_PARTS}),
        ),
    },
)


# ------------------------------------------------------------- 3. rolling active (30 days)
# For every day from the first to the last day of the data: distinct customers with an
# event in the 30 days ending that day (the day included). The peers turn each distinct
# (customer, day) into the interval [day, min(day + 30, next active day)) and sum +1 / -1
# over the days: the fast way to count distinct customers in every trailing window.


def rolling_ours(log: fidelite.EventLog) -> Any:
    return fidelite.rolling_active(log, window="30D")  # type: ignore[attr-defined]


def rolling_canon(r: Any) -> Canon:
    return {"days": days(r["day"]), "active": np.asarray(r["active"], np.int64)}


def rolling_from_rows(day: Any, active: Any) -> Canon:
    return {"days": days(day), "active": np.asarray(active, np.int64)}


def rolling_polars(f: Frames) -> Any:
    pl = _pl()
    day = pl.col("day")
    pairs = f.polars.lazy().select("customer_id", day=pl.col("timestamp").dt.date()).unique().sort("day")
    spans = pairs.with_columns(stop=pl.min_horizontal(day + pl.duration(days=30), day.shift(-1).over("customer_id")))
    delta = (
        pl.concat(
            [
                spans.group_by("day").agg(delta=pl.len().cast(pl.Int64)),
                spans.group_by(day=pl.col("stop")).agg(delta=-pl.len().cast(pl.Int64)),
            ]
        )
        .group_by("day")
        .agg(pl.col("delta").sum())
    )
    every_day = pairs.select(day=pl.date_range(day.min(), day.max(), "1d"))
    return (
        every_day.join(delta, on="day", how="left")
        .sort("day")
        .select("day", active=pl.col("delta").fill_null(0).cum_sum())
        .collect()
    )


ROLLING_SQL = """
WITH active AS (SELECT DISTINCT customer_id, CAST(timestamp AS DATE) AS day FROM events),
     spans AS (
        SELECT day, least(day + 30, lead(day) OVER (PARTITION BY customer_id ORDER BY day)) AS stop
        FROM active),
     delta AS (
        SELECT day, sum(d) AS d FROM (
            SELECT day, count(*) AS d FROM spans GROUP BY day
            UNION ALL
            SELECT stop, -count(*) FROM spans GROUP BY stop) GROUP BY day),
     every_day AS (
        SELECT CAST(unnest(generate_series(min(day), max(day), INTERVAL 1 DAY)) AS DATE) AS day FROM active)
SELECT day, sum(coalesce(d, 0)) OVER (ORDER BY day) AS active
FROM every_day LEFT JOIN delta USING (day)
ORDER BY day
"""


def rolling_duckdb(f: Frames) -> Any:
    return f.duckdb.execute(ROLLING_SQL).fetchnumpy()


ROLLING = Query(
    name="rolling_active",
    title="rolling 30-day active customers",
    columns=("customer_id", "timestamp"),
    ours=rolling_ours,
    canon=rolling_canon,
    requires="rolling_active",
    peers={
        "polars": Peer(
            "polars", rolling_polars, lambda r, o: rolling_from_rows(r["day"].to_numpy(), r["active"].to_numpy())
        ),
        "duckdb": Peer("duckdb", rolling_duckdb, lambda r, o: rolling_from_rows(r["day"], r["active"])),
    },
)


# --------------------------------------------------------------- 4. per-customer summary
# Per customer: first and last event, events, distinct months with an event, revenue (the
# sum of amount: without an event column every event is a purchase, refunds negative).
# lifetimes' summary (freq="D", the default of its fitters) is checked on what it shares
# with ours: the customers, recency (days from the first to the last active day) and T
# (days from the first active day to the last day of the data).

SUMMARY_PARTS = ("customer_id", "first", "last", "n_events", "n_periods", "revenue")


def summary_ours(log: fidelite.EventLog) -> Any:
    return fidelite.customer_summary(log, period="month")  # type: ignore[attr-defined]


def summary_canon(s: Any) -> Canon:
    out = {k: np.asarray(s[k]) for k in SUMMARY_PARTS}
    for k in ("first", "last"):
        out[k] = out[k].astype("datetime64[us]").view(np.int64)
    out["n_events"] = out["n_events"].astype(np.int64)
    out["n_periods"] = out["n_periods"].astype(np.int64)
    first, last = days(s["first"]), days(s["last"])
    out["recency_days"] = (last - first).astype(np.int64)
    out["T_days"] = (last.max() - first).astype(np.int64)
    return out


def summary_from_rows(r: dict[str, np.ndarray]) -> Canon:
    order = np.argsort(np.asarray(r["customer_id"]), kind="stable")
    out = {k: np.asarray(r[k])[order] for k in SUMMARY_PARTS}
    for k in ("first", "last"):
        out[k] = out[k].astype("datetime64[us]").view(np.int64)
    return out


def summary_polars(f: Frames) -> Any:
    pl = _pl()
    ts = pl.col("timestamp")
    return (
        f.polars.lazy()
        .group_by("customer_id")
        .agg(
            first=ts.min(),
            last=ts.max(),
            n_events=pl.len(),
            n_periods=ts.dt.truncate("1mo").n_unique(),
            revenue=pl.col("amount").sum(),
        )
        .collect()
    )


SUMMARY_SQL = """
SELECT customer_id, min(timestamp) AS first, max(timestamp) AS last, count(*) AS n_events,
       count(DISTINCT year(timestamp) * 12 + month(timestamp)) AS n_periods, sum(amount) AS revenue
FROM events GROUP BY customer_id
"""


def summary_duckdb(f: Frames) -> Any:
    return f.duckdb.execute(SUMMARY_SQL).fetchnumpy()


def summary_lifetimes(f: Frames) -> Any:
    import warnings

    from lifetimes.utils import summary_data_from_transaction_data

    with warnings.catch_warnings():  # lifetimes 0.11 warns about pandas deprecations
        warnings.simplefilter("ignore")
        return summary_data_from_transaction_data(
            f.pandas, "customer_id", "timestamp", monetary_value_col="amount", freq="D"
        )


def summary_lifetimes_canon(r: Any, ours: Canon) -> Canon:
    r = r.sort_index()
    return {"customer_id": r.index.to_numpy(), "recency_days": r["recency"].to_numpy(), "T_days": r["T"].to_numpy()}


SUMMARY = Query(
    name="customer_summary",
    title="per-customer summary",
    columns=("customer_id", "timestamp", "amount"),
    ours=summary_ours,
    canon=summary_canon,
    requires="customer_summary",
    peers={
        "polars": Peer(
            "polars",
            summary_polars,
            lambda r, o: summary_from_rows({k: r[k].to_numpy() for k in SUMMARY_PARTS}),
            checks=SUMMARY_PARTS,
        ),
        "duckdb": Peer("duckdb", summary_duckdb, lambda r, o: summary_from_rows(r), checks=SUMMARY_PARTS),
        "lifetimes": Peer(
            "pandas",
            summary_lifetimes,
            summary_lifetimes_canon,
            checks=("customer_id", "recency_days", "T_days"),
            note="lifetimes (freq='D', monetary_value='amount') computes frequency / recency / T / "
            "monetary_value in days; checked on customers, recency and T (its frequency and "
            "monetary_value have no counterpart in the monthly summary)",
        ),
    },
)


QUERIES: list[Query] = [COHORT, LIFECYCLE, ROLLING, SUMMARY]
