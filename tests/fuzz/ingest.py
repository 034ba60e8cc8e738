"""atheris harness: EventLog ingest of odd frames (``make fuzz-python``).

Each input builds one event log from the fuzzer's bytes: a dict of numpy arrays, a pandas,
polars or pyarrow table, or CSV bytes read from a file, with odd dtypes (big-endian
datetimes, every datetime64 unit, object columns mixing text, ints, floats, bytes, None
and NaT, floats past 2^63, bools, categoricals, NUL bytes, blank-padded and odd date
strings). The log must either be built with every row accounted for
(``read == used + rejected``, ids and instants read-only) and answer a few metrics, or
raise a ``fidelite.exceptions.FideliteError`` other than ``InternalError``. Anything else
(another exception, a Rust panic, an abort) is a crash, and atheris stops with the input.

    python tests/fuzz/ingest.py -atheris_runs=100000 tests/fuzz/corpus/ingest
    python tests/fuzz/ingest.py tests/fuzz/corpus/ingest/<file>   # replay one input

``build(data)`` and ``check(data)`` are also called on every committed input by
``tests/test_fuzz_corpus.py`` (without atheris).
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from typing import Any

import numpy as np

TEXT = ["a", "a\0", "a\0b", "007", "7", " 7 ", "", "é", "9223372036854775808", "-1", "1e3", "nan", "None"]
DATES = [
    "2024-01-05",
    "20240105",
    "2024-1-5",
    " 2024-01-05 ",
    "2024-03-31T02:30:00",
    "2024-11-03 01:30:00-04:00",
    "2024-01-05T00:00:00Z",
    "0001-01-01",
    "1900-01-01",
    "1970-01-01",
    "9999-12-31",
    "2024-13-01",
    "yesterday",
    "",
]
INSTANTS_US = [
    -62_135_596_800_000_000,  # 0001-01-01
    -2_208_988_800_000_000,  # 1900-01-01
    0,
    -1,
    1_704_067_200_000_000,  # 2024-01-01
    1_711_846_799_999_999,  # 2024-03-31 00:59:59.999999 UTC (Paris DST starts at 01:00)
    1_711_846_800_000_000,
    253_402_214_400_000_000,  # 9999-12-31
    2**62,
    -(2**63) + 1,
]
UNITS = ["ns", "us", "ms", "s", "D", "h"]
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe"]


class Source:
    """Draws from the fuzzer's bytes (atheris' provider, or a plain reader for replays)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def byte(self) -> int:
        b = self.data[self.at] if self.at < len(self.data) else 0
        self.at += 1
        return b

    def pick(self, options: list) -> Any:
        return options[self.byte() % len(options)]

    def int(self, lo: int, hi: int) -> int:
        raw = int.from_bytes(bytes(self.byte() for _ in range(8)), "little")
        return lo + raw % (hi - lo + 1)

    def chance(self, k: int) -> bool:
        return self.byte() % k == 0


def instants(src: Source, n: int) -> np.ndarray:
    base = src.pick(INSTANTS_US[:7])
    return np.array(
        [src.pick(INSTANTS_US) if src.chance(4) else base + src.int(-(10**12), 10**12) for _ in range(n)],
        dtype=np.int64,
    )


