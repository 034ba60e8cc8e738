"""Two loyalty indices fidelite does not have, and one use of each of fidelite's other
plugin hooks.

- ``purchase_regularity`` (per customer, from events): how steady a customer's rhythm
  of purchase days is. For customers with at least ``min_purchase_days`` distinct
  purchase days, the gaps between consecutive purchase days (in local calendar days)
  have a mean and a standard deviation; their coefficient of variation ``cv = std /
  mean`` is 0 for a clockwork buyer and grows with irregularity. The index is
  ``100 / (1 + cv)``: 100 = perfectly regular, 50 = gaps as variable as they are long.
- ``weighted_nps`` (overall, from surveys): the Net Promoter Score with recent answers
  weighing more. An answer ``a`` days older than the latest one weighs
  ``0.5 ** (a / half_life_days)``; the index is ``sum(w * s) / sum(w)`` with ``s`` =
  +100 for a promoter (9-10), -100 for a detractor (0-6), 0 for a passive (7-8), so it
  lies in -100..100 and equals the plain NPS when ``half_life_days`` is infinite.

Through the other hooks:

- attribute ``purchase_rhythm`` (``segment="purchase_rhythm"`` anywhere): each
  customer's band of distinct purchase days, ``"1 purchase day"``, ``"2 purchase days"``,
  ``"3-5 purchase days"`` or ``"6+ purchase days"`` (``"no purchase"`` for the others);
- section ``purchase_rhythm`` (a report section and an explorer tab): the customers of
  each band and the cohort retention of the ``period`` split by band;
- loader ``jsonl``: ``.events.jsonl`` files and ``jsonl://path`` URIs, one JSON object
  per line; a line that is not a JSON object becomes a row of nulls, which the log
  rejects and counts ("null customer id");
- command ``fidelite regularity FILE [--min-purchase-days N]``: the regularity index of
  an event file, summarised.

Installed, the package is found through its entry point (group ``fidelite``)::

    >>> import fidelite
    >>> "purchase_regularity" in fidelite.indices().names()
    True
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

import fidelite
from fidelite.exceptions import ColumnNotFoundError, ParameterError

__version__ = "0.1.0"


def _pandas() -> Any:
    import pandas as pd

    return pd


def _frame(table: Any) -> Any:
    """A pandas DataFrame of a pandas / polars / pyarrow table or a dict of arrays."""
    pd = _pandas()
    if isinstance(table, pd.DataFrame):
        return table
    if isinstance(table, dict):
        return pd.DataFrame(table)
    if hasattr(table, "to_pandas"):  # polars and pyarrow tables
        return table.to_pandas()
    raise ParameterError(
        f"cannot read a {type(table).__name__} as the surveys table: pass a pandas, "
        "polars or pyarrow table or a dict of arrays"
    )


def _utc(instant: Any) -> Any:
    t = _pandas().Timestamp(instant)
    return t.tz_localize("UTC") if t.tz is None else t


def purchase_regularity(
    events: fidelite.EventLog, min_purchase_days: int = 3, purchase_event: str = "purchase"
) -> fidelite.TableResult:
    """Regularity of each customer's purchase days, 0..100 (see the module docstring).

    Returns one row per customer with at least ``min_purchase_days`` distinct purchase
    days: ``customer_id``, ``purchase_days``, ``mean_gap_days``, ``gap_cv`` and ``value``.
    A purchase is an event of type ``purchase_event``; in a log without an event column
    every event is a purchase. Days are calendar days in the log's time zone.
    """
    if not isinstance(min_purchase_days, int) or min_purchase_days < 3:
        raise ParameterError(
            f"min_purchase_days must be an integer >= 3 (two gaps make a rhythm); got {min_purchase_days!r}"
        )
    pd = _pandas()
    df = events.to_pandas()
    if "event" in df.columns:
        df = df[df["event"] == purchase_event]
    day = df["timestamp"].dt.tz_convert(events.tz).dt.normalize().dt.tz_localize(None)
    days = pd.DataFrame({"customer_id": df["customer_id"].to_numpy(), "day": day.to_numpy()}).drop_duplicates()
    days = days.sort_values(["customer_id", "day"], kind="stable")
    gap = days.groupby("customer_id", sort=False)["day"].diff() / pd.Timedelta(days=1)
    by_customer = gap.groupby(days["customer_id"], sort=True)
    stats = pd.DataFrame({"gaps": by_customer.count(), "mean": by_customer.mean(), "std": by_customer.std(ddof=0)})
    stats = stats[stats["gaps"] >= min_purchase_days - 1]
    cv = (stats["std"] / stats["mean"]).to_numpy(float)
    return fidelite.TableResult(
        {
            "customer_id": stats.index.to_numpy(),
            "purchase_days": stats["gaps"].to_numpy(np.int64) + 1,
            "mean_gap_days": stats["mean"].to_numpy(float),
            "gap_cv": cv,
            "value": 100.0 / (1.0 + cv),
        },
        title="purchase regularity",
    )


def weighted_nps(
    surveys: Any, half_life_days: float = 90.0, question: str = "recommend", as_of: Any = None
) -> fidelite.ValueResult:
    """Recency-weighted NPS, -100..100 (see the module docstring).

    Uses the answers to ``question`` (all rows when the table has no ``question``
    column). Ages are counted from ``as_of`` (default: the latest answer); answers after
    ``as_of`` are left out. Scores that are not integers 0..10 are left out and counted in
    ``parts["rejected"]``. No usable answer gives NaN with a ``reason``.
    """
    if not (isinstance(half_life_days, (int, float)) and half_life_days > 0):
        raise ParameterError(
            f"half_life_days must be a positive number of days (math.inf = plain NPS); got {half_life_days!r}"
        )
    pd = _pandas()
    df = _frame(surveys)
    for column in ("timestamp", "score"):
        if column not in df.columns:
            raise ColumnNotFoundError(f"the surveys table has no {column!r} column; it has {list(df.columns)}")
    if "question" in df.columns:
        df = df[df["question"] == question]
    score = pd.to_numeric(df["score"], errors="coerce").to_numpy(float)
    ts = pd.to_datetime(df["timestamp"], utc=True, errors="coerce")
    valid = ts.notna().to_numpy() & np.isfinite(score) & (score == np.round(score)) & (score >= 0) & (score <= 10)
    end = ts[valid].max() if as_of is None else _utc(as_of)
    used = valid & (ts <= end).to_numpy()
    age_days = ((end - ts[used]) / pd.Timedelta(days=1)).to_numpy(float)
    weight = np.exp2(-age_days / half_life_days)
    net = np.where(score[used] >= 9, 100.0, np.where(score[used] <= 6, -100.0, 0.0))
    parts = {
        "responses": int(used.sum()),
        "rejected": int((~valid).sum()),
        "effective_responses": float(weight.sum() ** 2 / (weight**2).sum()) if used.any() else 0.0,
    }
    if not used.any():
        return fidelite.ValueResult(
            math.nan, title="weighted NPS", unit="points", parts=parts, reason="no valid answers to weigh"
        )
    return fidelite.ValueResult(
        float((weight * net).sum() / weight.sum()), title="weighted NPS", unit="points", parts=parts
    )


@fidelite.hookimpl
def fidelite_register_indices(register):
    register(
        fidelite.Index(
            name="purchase_regularity",
            compute=purchase_regularity,
            description="How steady each customer's rhythm of purchase days is: 100 / (1 + coefficient of "
            "variation of the gaps between purchase days); 100 = clockwork.",
            inputs=("events",),
            level="customer",
            unit="score",
            range=(0, 100),
            higher_is_better=True,
        )
    )
    register(
        fidelite.Index(
            name="weighted_nps",
            compute=weighted_nps,
            description="Net Promoter Score with answers weighted by recency (half-life 90 days by default).",
            inputs=("surveys",),
            level="overall",
            unit="points",
            range=(-100, 100),
            higher_is_better=True,
        )
    )


# --------------------------------------------------------------------------- the other hooks

#: The bands of distinct purchase days of :func:`purchase_rhythm` (upper bound, label).
RHYTHM_BANDS = ((0, "no purchase"), (1, "1 purchase day"), (2, "2 purchase days"), (5, "3-5 purchase days"))
RHYTHM_TOP = "6+ purchase days"


def purchase_days(events: fidelite.EventLog, purchase_event: str = "purchase") -> np.ndarray:
    """The number of distinct purchase days (local calendar days) of every customer of
    the log, in the order of ``events.customer_ids``."""
    df = events.to_pandas()
    if "event" in df.columns:
        df = df[df["event"] == purchase_event]
    day = df["timestamp"].dt.tz_convert(events.tz).dt.normalize()
    counts = day.groupby(df["customer_id"].to_numpy()).nunique()
    return counts.reindex(events.customer_ids, fill_value=0).to_numpy(np.int64)


def purchase_rhythm(log: fidelite.EventLog) -> np.ndarray:
    """Derived attribute: the band of each customer's distinct purchase days."""
    days = purchase_days(log)
    out = np.full(days.shape, RHYTHM_TOP, dtype=object)
    for upper, label in reversed(RHYTHM_BANDS):
        out[days <= upper] = label
    return out


