"""Loaders: reading data where it lives (a database, a database file, any source a
plugin knows), chosen by the source's URI scheme or file suffix.

A loader takes the source (a URI or a path) and a query (None when the caller gave none)
and returns every row as an Arrow stream (anything with ``__arrow_c_stream__``) or table,
which then goes through the same reading and row accounting as any other input. Loaders
come from plugins, through the ``fidelite_register_loaders`` hook; fidelite's own are
registered through the same hook by its built-in plugin (:mod:`fidelite.plugins.builtin`),
with the read functions of this module:

- ``postgresql://`` / ``postgres://`` URIs: PostgreSQL through ADBC
  (``adbc-driver-postgresql``, the ``sql`` extra): :func:`read_postgresql`;
- ``sqlite:///path`` URIs and ``.sqlite`` / ``.sqlite3`` / ``.db`` files: SQLite through
  ADBC (``adbc-driver-sqlite``, the ``sql`` extra): :func:`read_sqlite`;
- ``duckdb:///path`` URIs and ``.duckdb`` files: DuckDB (opened read-only):
  :func:`read_duckdb`.

This module is only the registry (the io layer never imports the plugin host): the host
fills it on first use, through :func:`on_lookup`.

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
from ..exceptions import FideliteError, ParameterError, PluginError


@dataclass(frozen=True)
class Loader:
    """One way of reading rows: ``read(source, query)`` returns an Arrow stream (or
    table) of the rows of ``source`` (those ``query`` selects, when given). ``source`` is
    who registered it (a plugin's name); ``needs_query`` makes ``query=`` required."""

    name: str
    read: Callable[[str, str | None], Any]
    source: str = "fidelite"
    needs_query: bool = False
    description: str = ""


#: File suffixes fidelite reads itself (:func:`fidelite.io.tables.read_table`): no loader
#: may take them.
FILE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".parquet", ".pq")

_lock = threading.RLock()
_by_scheme: dict[str, Loader] = {}
_by_suffix: dict[str, Loader] = {}
_fill: list[Callable[[], None]] = []
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def on_lookup(fill: Callable[[], None]) -> None:
    """Call ``fill()`` before every lookup: the plugin host registers the loaders of the
    installed plugins (and the built-in ones) on first use this way."""
    _fill.append(fill)


def register(loader: Loader, *, schemes: Iterable[str] = (), suffixes: Iterable[str] = ()) -> None:
    """Serve sources of these URI schemes (``"postgresql"``) and file suffixes
    (``".duckdb"``) with ``loader``. A scheme or suffix held by a loader of another
    ``source``, or a suffix fidelite reads itself (:data:`FILE_SUFFIXES`), is a
    :class:`~fidelite.exceptions.ParameterError` (two plugins must not silently shadow each
    other); nothing is registered then. The same source may replace its own."""
    schemes = [s.lower() for s in schemes]
    suffixes = [s.lower() for s in suffixes]
    with _lock:
        for key, held in [
            *((f"{s}://", _by_scheme.get(s)) for s in schemes),
            *((s, _by_suffix.get(s)) for s in suffixes),
        ]:
            if key in FILE_SUFFIXES:
                raise ParameterError(f"loader {loader.name!r}: fidelite reads {key} files itself; use another suffix")
            if held is not None and held.source != loader.source:
                raise ParameterError(
                    f"loader {loader.name!r}: {key} is already served by loader {held.name!r} from "
                    f"{held.source!r}; use another scheme or suffix"
                )
        for scheme in schemes:
            _by_scheme[scheme] = loader
        for suffix in suffixes:
            _by_suffix[suffix] = loader


def unregister(*, schemes: Iterable[str] = (), suffixes: Iterable[str] = (), source: str | None = None) -> None:
    """Stop serving these schemes and suffixes (unknown keys are ignored; with
    ``source``, only those served by a loader of that source)."""
    with _lock:
        for table, keys in ((_by_scheme, schemes), (_by_suffix, suffixes)):
            for key in keys:
                held = table.get(key.lower())
                if held is not None and (source is None or held.source == source):
                    del table[key.lower()]


