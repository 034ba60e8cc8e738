"""A messy CSV export like the one of issue 16, generated from the demo shop: UUID and
"C-…" customer ids, ISO 8601 timestamps with their UTC offset (Europe/Paris), empty
amounts, refunds, about 20 bad rows (no id, no timestamp, an unparseable one, an
infinite amount), and no product or duration column."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

import fidelite

TZ = "Europe/Paris"
HEADER = "customer,ordered_at,amount,status"
#: The bad rows, by the reason they are rejected with.
BAD = {
    "null customer id": 5,
    "null timestamp": 5,
    "unparseable timestamp (expected ISO 8601)": 5,
    "infinite amount": 5,
}


@dataclass(frozen=True)
class Messy:
    path: Path
    rows: int  # data rows (without the header)
    bad: dict[str, int]
    empty_amounts: int
    refunds: int


def write(path: Path, n_customers: int = 1500, seed: int = 3) -> Messy:
    """Write the messy CSV of the purchases and refunds of a demo shop to ``path``."""
    shop = fidelite.datasets.demo_shop(n_customers, seed=seed, tz=TZ)
    ev = shop.events
    rng = random.Random(seed)
    ids: dict[int, str] = {}

    def cid(c: int) -> str:
        if c not in ids:
            ids[c] = str(uuid.UUID(int=rng.getrandbits(128))) if c % 2 else f"C-{c:08d}"
        return ids[c]

    zone = ZoneInfo(TZ)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    keep = np.flatnonzero(np.isin(ev["event"], ["purchase", "refund"]))
    lines = [HEADER]
    empty = refunds = 0
    for i in keep:
        t = (epoch + dt.timedelta(microseconds=int(ev["timestamp"][i].astype("int64")))).astimezone(zone)
        a = float(ev["amount"][i])
        if rng.random() < 0.02:
            amount, empty = "", empty + 1
        else:
            amount, refunds = f"{a:.2f}", refunds + (a < 0)
        lines.append(f"{cid(int(ev['customer_id'][i]))},{t.isoformat()},{amount},{ev['event'][i]}")
    spoiled = rng.sample(range(1, len(lines)), sum(BAD.values()))
    for k, j in enumerate(spoiled):
        parts = lines[j].split(",")
        reason = list(BAD)[k % len(BAD)]
        if parts[2] == "":
            empty -= 1
        elif float(parts[2]) < 0:
            refunds -= 1
        if reason == "null customer id":
            parts[0] = ""
        elif reason == "null timestamp":
            parts[1] = ""
        elif reason.startswith("unparseable"):
            parts[1] = "not a date"
        else:
            parts[2] = "inf"
        lines[j] = ",".join(parts)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Messy(path, len(lines) - 1, dict(BAD), empty, refunds)


#: The command-line options that read it.
OPTIONS = ["--customer", "customer", "--time", "ordered_at", "--event", "status", "--tz", TZ]