def rhythm_section(events: fidelite.EventLog, period: str = "month", tz: Any = None) -> list[Any]:
    """Report section / explorer tab: customers by purchase rhythm, then retention by it."""
    bands = purchase_rhythm(events)
    labels = [label for _, label in RHYTHM_BANDS] + [RHYTHM_TOP]
    counts = np.array([(bands == label).sum() for label in labels], dtype=np.int64)
    table = fidelite.TableResult(
        {"purchase_rhythm": np.array(labels, dtype=object), "customers": counts},
        title="customers by distinct purchase days",
    )
    retained = fidelite.retention(events, period=period, tz=tz, segment="purchase_rhythm")
    return [
        f"{events.n_customers:,} customers; {int(counts[-1]):,} bought on 6 days or more.",
        table,
        retained,
    ]


def read_jsonl(source: str, query: Any) -> dict[str, list[Any]]:
    """Loader: one JSON object per line (blank lines skipped); every other line is a row
    of nulls, so that the event log rejects and counts it."""
    path = source[len("jsonl://") :] if source.startswith("jsonl://") else source
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                row = None
            rows.append(row if isinstance(row, dict) else {})
    names = list(dict.fromkeys(k for row in rows for k in row)) or ["customer_id", "timestamp"]
    return {name: [row.get(name) for row in rows] for name in names}