def find(source: str) -> Loader | None:
    """The loader of ``source`` (by its URI scheme, else its longest matching file
    suffix), or None."""
    for fill in _fill:
        fill()
    scheme = _SCHEME.match(source)
    with _lock:
        if scheme:
            return _by_scheme.get(scheme.group(1).lower())
        lower = source.lower()
        matching = [suffix for suffix in _by_suffix if lower.endswith(suffix)]
        return _by_suffix[max(matching, key=len)] if matching else None


def registered() -> dict[str, Loader]:
    """Every served scheme (``"postgresql://"``) and suffix (``".duckdb"``) with its loader."""
    for fill in _fill:
        fill()
    with _lock:
        return {**{f"{k}://": v for k, v in _by_scheme.items()}, **_by_suffix}


def load(source: str, query: str | None) -> tuple[Any, str]:
    """(the rows of ``source`` (those ``query`` selects) as Arrow, the loader's name).

    A loader that fails with anything but fidelite's own errors or an ``OSError`` (no such
    file, connection refused) raises :class:`~fidelite.exceptions.PluginError` naming the
    loader and who registered it, chained from the error (a database driver's error on a
    bad query is its ``__cause__``)."""
    loader = find(source)
    if loader is None:
        served = ", ".join(registered()) or "none"
        raise ParameterError(
            f"no loader reads {redact(source)!r}: the loaders serve {served}; or read a .csv / .parquet file"
        )
    if loader.needs_query and (not query or not query.strip()):
        raise ParameterError(
            f"reading {redact(source)!r} needs a query: pass query='select customer_id, timestamp, ... from events'"
        )
    try:
        return loader.read(source, query), loader.name
    except (FideliteError, OSError) as e:
        e.add_note(f"while loader {loader.name!r} (from {loader.source!r}) read {redact(source)!r}")
        raise
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # a plugin's SystemExit must not end the program either
        raise PluginError(
            f"loader {loader.name!r} (from {loader.source!r}) failed to read {redact(source)!r}: {type(e).__name__}: {e}"
        ) from e


def redact(source: str) -> str:
    """``source`` without the password of its URI (for messages)."""
    return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", source)


def _adbc(module: str, extra_purpose: str) -> Any:
    return import_optional(f"{module}.dbapi", extra_purpose)


def _read_adbc(module: str, target: str, query: str | None) -> Any:
    dbapi = _adbc(module, f"read {module.split('_')[-1]} databases")
    with dbapi.connect(target) as conn, conn.cursor() as cur:
        cur.execute(query)
        # the batches as the driver streams them, gathered before the connection closes
        return cur.fetch_arrow_table()


def read_postgresql(source: str, query: str | None) -> Any:
    """The rows ``query`` selects from the PostgreSQL database of the URI ``source``."""
    return _read_adbc("adbc_driver_postgresql", source, query)


def _path_of(source: str, scheme: str) -> str:
    path = source[len(scheme) + 3 :] if source.lower().startswith(f"{scheme}://") else source
    if path.startswith("/") and not os.path.exists(path) and os.path.exists(path[1:]):
        path = path[1:]  # sqlite:///relative.db
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such database file: {path!r}")
    return path


def read_sqlite(source: str, query: str | None) -> Any:
    """The rows ``query`` selects from the SQLite file of ``source`` (``sqlite:///path``
    or a path)."""
    return _read_adbc("adbc_driver_sqlite", _path_of(source, "sqlite"), query)


def read_duckdb(source: str, query: str | None) -> Any:
    """The rows ``query`` selects from the DuckDB file of ``source`` (``duckdb:///path``
    or a path), opened read-only."""
    duckdb = import_optional("duckdb", "read DuckDB database files")
    pa = import_optional("pyarrow", "read DuckDB database files")
    with duckdb.connect(_path_of(source, "duckdb"), read_only=True) as con:
        return pa.table(con.sql(query))  # the result's Arrow stream, read before closing
