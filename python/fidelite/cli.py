"""The ``fidelite`` command: ``demo``, ``report FILE`` and ``indices``.

Bad input ends with a one-line ``error: <message>`` on stderr and exit status 2, never a
traceback. rich (the ``cli`` extra) is imported only when a command runs.

The report is printed as text (captions above their tables, fitted to the terminal
without cutting a value: piped output is 80 columns unless ``COLUMNS`` says otherwise),
or written as JSON or CSV (``--format``), to stdout or ``--output FILE``; ``--section``
keeps one section (or, for CSV, names the table: ``--format csv --section at_risk`` is
the whole at-risk list).

Examples::

    fidelite demo --customers 5000 --html demo.html
    fidelite report orders.parquet --customer client --time ordered_at --amount total \\
        --product sku --period month --tz Europe/Paris --surveys nps.csv --html report.html
    fidelite report orders.csv --format csv --section at_risk --output at_risk.csv
    fidelite indices
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .exceptions import FideliteError

#: Exit status of bad input or parameters.
EXIT_INPUT = 2


class UsageError(Exception):
    """A command-line usage mistake (unknown option, missing argument)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


#: Python-API hints in messages, as the command line spells them.
CLI_HINTS = {
    " (Arrow table)": "",  # the CLI read the file into Arrow itself
    "customer=<column name>": "--customer COL",
    "time=<column name>": "--time COL",
    "amount=<column name>": "--amount COL",
    "event=<column name>": "--event COL",
    "product=<column name>": "--product COL",
    "duration=<column name>": "--duration COL",
    "channel=<column name>": "--channel COL",
    "pass strict=False to skip them": "drop --strict to skip them",
}


class InFile(Exception):
    """An input error about one file: printed as ``error: <file name>: <message>``."""

    def __init__(self, path: str, error: BaseException) -> None:
        message = one_line(error)
        for api, cli in CLI_HINTS.items():
            message = message.replace(api, cli)
        super().__init__(f"{os.path.basename(path)}: {message}")


def one_line(e: BaseException) -> str:
    """The message of ``e`` on one line (no traceback, no line breaks)."""
    from .report.model import one_line as join

    return join(str(e)) or type(e).__name__


# --------------------------------------------------------------------------- progress


