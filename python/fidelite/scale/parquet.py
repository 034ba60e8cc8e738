"""Out of core on one machine: a Parquet dataset (a directory or a glob) larger than
memory, streamed in Arrow record batches, spilled to hash partitions by customer (Arrow
IPC files in a temporary directory), each partition then prepared and queried in memory
with the same kernels and merges as every other partitioned path.

Memory holds one record batch while spilling and one partition while preparing or
querying; ``memory_limit`` sets how many partitions the dataset is cut into. The
temporary directory is removed when the :class:`SpilledLog` is closed (``with`` block),
and whatever happens (an error, ``KeyboardInterrupt``) while it is being built.
"""

from __future__ import annotations

import glob
import math
import os
import pickle
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import import_optional
from ..eventlog import EventLog
from ..exceptions import InputError, ParameterError
from ..io import RowReport
from ..query import parse
from .partition import partition_of
from .registry import Declaration, declaration_of, evaluate
from .segmented import each_of, run_segmented, wants_segments

#: Bytes of working memory per byte of Parquet column data (the row groups'
#: ``total_byte_size``: encoded, uncompressed) when a partition is prepared: the Arrow
#: columns, the factorised ids, the grouped layout and the kernels' buffers. Measured:
#: 6.2 on the demo shop's events (18 bytes per event in Parquet, 115 prepared); 8 keeps
#: a margin, so that ``memory_limit`` bounds the peak over the process's own ~300 MB.
EXPANSION = 8
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30}