def regularity_arguments(parser: Any) -> None:
    parser.add_argument("file", help="events as .csv, .parquet or .events.jsonl")
    parser.add_argument("--min-purchase-days", type=int, default=3, metavar="N", help="default: 3")


def regularity_command(args: Any) -> int:
    """``fidelite regularity FILE``: how many customers are regular buyers."""
    log = fidelite.EventLog(args.file)
    r = purchase_regularity(log, min_purchase_days=args.min_purchase_days)
    values = r["value"]
    print(f"{len(r):,} of {log.n_customers:,} customers have {args.min_purchase_days}+ purchase days")
    if len(r):
        print(f"purchase regularity: median {np.median(values):.1f}, {int((values >= 50).sum()):,} at 50 or more")
    return 0


@fidelite.hookimpl
def fidelite_register_attributes(register):
    register(
        "purchase_rhythm",
        purchase_rhythm,
        description="Band of each customer's distinct purchase days: 1, 2, 3-5, 6+ (or no purchase).",
    )


@fidelite.hookimpl
def fidelite_register_sections(register):
    register(
        "purchase_rhythm",
        rhythm_section,
        title="Purchase rhythm",
        description="Customers by their number of distinct purchase days, and cohort retention by that band.",
    )


@fidelite.hookimpl
def fidelite_register_loaders(register):
    register(
        "jsonl",
        read_jsonl,
        schemes=("jsonl",),
        suffixes=(".events.jsonl",),
        description="JSON Lines event files: one object per line (customer_id, timestamp, ...).",
    )


@fidelite.hookimpl
def fidelite_register_commands(register):
    register(
        "regularity",
        regularity_command,
        help="summarise the purchase regularity index of an event file",
        arguments=regularity_arguments,
    )
