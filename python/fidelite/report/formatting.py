"""Cell formatting shared by the section builders (renderers print strings as given)."""

from __future__ import annotations

import datetime as dt
import math
import re
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
    t = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=int(us))
    try:
        from zoneinfo import ZoneInfo

        return f"{t.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M} ({tz})"
    except (ImportError, KeyError, ValueError, OSError):
        return f"{t:%Y-%m-%d %H:%M} (UTC)"
