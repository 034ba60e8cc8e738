"""How values are shown, in one place: result reprs and HTML, the report (terminal, HTML,
CSV and JSON) and the explorer all format through these functions.

The rules:

- numbers: thousands separators, 2 decimals for non-integers; percentages (0-100, or 0-1
  with ``fraction=True``) with 1 decimal and a ``%``; NaN / None as a dash;
- units go with every value: ``%`` on rates and shares, the unit word otherwise
  (``6.94 points``); a column's unit comes from the result (``units=``) or from its name
  (``*_rate``, ``*_pct``, ``share``: percentages 0-100);
- identifiers are labels, not quantities: an id column (``customer_id``, ``*_id``) is
  shown as the id itself, never with thousands separators;
- instants are shown in local time to the minute (``2024-03-31 23:59``) with the zone named
  once beside them (in the caption or the header); dates (``datetime64[D]``) as dates;
- long tables show their head and tail with ``…`` between, and their shape, as pandas and
  polars do; wide ones drop middle columns (``…``) rather than cut a value.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

DASH = "–"
ELLIPSIS = "…"
#: Tables longer than this show their head and tail only (pandas' ``display.max_rows``)...
MAX_ROWS = 60
#: ... that many rows in all (pandas' ``display.min_rows``).
MIN_ROWS = 10
#: Units whose values are shown bare (a ratio has no unit; a count is a whole number of
#: things, shown without decimals even when held as a float to allow NaN).
BARE_UNITS = ("", "ratio", "count")


def num(v: Any, digits: int = 2) -> str:
    """``1,234.57``; integers without decimals; NaN / None as a dash.

    >>> num(1234.567), num(12), num(float("nan"))
    ('1,234.57', '12', '–')
    """
    if v is None:
        return DASH
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    v = float(v)
    if math.isnan(v):
        return DASH
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    return f"{v:,.{digits}f}"


def count(v: Any) -> str:
    """A count, even when it arrives as a float (``92.0`` -> ``92``)."""
    if v is None or (isinstance(v, (float, np.floating)) and not math.isfinite(v)):
        return DASH
    return f"{int(round(float(v))):,}"


def pct(v: Any, digits: int = 1, *, fraction: bool = False) -> str:
    """``12.3%`` from a 0-100 value (or a 0-1 ``fraction``); NaN as a dash.

    >>> pct(48.336), pct(0.5, fraction=True)
    ('48.3%', '50.0%')
    """
    if v is None or (isinstance(v, (float, np.floating)) and math.isnan(v)):
        return DASH
    return f"{float(v) * (100 if fraction else 1):,.{digits}f}%"


def value(v: Any, unit: str = "") -> str:
    """A value with its unit: ``%`` values as percentages, a unit word after the number
    (``6.94 points``), a ratio bare.

    >>> value(64.82, "%"), value(6.941, "points"), value(1.08, "ratio"), value(None, "points")
    ('64.8%', '6.94 points', '1.08', '–')
    """
    if unit == "%":
        return pct(v)
    text = count(v) if unit == "count" else num(v)
    return f"{text} {unit}" if unit not in BARE_UNITS and text != DASH else text


def change(latest: Any, previous: Any, unit: str = "") -> str:
    """Signed change: points for percentages (``+1.2 pts``), else ``+12 (+3.4%)``; the
    relative change only on a positive base (on zero or a negative base a percentage
    change has no meaning: ``-130 -> +238`` is ``+368``, not ``+283.1%``).

    >>> change(12, 10), change(45.0, 40.0, "%"), change(238, -130)
    ('+2 (+20.0%)', '+5.0 pts', '+368')
    """
    try:
        a, b = float(latest), float(previous)
    except (TypeError, ValueError):
        return DASH
    if math.isnan(a) or math.isnan(b):
        return DASH
    d = a - b
    if unit == "%":
        return f"{d:+.1f} pts"
    rel = f" ({d / b * 100:+.1f}%)" if b > 0 else ""
    text = f"{int(d):+,}" if float(d).is_integer() else f"{d:+,.2f}"
    return f"{text}{rel}" if unit in BARE_UNITS else f"{text} {unit}{rel}"


def numeric(cells: list[str]) -> bool:
    """Whether a column of formatted cells holds numbers (right-aligned when rendered)."""
    shown = [c for c in cells if c and c != DASH and c != ELLIPSIS]
    return bool(shown) and all(_NUMBER.match(c) for c in shown)


_NUMBER = re.compile(r"[+\-–]?(\d[\d,.]*|∞)(%|\*|%\*| pts| \(.*\))?( [a-z]+)?( \(.*\))?\Z")


# ----------------------------------------------------------------------------- units and ids


def unit_of(column: str, units: Mapping[str, str] | None = None) -> str:
    """The unit of a result column: ``units[column]`` when given, else ``%`` for the
    percentage columns by name (``*_rate``, ``*_pct``, ``share``, ``*_share``: 0-100 by
    the package's convention), else none.

    >>> unit_of("churn_rate"), unit_of("share"), unit_of("revenue"), unit_of("rate", {"rate": "fraction"})
    ('%', '%', '', 'fraction')
    """
    if units and column in units:
        return units[column]
    if column.endswith(("_rate", "_pct", "_share")) or column == "share":
        return "%"
    return ""


def is_id(column: str) -> bool:
    """Whether a column holds identifiers (labels, shown as they are).

    >>> is_id("customer_id"), is_id("id"), is_id("n_purchases")
    (True, True, False)
    """
    return column == "id" or column.endswith("_id")


# ----------------------------------------------------------------------------- time


def _zone(tz: str | None) -> Any:
    if not tz or tz == "UTC":
        return dt.UTC
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(tz)
    except (ImportError, KeyError, ValueError, OSError):
        return None


def local_minute(us: int, tz: str | None) -> str:
    """``2024-03-31 23:59``: the instant ``us`` (µs since the epoch) in the local time of
    ``tz``, to the minute (UTC when the zone database lacks ``tz``).

    >>> local_minute(1_711_929_599_000_000, "Europe/Paris")
    '2024-04-01 01:59'
    """
    t = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(us))
    zone = _zone(tz)
    return f"{t.astimezone(zone or dt.UTC):%Y-%m-%d %H:%M}"


def zone_name(tz: str | None) -> str:
    """The zone :func:`local_minute` shows times in (``UTC`` when ``tz`` is unknown)."""
    return tz if tz and _zone(tz) is not None else "UTC"


def instant(us: int, tz: str | None) -> str:
    """``2024-03-31 23:59 (Europe/Paris)`` from µs since the epoch: local time with its zone.

    >>> instant(1_711_929_599_000_000, "Europe/Paris")
    '2024-04-01 01:59 (Europe/Paris)'
    """
    return f"{local_minute(us, tz)} ({zone_name(tz)})"


def is_instant(values: np.ndarray) -> bool:
    """Whether an array holds instants (datetime64 finer than a day), not dates."""
    return values.dtype.kind == "M" and np.datetime_data(values.dtype)[0] not in ("D", "W", "M", "Y")


# ----------------------------------------------------------------------------- cells


def cell(v: Any, *, unit: str = "", ident: bool = False, tz: str | None = None) -> str:
    """One value as a table shows it (see the module's rules): ``unit`` of its column
    (``%`` and ``fraction`` values are shown as percentages; unit words belong in the
    column's header, not in every cell), ``ident`` for an id column, ``tz`` the zone of
    instants.

    >>> cell(100919, ident=True), cell(100919), cell(48.336, unit="%"), cell(np.datetime64("2024-03-01", "D"))
    ('100919', '100,919', '48.3%', '2024-03-01')
    """
    if v is None:
        return DASH
    if ident:
        return str(v)
    if isinstance(v, np.datetime64):
        if np.isnat(v):
            return DASH
        if is_instant(np.asarray(v)):
            return local_minute(int(v.astype("datetime64[us]").astype(np.int64)), tz)
        return str(v.astype("datetime64[D]"))
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return DASH
        if unit == "%":
            return pct(v)
        if unit == "fraction":
            return pct(v, fraction=True)
        if unit == "count":
            return count(v)
        return f"{v:,.2f}" if abs(float(v)) < 1e15 else f"{v:.3g}"
    if isinstance(v, (int, np.integer)):
        return pct(v) if unit == "%" else f"{v:,}"
    return str(v)


def column_cells(
    name: str, values: np.ndarray, rows: Sequence[int], *, units: Mapping[str, str] | None = None, tz: str | None = None
) -> list[str]:
    """The cells of column ``name`` at ``rows``."""
    unit, ident = unit_of(name, units), is_id(name)
    return [cell(values[i], unit=unit, ident=ident, tz=tz) for i in rows]


def shown_rows(n: int, max_rows: int = MAX_ROWS, min_rows: int = MIN_ROWS) -> list[int]:
    """The rows a table of ``n`` rows shows: all up to ``max_rows``, else the first and
    last ``min_rows // 2``, with -1 standing for the ``…`` between them (pandas' rule).

    >>> shown_rows(3), shown_rows(100, 60, 4)
    ([0, 1, 2], [0, 1, -1, 98, 99])
    """
    if n <= max_rows:
        return list(range(n))
    head = max(1, min_rows // 2)
    return [*range(head), -1, *range(n - head, n)]


def has_instants(columns: Mapping[str, np.ndarray]) -> bool:
    """Whether some column holds instants (their zone is then named once, beside the table)."""
    return any(is_instant(np.asarray(v)) for v in columns.values())


def formatted(
    columns: Mapping[str, np.ndarray],
    rows: Sequence[int],
    *,
    units: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> list[list[str]]:
    """Rows of formatted cells of ``columns`` at ``rows`` (-1: a row of ``…``)."""
    names = list(columns)
    real = [i for i in rows if i >= 0]
    by_column = {c: dict(zip(real, column_cells(c, np.asarray(columns[c]), real, units=units, tz=tz))) for c in names}
    return [[ELLIPSIS] * len(names) if i < 0 else [by_column[c][i] for c in names] for i in rows]


# ----------------------------------------------------------------------------- text


def terminal_width() -> int:
    """The width text reprs fit in: the terminal's, else 80 (as pandas)."""
    return shutil.get_terminal_size((80, 24)).columns


def fit_columns(widths: Sequence[int], width: int, *, keep: int = 1, gap: int = 2) -> list[int]:
    """The columns (indices) of a text table that fit in ``width`` characters: the first
    ``keep`` always, then as many of the others as fit, taken from both ends; -1 stands
    for the ``…`` column between the head and the tail (pandas' rule).

    >>> fit_columns([6, 5, 5, 5, 5, 5], 80), fit_columns([6, 5, 5, 5, 5, 5], 30)
    ([0, 1, 2, 3, 4, 5], [0, 1, 2, -1, 5])
    """
    n = len(widths)
    if sum(widths) + gap * (n - 1) <= width or n <= keep:
        return list(range(n))
    used = sum(widths[:keep]) + gap * (keep - 1) + gap + len(ELLIPSIS)
    head, tail = list(range(keep)), list[int]()
    lo, hi = keep, n - 1
    take_tail = False
    while lo <= hi:
        j = hi if take_tail else lo
        if used + gap + widths[j] > width:
            break
        used += gap + widths[j]
        if take_tail:
            tail.insert(0, j)
            hi -= 1
        else:
            head.append(j)
            lo += 1
        take_tail = not take_tail
    return [*head, -1, *tail] if lo <= hi else [*head, *tail]


def text_grid(
    header: list[str],
    rows: list[list[str]],
    *,
    footer: list[list[str]] | None = None,
    width: int | None = None,
    keep: int = 1,
    right: Sequence[bool] | None = None,
) -> str:
    """Rows of cells as aligned text no wider than ``width``: middle columns dropped (a
    ``…`` column), never a value cut. Numbers are right-aligned, text left-aligned."""
    footer = footer or []
    everything = [header, *rows, *footer]
    n = len(header)
    widths = [max(len(r[j]) for r in everything) for j in range(n)]
    if right is None:
        right = [numeric([r[j] for r in rows + footer]) for j in range(n)]
    cols = fit_columns(widths, width or terminal_width(), keep=keep)

    def line(cells: list[str]) -> str:
        out = []
        for j in cols:
            if j < 0:
                out.append(ELLIPSIS)
            else:
                out.append(cells[j].rjust(widths[j]) if right[j] else cells[j].ljust(widths[j]))
        return "  ".join(out).rstrip()

    return "\n".join(line(r) for r in everything)


def text_table(
    columns: Mapping[str, np.ndarray],
    *,
    units: Mapping[str, str] | None = None,
    tz: str | None = None,
    max_rows: int = MAX_ROWS,
    min_rows: int = MIN_ROWS,
    width: int | None = None,
    shape: bool = True,
    fit: bool = True,
) -> str:
    """Equal-length columns as text: head and tail with ``…`` when long, middle columns
    dropped when wider than ``width`` (default: the terminal's; ``fit=False`` keeps every
    column, for listings), and the shape below (``[293 rows x 5 columns]``), as pandas
    prints.

    >>> print(text_table({"customer_id": np.array([100919, 7]), "revenue": np.array([1234.5, 2.0])}))
    customer_id   revenue
    100919       1,234.50
    7                2.00
    [2 rows x 2 columns]
    """
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    rows = shown_rows(n, max_rows, min_rows)
    text = text_grid(names, formatted(columns, rows, units=units, tz=tz), width=width if fit else 1 << 30)
    return text + f"\n[{n:,} row{'s' if n != 1 else ''} x {len(names)} columns]" if shape else text


# ----------------------------------------------------------------------------- HTML


def html_table(
    columns: Mapping[str, np.ndarray],
    *,
    title: str = "",
    units: Mapping[str, str] | None = None,
    tz: str | None = None,
    max_rows: int = MAX_ROWS,
    min_rows: int = MIN_ROWS,
    css: str = "fidelite-table",
) -> str:
    """A plain HTML table of equal-length columns: head and tail with a ``…`` row when
    long, numbers right-aligned, the shape in the caption when rows are left out."""
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    rows = shown_rows(n, max_rows, min_rows)
    cells = formatted(columns, rows, units=units, tz=tz)
    right = [numeric([r[j] for r in cells]) for j in range(len(names))]
    head = "".join(f"<th{' class=num' if right[j] else ''}>{html.escape(c)}</th>" for j, c in enumerate(names))
    body = []
    for i, row in zip(rows, cells):
        if i < 0:
            body.append(
                f"<tr class='more'><td colspan='{len(names)}'>{ELLIPSIS} {n - len(rows) + 1:,} more rows</td></tr>"
            )
            continue
        body.append(
            "<tr>"
            + "".join(f"<td{' class=num' if right[j] else ''}>{html.escape(c)}</td>" for j, c in enumerate(row))
            + "</tr>"
        )
    caption = title
    if len(rows) < n:
        caption += f"{' ' if caption else ''}[{n:,} rows x {len(names)} columns]"
    if tz and has_instants(columns):
        caption += f"{'; ' if caption else ''}times in {zone_name(tz)}"
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table class='{css}' data-rows='{n}'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
