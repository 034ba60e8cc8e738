"""Every result the public API returns, found programmatically: each metric of
``fidelite.metrics.__all__`` called on the demo shop (its first parameter names the table
it reads), every registered index, and the results those results hold or hand out (a
matrix's cells, a campaign's levels, a segment's matrix). ``result_classes()`` lists every
subclass of ``fidelite.results.Result`` in the package and its plugins, so a test can check
that none is left without an instance.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

import fidelite
from fidelite.results import Result

#: Tables of the demo shop a metric may take first, by parameter name.
TABLES = ("customers", "surveys", "contacts", "subscriptions", "programme")
#: Tables a metric of the events takes as keywords (the surveys of nps_behaviour...).
KEYWORD_TABLES = ("surveys", "programme")
#: Parameters without a default that a metric needs.
REQUIRED = {"near_next_tier": {"tiers": {"bronze": 0, "silver": 150, "gold": 500}, "within": 50}}


def string_ids(shop: Any) -> dict[str, dict[str, np.ndarray]]:
    """The demo shop's tables (numpy form) with customer ids as text ("C-<id>")."""
    out = {}
    for name in ("events", *TABLES):
        table = dict(getattr(shop, name))
        table["customer_id"] = np.array([f"C-{i}" for i in table["customer_id"]], dtype=object)
        out[name] = table
    return out


def call_metric(name: str, tables: dict[str, Any], data: Any) -> Result:
    """The public metric ``name`` on ``data`` (an EventLog or anything it accepts), or on
    the table its first parameter names (with ``data`` as its events)."""
    metric = getattr(fidelite, name)
    params = inspect.signature(metric).parameters
    first = next(iter(params))
    extra = REQUIRED.get(name, {})
    if first in TABLES:
        kwargs = {"events": data} if "events" in params else {}
        return metric(tables[first], **kwargs, **extra)
    return metric(data, **{t: tables[t] for t in KEYWORD_TABLES if t in params}, **extra)


def call_every_metric(tables: dict[str, Any], data: Any) -> Iterator[tuple[str, Result]]:
    """(name, result) of every public metric (:func:`call_metric`)."""
    for name in fidelite.metrics.__all__:
        yield name, call_metric(name, tables, data)


def every_result(tables: dict[str, Any], data: Any) -> dict[str, Result]:
    """Every result reachable from the public API on these tables, by a path naming how
    it was obtained (e.g. ``"campaigns.pressure"``)."""
    found: dict[str, Result] = {}
    for name, result in call_every_metric(tables, data):
        walk(name, result, found)
    segmented = fidelite.retention(data, segment="segment", customers=tables["customers"])
    walk("retention(segment=)", segmented, found)
    by_segment = fidelite.period_kpis(data, segment="segment", customers=tables["customers"], period="quarter")
    walk("period_kpis(segment=)", by_segment, found)
    walk("period_kpis(segment=).overview", by_segment.overview, found)
    matrix = fidelite.retention(data, period="quarter")
    walk("retention.customers(0, 1)", matrix.customers(0, 1), found)
    walk("retention(on_or_after).forecast()", fidelite.retention(data, criterion="on_or_after").forecast(), found)
    walk("predicted_clv.matrix()", found["predicted_clv"].matrix(), found)
    walk("campaigns.by('channel')", fidelite.campaigns(tables["contacts"], events=data).by("channel"), found)
    walk("indices()", fidelite.indices(), found)
    for index in fidelite.indices():
        result = fidelite.compute_index(index.name, events=data, **{t: tables[t] for t in TABLES if t in index.inputs})
        walk(f"compute_index({index.name!r})", result, found)
    return found


def walk(path: str, result: Result, found: dict[str, Result]) -> None:
    """Adds ``result`` and every result it holds (attributes, dicts of results)."""
    found[path] = result
    for attr, value in vars(result).items():
        if isinstance(value, Result):
            walk(f"{path}.{attr}", value, found)
        elif isinstance(value, dict):
            for key, part in value.items():
                if isinstance(part, Result):
                    walk(f"{path}.{attr}[{key!r}]", part, found)


def result_classes() -> set[type]:
    """Every concrete subclass of Result defined by fidelite and its loaded plugins."""
    fidelite.indices()  # loads the plugins, whose result classes count too
    seen: set[type] = set()
    todo = [Result]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return {c for c in seen if not inspect.isabstract(c)}


def python_values(values: np.ndarray) -> list[Any]:
    """A numpy column as the Python values an Arrow consumer gives back: NaN, NaT and
    None are None, datetime64[D] dates, other datetime64 naive datetimes."""
    if values.dtype.kind == "M":
        unit = "D" if values.dtype == "datetime64[D]" else "us"
        return [None if np.isnat(v) else v.astype(f"datetime64[{unit}]").item() for v in values]
    out = []
    for v in values.tolist():
        if isinstance(v, float) and math.isnan(v):
            v = None
        out.append(v)
    return out


def same(got: list[Any], expected: list[Any]) -> bool:
    """Whether two columns of Python values are equal (aware datetimes compared as
    instants against naive UTC ones)."""
    if len(got) != len(expected):
        return False
    for a, b in zip(got, expected):
        if isinstance(a, dt.datetime) and isinstance(b, dt.datetime) and (a.tzinfo is None) != (b.tzinfo is None):
            a, b = (x if x.tzinfo else x.replace(tzinfo=dt.UTC) for x in (a, b))
        if a != b:
            return False
    return True
