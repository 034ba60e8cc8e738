"""Machine-readable exports of a report: JSON (every section) and CSV (one table).

A table that shows only part of its data (the top 10 of the at-risk list, the latest
periods of the lifecycle) carries the whole of it (:attr:`Table.data`): the exports write
every row of that, with raw values (numbers as numbers, ids as they are, instants as ISO
8601 with their local offset, NaN as empty / null). Other tables are written as shown.
Tables and sections are named by their key, with ``-`` or ``_`` alike (``at_risk``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..results.formatting import is_instant, zone_name
from .model import Table, Text

if TYPE_CHECKING:
    from .model import ReportData, Section


def _key(name: str) -> str:
    return name.replace("-", "_").strip().lower()


def names(report: ReportData) -> dict[str, list[str]]:
    """The exportable names: each section key with the keys of its tables."""
    return {
        _key(s.key): [_key(b.key) for b in s.blocks if isinstance(b, Table) and b.key]
        for s in report.sections
        if not s.html_only
    }


def _listing(report: ReportData) -> str:
    return "; ".join(f"{s}: {', '.join(t) or 'no table'}" for s, t in names(report).items())


def find_section(report: ReportData, name: str) -> Section:
    """The section named ``name``, or the section holding the table ``name``."""
    key = _key(name)
    for s in report.sections:
        if _key(s.key) == key or any(isinstance(b, Table) and _key(b.key) == key for b in s.blocks):
            return s
    raise KeyError(f"no section or table {name!r} in this report; sections and their tables: {_listing(report)}")


def find_table(report: ReportData, name: str) -> Table:
    """The table named ``name`` (its key), or the only table of the section ``name``."""
    key = _key(name)
    for s in report.sections:
        tables = [b for b in s.blocks if isinstance(b, Table)]
        for t in tables:
            if _key(t.key) == key:
                return t
        if _key(s.key) == key:
            if len(tables) == 1:
                return tables[0]
            if s.status != "ok":
                raise KeyError(f"section {name!r} has no table: {s.status}: {s.message}")
            raise KeyError(
                f"section {name!r} has {len(tables)} tables: name one of {', '.join(_key(t.key) for t in tables)}"
            )
    raise KeyError(f"no table {name!r} in this report; sections and their tables: {_listing(report)}")


# ----------------------------------------------------------------------------- raw values


def raw(v: Any, tz: str | None = None) -> Any:
    """A value as JSON / CSV hold it: numbers, strings, booleans, None for missing;
    instants as ISO 8601 in local time with the offset; dates as ``YYYY-MM-DD``."""
    if v is None:
        return None
    if isinstance(v, np.datetime64):
        if np.isnat(v):
            return None
        if is_instant(np.asarray(v)):
            us = int(v.astype("datetime64[us]").astype(np.int64))
            t = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)
            try:
                from zoneinfo import ZoneInfo

                t = t.astimezone(ZoneInfo(zone_name(tz)))
            except (ImportError, KeyError, ValueError, OSError):
                pass
            return t.isoformat(timespec="seconds")
        return str(v.astype("datetime64[D]"))
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v if isinstance(v, str) else str(v)


def records(table: Table) -> tuple[list[str], list[list[Any]]]:
    """(column names, rows of raw values) of the whole table: from its data when it has
    some, else its shown cells (footer rows included)."""
    if table.data is not None:
        cols = list(table.data)
        arrays = [np.asarray(table.data[c]) for c in cols]
        n = len(arrays[0]) if arrays else 0
        return cols, [[raw(a[i], table.tz) for a in arrays] for i in range(n)]
    return list(table.columns), [list(r) for r in table.rows + table.footer]


# ----------------------------------------------------------------------------- formats


def to_csv(report: ReportData, name: str) -> str:
    """Table ``name`` as CSV (every row; see the module)."""
    cols, rows = records(find_table(report, name))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def _table_json(t: Table) -> dict[str, Any]:
    out: dict[str, Any] = {"key": _key(t.key), "caption": t.caption, "columns": t.columns, "rows": t.rows}
    if t.footer:
        out["footer"] = t.footer
    if t.data is not None:
        cols, rows = records(t)
        out["records"] = [dict(zip(cols, r)) for r in rows]
    return out


def _section_json(s: Section) -> dict[str, Any]:
    return {
        "key": _key(s.key),
        "title": s.title,
        "status": s.status,
        "message": s.message,
        "texts": [b.text for b in s.blocks if isinstance(b, Text)],
        "tables": [_table_json(b) for b in s.blocks if isinstance(b, Table)],
        "notes": s.notes,
    }


def to_json(report: ReportData, section: str | None = None) -> str:
    """The report (or one section) as JSON: the parameters, then every section with its
    status, texts, tables (shown cells, and the raw records of the whole data) and notes."""
    from .._core import __version__
    from .sections import as_of_text

    inputs = report.inputs
    sections = [find_section(report, section)] if section else [s for s in report.sections if not s.html_only]
    doc = {
        "title": report.title,
        "fidelite": __version__,
        "source": inputs.source or inputs.log.source,
        "period": inputs.period,
        "week_start": inputs.week_start,
        "tz": inputs.tz,
        "as_of": as_of_text(inputs),
        "sections": [_section_json(s) for s in sections],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