def time_column(src: Source, n: int) -> Any:
    kind = src.byte() % 9
    us = instants(src, n)
    if kind == 0:  # any unit, maybe big-endian
        unit = src.pick(UNITS)
        scale = {"ns": 1000, "us": 1, "ms": 10**-3, "s": 10**-6, "D": 1 / 86_400e6, "h": 1 / 3_600e6}[unit]
        values = (us * scale).astype(np.int64) if unit != "ns" else np.clip(us, -(2**62), 2**62) * 1
        col = values.astype(f"datetime64[{unit}]")
        return col.astype(col.dtype.newbyteorder(">")) if src.chance(2) else col
    if kind == 1:
        return np.array([src.pick(DATES) for _ in range(n)], dtype=object)
    if kind == 2:  # objects: datetimes, dates, NaT, None, numbers, text
        import datetime as dt

        options = [
            dt.datetime(2024, 1, 5, 12),
            dt.date(1900, 1, 1),
            dt.datetime(2024, 3, 31, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            np.datetime64("NaT"),
            None,
            np.datetime64("2024-01-05", "D"),
            1_704_067_200,
            "2024-01-05",
            b"2024-01-05",
            float("nan"),
        ]
        return np.array([src.pick(options) for _ in range(n)], dtype=object)
    if kind == 3:
        return us  # plain integers: not times
    if kind == 4:
        return np.array([src.pick(DATES) for _ in range(n)], dtype=str)
    if kind == 5:  # datetime64[us] with NaT
        col = us.view("datetime64[us]").copy()
        if n and src.chance(2):
            col[src.int(0, n - 1)] = np.datetime64("NaT")
        return col
    if kind == 6:
        return us.astype(np.float64)
    if kind == 7:  # days, any of them (year 100,000,000 too), maybe big-endian
        days = np.array(
            [src.int(-(2**40), 2**40) if src.chance(3) else t // 86_400_000_000 for t in us], dtype=np.int64
        )
        col = days.view("datetime64[D]")
        return col.astype(">M8[D]") if src.chance(2) else col
    return np.array([src.pick(DATES) for _ in range(n)], dtype=object)


def id_column(src: Source, n: int) -> Any:
    kind = src.byte() % 9
    if kind == 0:
        dtype = np.dtype(src.pick(["<i8", ">i8", "<u8", ">u8", "<i4", "<u2", "<i1"]))
        lo = -3 if dtype.kind == "i" else 0
        return np.array([src.int(lo, 5) for _ in range(n)], dtype=dtype)
    if kind == 1:
        return np.array([src.pick(TEXT) for _ in range(n)], dtype=object)
    if kind == 2:  # floats: whole, fractional, NaN, past 2^63, negative zero
        options = [1.0, 2.0, 1.5, float("nan"), 1e19, 9.3e18, 1.2e19, -0.0, float("inf"), 2.0**53 + 1]
        return np.array([src.pick(options) for _ in range(n)], dtype=src.pick(["<f8", ">f8", "<f4"]))
    if kind == 3:  # mixed objects
        options = [1, "1", b"1", None, 1.0, True, "a\0", float("nan"), 2**64, -(2**63)]
        return np.array([src.pick(options) for _ in range(n)], dtype=object)
    if kind == 4:
        return np.array([src.chance(2) for _ in range(n)], dtype=bool)
    if kind == 5:
        return np.array([src.pick(TEXT) for _ in range(n)], dtype=str)
    if kind == 6:
        return np.array([src.pick(TEXT).encode() for _ in range(n)], dtype=object)
    if kind == 7:
        return [src.pick(TEXT + [None, 3]) for _ in range(n)]  # a Python list
    return np.array([src.int(-(2**63), 2**63 - 1) for _ in range(n)], dtype=np.int64)


def amount_column(src: Source, n: int) -> Any:
    options = [1.5, "2.5", " 3 ", "1,5", None, float("nan"), float("inf"), -1e308, 1e308, True, "abc", 7]
    kind = src.byte() % 4
    if kind == 0:
        return np.array([src.pick(options) for _ in range(n)], dtype=object)
    if kind == 1:
        return np.array([src.pick([1.5, float("nan"), 1e308, -0.0]) for _ in range(n)], dtype=src.pick(["<f8", ">f8"]))
    if kind == 2:
        return np.array([src.int(-5, 5) for _ in range(n)], dtype=">i4")
    return np.array([src.pick(["1", "2.5", ""]) for _ in range(n)], dtype=str)


def event_column(src: Source, n: int) -> Any:
    return np.array([src.pick(["purchase", "visit", None, "", "Purchase", 3]) for _ in range(n)], dtype=object)


def columns(src: Source) -> dict[str, Any]:
    n = src.int(0, 12)
    cols = {"customer_id": id_column(src, n), "timestamp": time_column(src, n)}
    if src.chance(2):
        cols["amount"] = amount_column(src, n)
    if src.chance(2):
        cols["event"] = event_column(src, n)
    return cols


def frame(src: Source, cols: dict[str, Any]) -> Any:
    """The columns in a random container (the dict itself, pandas, polars, pyarrow, CSV)."""
    kind = src.byte() % 6
    if kind == 0:
        return cols
    try:
        if kind in (1, 2):
            import pandas as pd

            df = pd.DataFrame({k: list(v) if isinstance(v, list) else v for k, v in cols.items()})
            if kind == 2 and src.chance(2):
                df["customer_id"] = df["customer_id"].astype("category")
            elif kind == 2:
                df["customer_id"] = df["customer_id"].astype(src.pick(["string", "object", "Int64"]))
            return df
        if kind == 3:
            import polars as pl

            return pl.DataFrame({k: list(v) if not isinstance(v, list) else v for k, v in cols.items()}, strict=False)
        if kind == 4:
            import pyarrow as pa

            return pa.table({k: pa.array(list(v), from_pandas=True) for k, v in cols.items()})
    except Exception:
        return cols
    return csv_bytes(src, cols)


def csv_bytes(src: Source, cols: dict[str, Any]) -> str:
    """The columns written as CSV text, or raw bytes from the fuzzer, in a temporary file."""
    if src.chance(3):
        body = bytes(src.byte() for _ in range(src.int(0, 80)))
    else:
        names = list(cols)
        lines = [",".join(names)] + [
            ",".join(str(cols[k][i]).replace(",", " ").replace("\n", " ") for k in names)
            for i in range(len(cols["customer_id"]))
        ]
        body = "\n".join(lines).encode("utf-8", "replace")
    fd, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "wb") as f:
        f.write(body)
    return path


def check(data: bytes) -> None:
    """Builds one log from ``data`` and checks what fidelite promises about it."""
    import fidelite
    from fidelite.exceptions import FideliteError, InternalError

    # a small memory limit: too large an answer must be an error, and no input spends
    # seconds on a legitimate but huge one (8,000 yearly cohorts of a 1970..9999 log)
    limit = fidelite.memory_limit()
    fidelite.set_memory_limit(64 << 20)
    table = None
    try:
        src = Source(data)
        table = frame(src, columns(src))
        tz = src.pick(ZONES)
        period = src.pick(["day", "week", "month", "year"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            log = fidelite.EventLog(table, tz=tz)
            r = log.report
            assert r.read == r.used + r.n_rejected, r
            assert not log.customer_ids.flags.writeable
            if log.n_events:
                fidelite.retention(log, period=period)
                fidelite.customer_summary(log)
                fidelite.lifecycle(log, period=period)
    except InternalError:
        raise  # a Rust panic caught at the binding: a crash all the same
    except FideliteError:
        pass
    finally:
        fidelite.set_memory_limit(limit)
        if isinstance(table, str):
            os.unlink(table)


#: the libraries an input may build its table with or fidelite reads it through, imported
#: before the instrumented ones: atheris then instruments fidelite only (the first lazy
#: ``import pandas`` of an input took over 60 s under instrumentation: 2 executions in a run)
PLAIN_IMPORTS = ("pandas", "pyarrow", "pyarrow.csv", "pyarrow.compute", "polars", "narwhals", "numpy")


def main() -> None:
    import importlib
    import pkgutil

    import atheris

    for name in PLAIN_IMPORTS:
        importlib.import_module(name)
    with atheris.instrument_imports(include=["fidelite"]):
        import fidelite

        # every fidelite module an input reaches, imported now (a module imported lazily
        # later would run uninstrumented); the report, explorer and CLI layers are not reached
        for m in pkgutil.walk_packages(fidelite.__path__, "fidelite."):
            if not m.name.startswith(("fidelite.report", "fidelite.explore", "fidelite.cli", "fidelite.scale")):
                importlib.import_module(m.name)

    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