def parse_bytes(value: int | str) -> int:
    """A memory size in bytes: an int, or a string like ``"512MB"``, ``"4 GiB"``.

    >>> parse_bytes("4GB"), parse_bytes("1.5 GiB"), parse_bytes(1000)
    (4000000000, 1610612736, 1000)
    """
    if isinstance(value, int) and value > 0:
        return value
    m = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(value))
    if not m or m.group(2).lower() not in _UNITS:
        raise ParameterError(f"memory_limit must be a number of bytes or a size like '4GB'; got {value!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def total_report(reports: list[RowReport]) -> RowReport:
    """The row accounting of several partitions: every count summed, reasons kept."""
    rejected: dict[str, int] = {}
    notes: dict[str, int] = {}
    for r in reports:
        for why, n in r.rejected.items():
            rejected[why] = rejected.get(why, 0) + n
        for what, n in r.notes.items():
            notes[what] = notes.get(what, 0) + n
    return RowReport(sum(r.read for r in reports), sum(r.used for r in reports), rejected, notes)


#: The keywords of the out-of-core path (:func:`run_dataset`), not the metric's.
SPILL_KEYWORDS = ("memory_limit", "n_partitions", "spill_dir", "progress", "batch_size")


def read_dataset(source: Any) -> Any:
    """A Parquet dataset (a directory or a glob) read whole, as one Arrow table: for the
    side tables (surveys, programme, customers, subscriptions) a gathered metric reads."""
    ds = import_optional("pyarrow.dataset", "read Parquet datasets")
    return ds.dataset(_files(source), format="parquet").to_table()


def _batches(pq: Any, files: list[str], batch_size: int) -> Iterator[Any]:
    """The record batches of ``files``, one file after the other, read as they are asked
    for: a dataset scanner reads ahead (several row groups of several files at once,
    whatever its read-ahead settings say for Parquet), which held 3x more memory."""
    for path in files:
        with pq.ParquetFile(path) as f:
            yield from f.iter_batches(batch_size=batch_size)


def is_dataset(data: Any) -> bool:
    """Whether ``data`` names a Parquet dataset: a directory, or a glob pattern."""
    if not isinstance(data, (str, os.PathLike)):
        return False
    text = os.fspath(data)
    return os.path.isdir(text) or any(ch in text for ch in "*?[")


def _files(source: Any) -> list[str]:
    text = os.fspath(source)
    if os.path.isdir(text):
        found = sorted(str(p) for p in Path(text).rglob("*") if p.is_file() and p.suffix in (".parquet", ".pq"))
    else:
        found = sorted(glob.glob(text, recursive=True))
    if not found:
        raise InputError(
            f"no Parquet file in {text!r}: give a directory of .parquet files or a glob like 'events/*.parquet'"
        )
    return found


class SpilledLog:
    """A Parquet dataset split by customer into partitions on local disk, each partition
    a prepared :class:`~fidelite.EventLog` ready to answer queries (:meth:`run`).

    ``report`` sums the row accounting of every partition; ``t_range`` is the whole
    data's time range. Use it in a ``with`` block (or call :meth:`close`): the temporary
    directory is removed then.
    """

    def __init__(
        self,
        source: Any,
        *,
        tz: str = "UTC",
        memory_limit: int | str = "2GB",
        n_partitions: int | None = None,
        batch_size: int = 1 << 20,
        spill_dir: Any = None,
        progress: bool | None = None,
        **columns: Any,
    ) -> None:
        pa = import_optional("pyarrow", "read Parquet datasets")
        ds = import_optional("pyarrow.dataset", "read Parquet datasets")
        files = _files(source)
        dataset = ds.dataset(files, format="parquet")
        self.tz = tz
        self.columns = columns
        self.n_partitions = n_partitions or self.partitions_for(files, parse_bytes(memory_limit))
        self.directory = Path(tempfile.mkdtemp(prefix="fidelite-spill-", dir=spill_dir))
        try:
            customer = columns.get("customer", "customer_id")
            if customer not in dataset.schema.names:
                raise InputError(f"no column {customer!r} in {os.fspath(source)!r}: pass customer=<column>")
            self._spill(pa, dataset, customer, batch_size, progress)
            self.paths, reports, spans = self._prepare(pa, progress)
        except BaseException:
            self.close()
            raise
        self.report = total_report(reports)
        self.t_range = (min(s[0] for s in spans), max(s[1] for s in spans))

    @staticmethod
    def partitions_for(files: list[str], memory_limit: int) -> int:
        """Enough partitions that one, prepared in memory, fits ``memory_limit``."""
        pq = import_optional("pyarrow.parquet", "read Parquet datasets")
        size = 0
        for f in files:
            meta = pq.ParquetFile(f).metadata
            size += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        return max(1, math.ceil(size * EXPANSION / memory_limit))

    def _bar(self, total: int, what: str, progress: bool | None) -> Any:
        tqdm = import_optional("tqdm.auto", "show progress").tqdm
        # progress=None: a bar only on a terminal (tqdm's own rule for disable=None)
        return tqdm(
            total=total,
            desc=what,
            unit="rows" if what == "spilling" else "partitions",
            disable=None if progress is None else not progress,
        )

    def _spill(self, pa: Any, dataset: Any, customer: str, batch_size: int, progress: bool | None) -> None:
        pq = import_optional("pyarrow.parquet", "read Parquet datasets")
        schema = dataset.schema  # the files' schemas unified; every batch is cast to it
        # zstd: 2.2x less disk than plain IPC on the demo shop's events, and no slower (the
        # disk is the bottleneck of the spill)
        options = pa.ipc.IpcWriteOptions(compression="zstd")
        writers: dict[int, Any] = {}
        try:
            with self._bar(dataset.count_rows(), "spilling", progress) as bar:
                for batch in _batches(pq, dataset.files, batch_size):
                    if batch.schema != schema:
                        batch = batch.cast(schema)
                    part = partition_of(batch.column(customer).to_numpy(zero_copy_only=False), self.n_partitions)
                    order = np.argsort(part, kind="stable")
                    bounds = np.searchsorted(part[order], np.arange(self.n_partitions + 1))
                    for i in np.flatnonzero(np.diff(bounds)).tolist():
                        if i not in writers:
                            path = str(self.directory / f"part-{i:05d}.arrow")
                            writers[i] = pa.ipc.new_file(path, schema, options=options)
                        writers[i].write_batch(batch.take(pa.array(order[bounds[i] : bounds[i + 1]])))
                    bar.update(batch.num_rows)
        finally:
            for w in writers.values():
                w.close()

    def _prepare(self, pa: Any, progress: bool | None) -> tuple[list[Path], list[Any], list[tuple[int, int]]]:
        spilled = sorted(self.directory.glob("part-*.arrow"))
        paths, reports, spans = [], [], []
        with self._bar(len(spilled), "preparing", progress) as bar:
            for path in spilled:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_file(source).read_all()
                log = EventLog(table, tz=self.tz, **self.columns)
                del table
                log.prepare()
                target = path.with_suffix(".log")
                with open(target, "wb") as f:
                    pickle.dump(log, f, protocol=pickle.HIGHEST_PROTOCOL)
                path.unlink()
                paths.append(target)
                reports.append(log.report)
                spans.append((log.t_min, log.t_max))
                bar.update(1)
        return paths, reports, spans

    def logs(self) -> Iterator[EventLog]:
        """Each partition's log, one at a time, in partition order."""
        for path in self.paths:
            with open(path, "rb") as f:
                yield pickle.load(f)

    def run(self, metric: Callable[..., Any], **kwargs: Any) -> Any:
        """``metric`` over the whole dataset (``segment=`` / ``bins=`` with ``customers=``:
        per segment, :mod:`.segmented`): each partition's partial, merged as they come
        (:class:`PairwiseMerge`: a partial may hold its partition's log, e.g. for
        ``RetentionMatrix.customers``, so few are kept at once)."""
        if wants_segments(kwargs):
            return run_segmented(metric, each_of(self.logs), self.t_range, self.report, kwargs)

        def one_pass(d: Declaration) -> Any:  # a metric in two passes reads the partitions twice
            merging = PairwiseMerge(d.merge)
            for log in self.logs():
                q = parse(log, {}, t_range=self.t_range, start=self.t_range[0])
                merging.add(d.partial(metric, q, kwargs))
                del log, q
            return merging.result()

        return evaluate(declaration_of(metric), one_pass)

    def close(self) -> None:
        """Remove the spilled partitions."""
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> SpilledLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PairwiseMerge:
    """Partials merged as they come, in order, as a binary counter merges: two merged runs
    of the same length merge into one, so at most log2(P) + 1 results are held for P
    partials (the merged results hold no partition's log), and each partial is copied
    log2(P) times by a concatenating merge. Adjacent runs only: partition order is kept."""

    def __init__(self, merge: Callable[[list[Any]], Any]) -> None:
        self.merge = merge
        self.stack: list[tuple[int, Any]] = []  # (partials covered, merged result)

    def add(self, partial: Any) -> None:
        n, result = 1, self.merge([partial])
        while self.stack and self.stack[-1][0] == n:
            m, before = self.stack.pop()
            n, result = n + m, self.merge([before, result])
        self.stack.append((n, result))

    def result(self) -> Any:
        """Everything added, merged (the last step of the declaration not applied)."""
        if not self.stack:
            raise ValueError("no partition to run on: the data holds no customer")
        results = [r for _, r in self.stack]
        return results[0] if len(results) == 1 else self.merge(results)


def run_dataset(metric: Callable[..., Any], source: Any, **kwargs: Any) -> Any:
    """``metric`` on a Parquet dataset, out of core: spilled, run, and the spill removed.
    ``memory_limit``, ``n_partitions``, ``spill_dir`` and ``progress`` among ``kwargs``
    tune the spill; the column keywords and ``tz`` build each partition's log."""
    from ..eventlog import COLUMN_KEYWORDS

    spill = {k: kwargs.pop(k) for k in SPILL_KEYWORDS if k in kwargs}
    columns = {k: kwargs.pop(k) for k in list(kwargs) if k in COLUMN_KEYWORDS}
    with SpilledLog(source, tz=kwargs.get("tz") or "UTC", **spill, **columns) as log:
        return log.run(metric, **kwargs)