@contextmanager
def stages(total: int) -> Iterator[Callable[[str], None]]:
    """A ``step(name)`` callback showing a transient rich progress bar on stderr when it is
    a terminal (nothing otherwise, so that piped output and error lines stay clean)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=total)
        seen = [0]

        def step(name: str) -> None:
            if seen[0]:
                progress.advance(task)
            seen[0] += 1
            progress.update(task, description=name)

        yield step
        progress.update(task, completed=total)


# --------------------------------------------------------------------------- commands


def _console() -> Any:
    from ._deps import import_optional

    import_optional("rich", "print reports in the terminal")
    from rich.console import Console

    return Console()


#: Output formats of ``--format``.
FORMATS = ("text", "json", "csv")


def _finish(report: Any, args: argparse.Namespace, console: Any) -> int:
    """Write the report as ``--format`` says, to stdout or ``--output``, then the HTML."""
    fmt, section, out = args.format, args.section, args.output
    if fmt == "csv" and not section:
        raise UsageError(
            "--format csv writes one table: name it with --section (sections and their tables: "
            + "; ".join(f"{s}: {', '.join(t) or 'no table'}" for s, t in report.tables().items())
            + ")"
        )
    if section:
        try:
            report.table(section) if fmt == "csv" else report.print(_null_console(), section=section)
        except KeyError as e:
            raise UsageError(f"--section {section}: {e.args[0]}") from None
    notices = console
    if fmt == "text":
        if out:
            from rich.console import Console

            with open(out, "w", encoding="utf-8") as f:
                report.print(Console(file=f, color_system=None, width=console.width), section=section)
        else:
            report.print(console, section=section)
    else:
        text = report.to_json(section) if fmt == "json" else report.to_csv(section)
        if out:
            with open(out, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        notices = _stderr_console()  # stdout holds the data
    if out:
        notices.print(f"{fmt} report written to {out}", markup=False, highlight=False)
    if args.html:
        report.write_html(args.html)
        notices.print(
            f"{'' if out or fmt != 'text' else chr(10)}HTML report written to {args.html}",
            markup=False,
            highlight=False,
        )
    return 0


def _null_console() -> Any:
    import io

    from rich.console import Console

    return Console(file=io.StringIO())


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from .datasets import PROGRAMME_TIERS, demo_shop
    from .report import SECTIONS, build_report
    from .report.plugin_sections import with_plugins

    console = _console()
    with stages(2 + len(with_plugins(SECTIONS))) as step:
        step(f"generating the demo shop ({args.customers:,} customers)")
        shop = demo_shop(args.customers, seed=args.seed, tz=args.tz)  # the shop lives in the report's zone
        report = build_report(
            shop.events,
            period=args.period,
            week_start=args.week_start,
            tz=args.tz,
            as_of=args.as_of,
            customers=shop.customers,
            surveys=shop.surveys,
            contacts=shop.contacts,
            subscriptions=shop.subscriptions,
            programme=shop.programme,
            tiers=PROGRAMME_TIERS,
            title="fidelite demo report",
            source=f"demo shop ({args.customers:,} customers, seed {args.seed})",
            progress=step,
            **_segments(args),
        )
    return _finish(report, args, console)


def _read_events(path: str, what: str, ids: str = "customer_id") -> Any:
    """A CSV / Parquet file read once (the file's own column types, ids as text unless
    plainly integers), keeping its line numbers for the row accounting."""
    from . import io

    table = io.read_table(_dataset_or(path), what=what, ids=ids)
    table.source = what  # errors are prefixed with the path already
    return table


def _dataset_or(path: str) -> Any:
    """A Parquet dataset (a directory or a glob) read as one Arrow table; any other path
    as it is (read by its extension)."""
    from .scale.parquet import is_dataset, read_dataset

    return read_dataset(path) if is_dataset(path) else path


def _read(path: str, what: str, id_column: str | None = None, fallback: str | None = None) -> Any:
    """A CSV / Parquet file as an Arrow table (the file's own column types). For a side
    table, its customer id column is renamed ``customer_id`` (the name the metrics read):
    ``id_column`` when given (it must exist), else ``fallback`` (the event table's id
    column) when the table has that and no ``customer_id``."""
    from . import io
    from ._deps import import_optional
    from .exceptions import ColumnNotFoundError

    table = io.read_table(_dataset_or(path), what=what, ids=id_column or fallback or "customer_id")
    pa = import_optional("pyarrow", "read files")
    out = pa.table(table.columns)
    name = id_column
    if name is None and fallback and fallback in out.column_names and "customer_id" not in out.column_names:
        name = fallback
    if name is not None and name != "customer_id":
        if name not in out.column_names:
            shown = ", ".join(map(repr, out.column_names))
            raise ColumnNotFoundError(f"column {name!r} (the customer id) is not in the {what}; it has {shown}")
        out = out.rename_columns(["customer_id" if c == name else c for c in out.column_names])
    if fallback is not None and "customer_id" not in out.column_names:
        shown = ", ".join(map(repr, out.column_names))
        how = "name it with --customers-id COL" if what == "customers table" else "rename it to customer_id"
        raise ColumnNotFoundError(f"the {what} has no customer id column (customer_id): {how}; it has {shown}")
    return out


#: The column roles of the event table the command line names (``--amount COL`` ...).
ROLES = ("amount", "event", "product", "duration", "channel")


def cmd_report(args: argparse.Namespace) -> int:
    from .report import SECTIONS, build_report
    from .report.plugin_sections import with_plugins

    console = _console()
    optional = {
        name: getattr(args, name) for name in ("customers", "surveys", "contacts", "subscriptions", "programme")
    }
    given = {k: v for k, v in optional.items() if v}
    columns = {k: getattr(args, k) for k in ROLES if getattr(args, k)}
    tiers = parse_tiers(args.tiers)
    if args.customers_id and not args.customers:
        raise UsageError("--customers-id names the id column of the --customers FILE: pass that file too")
    with stages(2 + len(with_plugins(SECTIONS))) as step:
        step(f"reading {os.path.basename(args.file)}" + (f" and {len(given)} more tables" if given else ""))
        events = _read_events(args.file, "event table", args.customer)
        tables = {}
        for name, path in given.items():
            try:
                tables[name] = _read(
                    path,
                    f"{name} table",
                    args.customers_id if name == "customers" else None,
                    fallback=args.customer,
                )
            except (FideliteError, ValueError) as e:
                raise InFile(path, e) from e
        try:
            report = build_report(
                events,
                period=args.period,
                week_start=args.week_start,
                tz=args.tz,
                as_of=args.as_of,
                customer=args.customer,
                time=args.time,
                strict=args.strict,
                source=args.file,
                purchase_event=args.purchase_event,
                tiers=tiers,
                progress=step,
                **_segments(args),
                **columns,
                **tables,
            )
        except (FideliteError, ValueError) as e:
            raise InFile(args.file, e) from e
    return _finish(report, args, console)


def cmd_indices(args: argparse.Namespace) -> int:
    from . import plugins

    console = _console()
    from rich import box
    from rich.table import Table
    from rich.text import Text

    listed = plugins.indices()
    table = Table(box=box.SIMPLE_HEAD, title=Text(f"{len(listed)} loyalty indices"), title_justify="left")
    widest = max((len(t) for i in listed for t in i.inputs), default=6)
    for col in ("name", "level", "unit", "inputs", "package"):
        table.add_column(col, no_wrap=col in ("name", "level", "unit"), min_width=widest if col == "inputs" else None)
    for i in listed:
        table.add_row(
            *(Text(v) for v in (i.name, i.level, i.unit, ", ".join(i.inputs), f"{i.package} {i.version}".strip()))
        )
    console.print(table)
    for i in listed:
        console.print(Text.assemble((i.name, "bold"), ": ", i.description))
    for problem in getattr(listed, "problems", []):
        console.print(
            Text(
                f"broken plugin: {one_line(problem) if isinstance(problem, BaseException) else problem}", style="yellow"
            )
        )
    return 0


# --------------------------------------------------------------------------- parser


def _calendar_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", default="month", help="day | week | month | quarter | year (default: month)")
    p.add_argument(
        "--week-start",
        dest="week_start",
        default="monday",
        metavar="DAY",
        help="first day of a week for --period week (monday ... sunday; default: monday)",
    )
    p.add_argument("--tz", default="UTC", help="IANA time zone in which periods are cut (default: UTC)")
    p.add_argument(
        "--as-of", dest="as_of", metavar="DATE", help="cut-off date or datetime (ISO 8601); default: the latest event"
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json (every section) or csv (one table, every row: name it with --section)",
    )
    p.add_argument(
        "--section",
        metavar="NAME",
        help="only this section, or this table (at_risk, cohorts, lifecycle, period_kpis, ...; with --format csv)",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write the report (in --format) to FILE instead of stdout")
    p.add_argument("--html", metavar="OUT", help="also write a self-contained HTML report to OUT")


def _segment_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--segment",
        action="append",
        metavar="COL",
        help="add to each section its metric per segment of COL (a customers-table column, an event label, "
        "a derived attribute); repeat for combinations",
    )
    p.add_argument(
        "--bins",
        action="append",
        metavar="COL=SPEC",
        help="cut a numeric segment attribute: COL=4 (quantile bins) or COL=18,25,35 (edges); repeatable",
    )


def parse_bins(specs: list[str] | None) -> dict[str, Any] | None:
    """``--bins`` values as the ``bins=`` of the metrics.

    >>> parse_bins(["age=4", "spend=10,100"])
    {'age': 4, 'spend': [10.0, 100.0]}
    """
    if not specs:
        return None
    out: dict[str, Any] = {}
    for spec in specs:
        name, _, edges = spec.partition("=")
        words = [w for w in edges.replace(",", " ").split() if w]
        try:
            numbers = [float(w) for w in words]
        except ValueError:
            numbers = []
        if not name or not numbers:
            raise UsageError(f"--bins {spec!r}: use COL=4 (quantile bins) or COL=18,25,35 (edges)")
        out[name] = int(numbers[0]) if len(numbers) == 1 and numbers[0].is_integer() else numbers
    return out


def parse_tiers(spec: str | None) -> dict[str, float] | None:
    """``--tiers`` as the ``tiers=`` of the report (tier name -> points threshold).

    >>> parse_tiers("bronze=0, silver=150,gold=500")
    {'bronze': 0.0, 'silver': 150.0, 'gold': 500.0}
    """
    if spec is None:
        return None
    out: dict[str, float] = {}
    for item in (w.strip() for w in spec.split(",")):
        name, sep, threshold = item.partition("=")
        try:
            out[name.strip()] = float(threshold)
        except ValueError:
            name = ""
        if not sep or not name.strip():
            raise UsageError(f"--tiers {spec!r}: use NAME=POINTS pairs, e.g. bronze=0,silver=150,gold=500")
    return out


def _segments(args: argparse.Namespace) -> dict[str, Any]:
    """``segment=`` / ``bins=`` of build_report from ``--segment`` / ``--bins``."""
    segment = args.segment[0] if args.segment and len(args.segment) == 1 else args.segment
    return {"segment": segment, "bins": parse_bins(args.bins)}


def parser() -> argparse.ArgumentParser:
    from ._core import __version__

    top = _Parser(prog="fidelite", description="Customer retention and loyalty analytics.")
    top.add_argument("--version", action="version", version=f"fidelite {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    demo = sub.add_parser(
        "demo",
        help="report on a generated demo shop",
        description="Generate the demo shop (fidelite.datasets.demo_shop) and print its report.",
    )
    demo.add_argument(
        "--customers", type=int, default=10_000, metavar="N", help="customers to generate (default: 10000)"
    )
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default: 0)")
    _calendar_options(demo)
    _segment_options(demo)
    demo.set_defaults(run=cmd_demo)

    rep = sub.add_parser(
        "report",
        help="report on an event file (CSV or Parquet)",
        description="Print the report "
        "of an event log: row accounting, KPIs, cohort retention, lifecycle, customers, indices. "
        "Optional tables use the canonical column names (customer_id, timestamp, ...).",
    )
    rep.add_argument(
        "file",
        metavar="FILE",
        help="events as .csv, .tsv, .csv.gz or .parquet, or a Parquet dataset (a directory or a quoted glob)",
    )
    rep.add_argument(
        "--customer", default="customer_id", metavar="COL", help="customer id column (default: customer_id)"
    )
    rep.add_argument("--time", default="timestamp", metavar="COL", help="event time column (default: timestamp)")
    for role, what in (
        ("amount", "revenue column (negative = refund)"),
        ("event", "event type column (purchase, visit, ...)"),
        ("product", "product column (upsell rate)"),
        ("duration", "duration column, seconds of use (engagement index)"),
        ("channel", "channel column (web, app, store, ...)"),
    ):
        rep.add_argument(f"--{role}", metavar="COL", help=f"{what}; default: '{role}' when present")
    rep.add_argument(
        "--purchase-event",
        dest="purchase_event",
        metavar="NAME",
        help="event type of a purchase (default: purchase; without an event column every event is one)",
    )
    for name, cols in (
        ("customers", "customer_id, created, attributes"),
        ("surveys", "customer_id, timestamp, question, score"),
        ("contacts", "customer_id, timestamp, campaign, channel, opened, clicked, converted, ..."),
        ("subscriptions", "customer_id, start, end, mrr"),
        ("programme", "customer_id, timestamp, event (join / earn / redeem / tier), points, tier"),
    ):
        rep.add_argument(f"--{name}", metavar="FILE", help=f"{name} table ({cols})")
    rep.add_argument(
        "--tiers",
        metavar="NAME=POINTS,...",
        help="the programme's tier thresholds (e.g. bronze=0,silver=150,gold=500): orders the tier migration and "
        "lists the members near their next tier",
    )
    rep.add_argument(
        "--customers-id",
        dest="customers_id",
        metavar="COL",
        help="customer id column of the --customers table (default: customer_id, else the --customer column)",
    )
    rep.add_argument("--strict", action="store_true", help="stop on the first rejected row instead of skipping it")
    _calendar_options(rep)
    _segment_options(rep)
    rep.set_defaults(run=cmd_report)

    ind = sub.add_parser(
        "indices",
        help="list the registered loyalty indices",
        description="List the loyalty indices registered by fidelite and installed plugins.",
    )
    ind.set_defaults(run=cmd_indices)

    from . import plugins

    plugins.add_commands(sub)  # the commands of plugins (fidelite_register_commands), `fidelite plugins` too
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input or usage)."""
    try:
        args = parser().parse_args(argv)
        return int(args.run(args))
    except (UsageError, InFile, FideliteError, FileNotFoundError, ValueError, OSError) as e:
        print(f"error: {one_line(e)}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
