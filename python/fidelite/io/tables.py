"""Any supported input as a :class:`Table` of raw columns, without converting them yet.

Sources: pandas / polars / pyarrow tables (and record-batch readers), anything with
``__arrow_c_stream__`` (a DuckDB result), dicts of arrays, and ``.csv`` / ``.parquet``
paths. Optional libraries are only imported when the input is of their type.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._deps import import_optional, loaded
from ..exceptions import ColumnNotFoundError, DTypeError, InputError, LengthMismatchError, ParameterError
from . import loaders


@dataclass
class Table:
    """Raw columns by name, all of one length; ``source`` names the input in messages;
    ``lines``, for a text file, gives the 1-based line of the file where a row (0-based)
    starts (a :class:`CsvLines`), else None (rows are then named by their position)."""

    columns: dict[str, Any]
    n_rows: int
    source: str
    lines: Callable[[int], int] | None = None

    def get(self, name: str, role: str) -> Any:
        """Column ``name``, or a :class:`~fidelite.exceptions.ColumnNotFoundError` naming
        the closest column and the keyword (``role=``) that selects another one."""
        try:
            return self.columns[name]
        except KeyError:
            names = list(self.columns)
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ColumnNotFoundError(
                f"column {name!r} (the {role}) is not in the {self.source}; it has "
                f"{', '.join(map(repr, names)) or 'no columns'}.{hint} "
                f"Pass {role}=<column name>."
            ) from None

    def has(self, name: str) -> bool:
        return name in self.columns


def _length(col: Any) -> int:
    try:
        return len(col)
    except TypeError:
        raise DTypeError(f"a column must be array-like, got {type(col).__name__}") from None


def read_table(data: Any, *, what: str = "event table", ids: str | None = None, query: str | None = None) -> Table:
    """Wrap ``data`` as a :class:`Table` without converting any column yet; a database
    URI or file is read with ``query`` by its loader (:mod:`fidelite.io.loaders`).

    In a CSV file, the id column ``ids`` is read as text unless every id is plainly an
    integer (no leading zero, no sign but ``-``, at most 18 digits): ``"007"`` and ``"7"``
    stay two customers. Pass the ids as a typed frame to read them otherwise."""
    if isinstance(data, Table):
        return data
    if isinstance(data, (str, os.PathLike)) and (query is not None or loaders.find(os.fspath(data))):
        rows, name = loaders.load(os.fspath(data), query)
        table = read_table(rows, what=what)
        table.source = f"{what} ({name} query)"
        return table
    if query is not None:
        raise ParameterError(
            f"query= selects rows of a database, but the data is a {type(data).__name__}: "
            "pass a database URI (postgresql://...) or file (.duckdb, .sqlite), or drop query="
        )
    if isinstance(data, (str, os.PathLike)):
        return _read_path(os.fspath(data), what, ids)
    pd, pl, pa = loaded("pandas"), loaded("polars"), loaded("pyarrow")
    if pd is not None and isinstance(data, pd.DataFrame):
        cols = {str(c): data[c] for c in data.columns}
        return Table(cols, len(data), f"{what} (pandas DataFrame)")
    if pl is not None and isinstance(data, pl.LazyFrame):
        data = data.collect()
    if pl is not None and isinstance(data, pl.DataFrame):
        return Table({c: data.get_column(c) for c in data.columns}, data.height, f"{what} (polars DataFrame)")
    if pa is not None:
        if isinstance(data, pa.RecordBatchReader):
            data = data.read_all()
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if isinstance(data, pa.Table):
            return Table(dict(zip(data.column_names, data.columns)), data.num_rows, f"{what} (Arrow table)")
    if isinstance(data, dict):
        cols = {str(k): v for k, v in data.items()}
        lengths = {k: _length(v) for k, v in cols.items()}
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{k}: {n}" for k, n in lengths.items())
            raise LengthMismatchError(
                f"the columns of the {what} have different lengths ({detail}); every column needs one value per row"
            )
        return Table(cols, next(iter(lengths.values()), 0), f"{what} (dict of arrays)")
    if hasattr(data, "__arrow_c_stream__"):
        pa = import_optional("pyarrow", "read Arrow streams")
        return read_table(pa.table(data), what=what)
    raise DTypeError(
        f"cannot read a {type(data).__name__} as the {what}: pass a pandas, polars or pyarrow table, "
        "an object with __arrow_c_stream__ (e.g. a DuckDB result), a dict of arrays, or a path to a .csv or .parquet file"
    )


def _read_path(path: str, what: str, ids: str | None = None) -> Table:
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path!r}")
    lower = path.lower()
    if lower.endswith((".csv", ".csv.gz", ".tsv")):
        csv = import_optional("pyarrow.csv", "read CSV files")
        parse = csv.ParseOptions(delimiter="\t" if lower.endswith(".tsv") else ",")
        # an empty cell is a null (not the id "" or an unparseable timestamp "")
        if _blank(path):  # no header either: the same "no rows" as a header-only file
            table = import_optional("pyarrow", "read CSV files").table({})
        else:
            pa = import_optional("pyarrow", "read CSV files")
            types = {ids: pa.string()} if ids is not None else None
            convert = csv.ConvertOptions(strings_can_be_null=True, column_types=types)
            try:
                table = csv.read_csv(path, parse_options=parse, convert_options=convert)
                table.column_names  # noqa: B018 - decodes the header: a non-UTF-8 one raises here
            except (pa.ArrowInvalid, UnicodeDecodeError) as e:
                raise InputError(
                    f"cannot read {path!r} as a CSV file ({e}); check that every line has the same number of "
                    "fields, that text with commas is quoted, and that the file is UTF-8"
                ) from e
            if ids is not None and ids in table.column_names:
                at = table.column_names.index(ids)
                table = table.set_column(at, ids, _plain_integers(table.column(ids)))
    elif lower.endswith((".parquet", ".pq")):
        table = import_optional("pyarrow.parquet", "read Parquet files").read_table(path)
    else:
        raise ParameterError(f"cannot read {path!r}: use a .csv, .tsv, .csv.gz or .parquet file")
    t = read_table(table, what=what)
    t.source = f"{what} ({os.path.basename(path)})"
    if lower.endswith((".csv", ".csv.gz", ".tsv")):
        t.lines = CsvLines(path, t.n_rows)
    return t


class CsvLines:
    """The 1-based line of a CSV file where each row starts, as pyarrow reads the file:
    the header is the first line that is not empty, empty lines are skipped, a line ends at
    ``\\n``, ``\\r\\n`` or a lone ``\\r``, and a quoted cell may hold line breaks. The file is scanned on
    the first call only (rejected rows are rare: most files are never scanned).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text('\\nid,note\\n1,a\\n\\n2,"two\\nlines"\\n3,c\\n')
    >>> lines = CsvLines(str(path), 3)
    >>> [lines(row) for row in range(3)]
    [3, 5, 7]
    """

    def __init__(self, path: str, n_rows: int) -> None:
        self.path = path
        self.n_rows = n_rows
        self._starts: np.ndarray | None = None

    def __call__(self, row: int) -> int:
        if self._starts is None:
            starts = _record_lines(self.path)
            # a file this scan reads otherwise than pyarrow (a lone quote inside an unquoted
            # cell): one line per row after the header, as most files are written
            self._starts = starts if len(starts) == self.n_rows + 1 else np.arange(1, self.n_rows + 2)
        return int(self._starts[row + 1])


def _record_lines(path: str, chunk_bytes: int = 1 << 24) -> np.ndarray:
    """The first line (1-based) of every record of a CSV file that is not empty, header
    included. A line ends at ``\n``, ``\r\n`` or a lone ``\r`` (as pyarrow reads them);
    a record ends at a line end outside quotes (an even number of ``"`` before it); it is
    empty when nothing but an optional ``\r`` precedes its ``\n``."""
    opener: Any = open
    if path.lower().endswith(".gz"):
        import gzip

        opener = gzip.open
    found: list[np.ndarray] = []
    quotes = breaks = offset = 0
    prev_end, prev_line, last_byte = -1, 1, -1  # last record end, next record's first line
    held = b""  # a chunk's last byte when it is a \r: whether a \n follows is in the next
    with opener(path, "rb") as f:
        while True:
            chunk = f.read(chunk_bytes)
            data = held + chunk
            if not data:
                break
            held = data[-1:] if chunk and data[-1] == 13 else b""
            b = np.frombuffer(data[: len(data) - len(held)], np.uint8)
            if not len(b):
                continue
            # line ends: every \n, and every \r not followed by one (b's last byte is a \r
            # only when another \r is held after it, or at the end of the file)
            after = np.append(b[1:], np.uint8(0))
            nl = np.flatnonzero((b == 10) | ((b == 13) & (after != 10)))
            q = np.flatnonzero(b == 34)
            ends_here = (quotes + np.searchsorted(q, nl)) % 2 == 0
            local = nl[ends_here]
            ends = offset + local
            end_lines = breaks + np.flatnonzero(ends_here) + 2  # first line of the next record
            before = np.concatenate(([prev_end], ends[:-1]))
            starts = np.concatenate(([prev_line], end_lines[:-1]))
            # the \r of a \r\n (a \r ending a piece is held for the next, so never `last_byte`)
            prev_byte = np.where(local > 0, b[np.maximum(local - 1, 0)], last_byte)
            cr = (b[local] == 10) & (prev_byte == 13)
            found.append(starts[ends - before - 1 - cr > 0])
            if len(ends):
                prev_end, prev_line = int(ends[-1]), int(end_lines[-1])
            quotes, breaks, offset, last_byte = quotes + len(q), breaks + len(nl), offset + len(b), int(b[-1])
    if offset - prev_end - 1 > 0:  # a last record without a line break after it
        found.append(np.array([prev_line]))
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _blank(path: str) -> bool:
    """Whether a text file holds nothing but white space (gzip read through)."""
    opener: Any = open
    if path.lower().endswith(".gz"):
        import gzip

        opener = gzip.open
    with opener(path, "rb") as f:
        while chunk := f.read(1 << 16):
            if chunk.strip():
                return False
    return True


def _plain_integers(col: Any) -> Any:
    """A text id column as int64 when every id is plainly an integer, else as it is."""
    pc = import_optional("pyarrow.compute", "read CSV files")
    pa = import_optional("pyarrow", "read CSV files")
    plain = pc.match_substring_regex(col, r"^-?(0|[1-9][0-9]{0,17})$")
    if col.null_count == len(col) or not pc.all(pc.fill_null(plain, True)).as_py():
        return col
    return col.cast(pa.int64())
