"""How values are shown, in one place: result reprs and HTML, the report (terminal and
HTML) and the explorer all format through these functions."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

DASH = "–"


def num(v: Any, digits: int = 2) -> str:
    """``1,234.57``; integers without decimals; NaN / None as a dash."""
    if v is None:
        return DASH
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    v = float(v)
    if math.isnan(v):
        return DASH
    return f"{v:,.{digits}f}"


def count(v: Any) -> str:
    """A count, even when it arrives as a float (``92.0`` -> ``92``)."""
    if v is None or (isinstance(v, (float, np.floating)) and not math.isfinite(v)):
        return DASH
    return f"{int(round(float(v))):,}"


def pct(v: Any, digits: int = 1, *, fraction: bool = False) -> str:
    """``12.3%`` from a 0-100 value (or a 0-1 ``fraction``); NaN as a dash."""
    if v is None or (isinstance(v, (float, np.floating)) and math.isnan(v)):
        return DASH
    return f"{float(v) * (100 if fraction else 1):,.{digits}f}%"


def change(latest: Any, previous: Any, unit: str = "") -> str:
    """Signed change: points for percentages (``+1.2 pts``), else ``+12 (+3.4%)``."""
    try:
        a, b = float(latest), float(previous)
    except (TypeError, ValueError):
        return DASH
    if math.isnan(a) or math.isnan(b):
        return DASH
    d = a - b
    if unit == "%":
        return f"{d:+.1f} pts"
    rel = f" ({d / abs(b) * 100:+.1f}%)" if b else ""
    return f"{d:+,.2f}{rel}" if not float(d).is_integer() else f"{int(d):+,}{rel}"


def numeric(cells: list[str]) -> bool:
    """Whether a column of formatted cells holds numbers (right-aligned when rendered)."""
    shown = [c for c in cells if c and c != DASH]
    return bool(shown) and all(_NUMBER.match(c) for c in shown)


_NUMBER = re.compile(r"[+\-–]?\d[\d,.]*(%|\*|%\*| pts| \(.*\))?( [a-z]+)?\Z")


def value(v: Any, unit: str = "") -> str:
    """A headline value with its unit (``%`` values as percentages)."""
    if unit == "%":
        return pct(v)
    text = num(v)
    return f"{text} {unit}" if unit and text != DASH else text


def instant(us: int, tz: str) -> str:
    """``2024-03-31 23:59 (Europe/Paris)`` from µs since the epoch; UTC when the local
    zone database lacks ``tz``."""
    t = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(us))
    try:
        from zoneinfo import ZoneInfo

        return f"{t.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M} ({tz})"
    except (ImportError, KeyError, ValueError, OSError):
        return f"{t:%Y-%m-%d %H:%M} (UTC)"


def cell(v: Any) -> str:
    """A value as a table shows it: floats with 2 decimals (NaN as a dash), integers with
    thousands separators."""
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return DASH
        return f"{v:,.2f}" if abs(float(v)) < 1e15 else f"{v:.3g}"
    if isinstance(v, (np.datetime64,)):
        return str(v)
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return f"{v:,}"
    return str(v)


def html_table(
    columns: Mapping[str, np.ndarray], *, title: str = "", max_rows: int = 60, css: str = "fidelite-table"
) -> str:
    """A plain HTML table of equal-length columns (first and last rows when long)."""
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    idx = list(range(n)) if n <= max_rows else list(range(max_rows // 2)) + [-1] + list(range(n - max_rows // 2, n))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in names)
    body = []
    for i in idx:
        if i < 0:
            body.append(f"<tr><td colspan='{len(names)}'>… {n - max_rows} more rows …</td></tr>")
            continue
        body.append("<tr>" + "".join(f"<td>{html.escape(cell(columns[c][i]))}</td>" for c in names) + "</tr>")
    cap = f"<caption>{html.escape(title)}</caption>" if title else ""
    return f"<table class='{css}'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def text_table(columns: Mapping[str, np.ndarray], *, max_rows: int = 40) -> str:
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    rows = [[cell(columns[c][i]) for c in names] for i in range(min(n, max_rows))]
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(names)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(names, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in rows]
    if n > max_rows:
        lines.append(f"… {n - max_rows} more rows")
    return "\n".join(lines)
