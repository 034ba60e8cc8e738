"""Loaders: reading data where it lives (a database, a database file), chosen by the
source's URI scheme or file suffix.

A loader takes the source (a URI or a path) and a query and returns the rows as an Arrow
stream (anything with ``__arrow_c_stream__``), which then goes through the same reading
and row accounting as any other input. Built in:

- ``postgresql://`` / ``postgres://`` URIs: PostgreSQL through ADBC
  (``adbc-driver-postgresql``, the ``sql`` extra);
- ``sqlite:///path`` URIs and ``.sqlite`` / ``.sqlite3`` / ``.db`` files: SQLite through
  ADBC (``adbc-driver-sqlite``, the ``sql`` extra);
- ``duckdb:///path`` URIs and ``.duckdb`` files: DuckDB (opened read-only).

:func:`register` adds a loader for more schemes or suffixes: the later plugin hook
(``fidelite_register_loaders``) will call it for each loader a plugin returns.

>>> find("postgresql://user@localhost/shop").name, find("shop.duckdb").name
('postgresql', 'duckdb')
>>> find("events.parquet") is None
True
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .._deps import import_optional
from ..exceptions import ParameterError


@dataclass(frozen=True)
class Loader:
    """One way of reading rows: ``read(source, query)`` returns an Arrow stream (or
    table) of the rows ``query`` selects from ``source``."""

    name: str
    read: Callable[[str, str], Any]


_lock = threading.Lock()
_by_scheme: dict[str, Loader] = {}
_by_suffix: dict[str, Loader] = {}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def register(loader: Loader, *, schemes: Iterable[str] = (), suffixes: Iterable[str] = ()) -> None:
    """Serve sources of these URI schemes (``"postgresql"``) and file suffixes
    (``".duckdb"``) with ``loader``; a later registration of the same key wins."""
    with _lock:
        for scheme in schemes:
            _by_scheme[scheme.lower()] = loader
        for suffix in suffixes:
            _by_suffix[suffix.lower()] = loader


def unregister(*, schemes: Iterable[str] = (), suffixes: Iterable[str] = ()) -> None:
    """Stop serving these schemes and suffixes (unknown keys are ignored)."""
    with _lock:
        for scheme in schemes:
            _by_scheme.pop(scheme.lower(), None)
        for suffix in suffixes:
            _by_suffix.pop(suffix.lower(), None)


def find(source: str) -> Loader | None:
    """The loader of ``source`` (by its URI scheme, else its file suffix), or None."""
    scheme = _SCHEME.match(source)
    with _lock:
        if scheme:
            return _by_scheme.get(scheme.group(1).lower())
        lower = source.lower()
        for suffix, loader in _by_suffix.items():
            if lower.endswith(suffix):
                return loader
    return None


def load(source: str, query: str | None) -> tuple[Any, str]:
    """(the rows ``query`` selects from ``source`` as Arrow, the loader's name)."""
    loader = find(source)
    if loader is None:
        raise ParameterError(
            f"no loader reads {redact(source)!r}: use a postgresql://, sqlite:// or duckdb:// URI, "
            "a .duckdb / .sqlite file, or a .csv / .parquet file"
        )
    if not query or not query.strip():
        raise ParameterError(
            f"reading {redact(source)!r} needs a query: pass query='select customer_id, timestamp, ... from events'"
        )
    return loader.read(source, query), loader.name


def redact(source: str) -> str:
    """``source`` without the password of its URI (for messages)."""
    return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", source)


def _adbc(module: str, extra_purpose: str) -> Any:
    return import_optional(f"{module}.dbapi", extra_purpose)


def _read_adbc(module: str, target: str, query: str) -> Any:
    dbapi = _adbc(module, f"read {module.split('_')[-1]} databases")
    with dbapi.connect(target) as conn, conn.cursor() as cur:
        cur.execute(query)
        # the batches as the driver streams them, gathered before the connection closes
        return cur.fetch_arrow_table()


def _postgresql(source: str, query: str) -> Any:
    return _read_adbc("adbc_driver_postgresql", source, query)


def _path_of(source: str, scheme: str) -> str:
    path = source[len(scheme) + 3 :] if source.lower().startswith(f"{scheme}://") else source
    if path.startswith("/") and not os.path.exists(path) and os.path.exists(path[1:]):
        path = path[1:]  # sqlite:///relative.db
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such database file: {path!r}")
    return path


def _sqlite(source: str, query: str) -> Any:
    return _read_adbc("adbc_driver_sqlite", _path_of(source, "sqlite"), query)


def _duckdb(source: str, query: str) -> Any:
    duckdb = import_optional("duckdb", "read DuckDB database files")
    pa = import_optional("pyarrow", "read DuckDB database files")
    with duckdb.connect(_path_of(source, "duckdb"), read_only=True) as con:
        return pa.table(con.sql(query))  # the result's Arrow stream, read before closing


register(Loader("postgresql", _postgresql), schemes=("postgresql", "postgres"))
register(Loader("sqlite", _sqlite), schemes=("sqlite",), suffixes=(".sqlite", ".sqlite3", ".db"))
register(Loader("duckdb", _duckdb), schemes=("duckdb",), suffixes=(".duckdb",))
