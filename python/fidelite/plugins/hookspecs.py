"""The hooks a fidelite plugin can implement.

Every hook is named ``fidelite_*`` and documented here; docs/plugins.md describes each with
its signature and an example (a test checks both). A hook implementation is a function of
the same name marked with :data:`hookimpl` (``fidelite.hookimpl``) that takes some or all
of the hook's arguments, by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("fidelite")
#: Marks a function as the implementation of the fidelite hook of the same name.
hookimpl = pluggy.HookimplMarker("fidelite")


@hookspec
def fidelite_register_indices(register: Callable[[Any], None]) -> None:
    """Register loyalty indices: call ``register(fidelite.Index(...))`` once per index.

    :param register: ``register(index)`` adds one :class:`fidelite.Index` to the indices
        that ``fidelite.indices()`` lists, ``fidelite.compute_index()`` computes and the
        report and the explorer show. An index whose name is already taken, or an object
        that is not an ``Index``, is refused and reported by ``fidelite.plugins.errors()``
        naming the plugin and the index; the plugin's other indices still register.
    :return: nothing (a returned value is reported as an error: call ``register`` instead).

    The built-in indices (nps, loyalty_index, engagement, repeat_rate, upsell_rate) are
    registered through this hook too, before any installed plugin.

    Example::

        import fidelite

        def orders_per_customer(events):
            return events.n_events / events.n_customers

        @fidelite.hookimpl
        def fidelite_register_indices(register):
            register(fidelite.Index(
                name="orders_per_customer", compute=orders_per_customer,
                description="Events per customer over the whole log.",
                inputs=("events",), level="overall", unit="events", range=(0, None),
                higher_is_better=True))
    """


@hookspec
def fidelite_register_sections(register: Callable[..., None]) -> None:
    """Register report sections, each shown as a section of the report and a tab of the
    explorer: call ``register(name, build, title=..., inputs=..., description=...)``.

    :param register: ``register(name, build, *, title="", inputs=("events",),
        description="")`` adds one section. ``name`` is a lowercase identifier
        (``[a-z][a-z0-9_]*``), shared by every plugin; ``title`` is the heading (default:
        the name, capitalised). ``build`` is called with keywords only: the tables of
        ``inputs`` it declared (``events`` as an :class:`~fidelite.EventLog`, the others
        as the caller gave them), plus ``period``, ``tz`` and ``as_of`` (the report's, or
        the explorer's controls) for those of them it takes. It returns what to show: a
        fidelite result (``fidelite.retention(...)``, a ``TableResult``...), a table
        (pandas / polars / pyarrow, dict of arrays), a number, or text; or a list of them.
        A section whose inputs are absent is shown as skipped ("needs the surveys table").
        A wrong name, a name already taken or a non-callable ``build`` is refused and
        reported by ``fidelite.plugins.errors()``; a ``build`` that raises or outlives its
        time budget (``fidelite.plugins.DEFAULT_TIMEOUT``) shows its error in its own
        section or tab, and the rest of the report still renders.
    :return: nothing (a returned value is reported as an error: call ``register``).

    Example::

        import fidelite

        def repeat_buyers(events, period="month", tz=None):
            r = fidelite.retention(events, period=period, tz=tz, measure="rate")
            return [f"{events.n_customers:,} customers", r]

        @fidelite.hookimpl
        def fidelite_register_sections(register):
            register("repeat_buyers", repeat_buyers, title="Repeat buyers",
                     description="Cohort retention of the whole base.")
    """


@hookspec
def fidelite_register_attributes(register: Callable[..., None]) -> None:
    """Register derived customer attributes, usable as ``segment=`` by every metric that
    takes it: call ``register(name, derive, description=...)``.

    :param register: ``register(name, derive, *, description="")`` makes ``name`` a
        segment. ``derive(log)`` gets the :class:`~fidelite.EventLog` and returns one value
        per customer, in the order of ``log.customer_ids`` (labels such as ``"18-24"``;
        for a number, return its band as text). A column of the customers table or an
        event label of the same name is used before a derived attribute. A name another
        plugin (or ``fidelite.query.attributes.register``) already took, or a
        non-callable ``derive``, is refused and reported by ``fidelite.plugins.errors()``.
        A ``derive`` that raises or returns the wrong number of values is a
        ``PluginError`` (a ``ParameterError`` for the wrong count) naming the attribute
        and the plugin, raised by the metric that asked for the segment.
    :return: nothing (a returned value is reported as an error: call ``register``).

    Example::

        import numpy as np
        import fidelite

        def activity_band(log):
            events = log.grouped().sizes()
            return np.where(events >= 5, "5+ events", "1-4 events")

        @fidelite.hookimpl
        def fidelite_register_attributes(register):
            register("activity_band", activity_band, description="Events per customer, banded.")
    """


@hookspec
def fidelite_register_loaders(register: Callable[..., None]) -> None:
    """Register loaders that read a source (a URI scheme or a file suffix) into the rows
    fidelite takes: call ``register(name, read, schemes=..., suffixes=...)``.

    :param register: ``register(name, read, *, schemes=(), suffixes=(), needs_query=False,
        description="")`` serves sources whose URI starts with ``<scheme>://`` or whose
        path ends with one of ``suffixes`` (``".crm.json"``), in ``fidelite.EventLog(source,
        query=...)`` and wherever a table is read. ``read(source, query)`` returns every
        row of the source as an Arrow table or stream (a pyarrow / polars / pandas table,
        a dict of arrays, anything with ``__arrow_c_stream__``); ``query`` is None unless
        the caller passed one (``needs_query=True`` makes it required, as for SQL). Row
        accounting is fidelite's: return every row of the source, with a null where a
        value cannot be read, and the log rejects and counts it ("null timestamp"). A
        scheme or suffix another loader serves (the built-in ``postgresql``, ``sqlite``,
        ``duckdb`` ones, or the files fidelite reads itself: ``.csv``, ``.tsv``,
        ``.csv.gz``, ``.parquet``, ``.pq``) is refused and reported by
        ``fidelite.plugins.errors()``. A ``read`` that raises is a ``PluginError`` naming
        the loader and the plugin (fidelite's own errors, and ``FileNotFoundError``, pass
        through).
    :return: nothing (a returned value is reported as an error: call ``register``).

    Example::

        import json
        import fidelite

        def read_crm(source, query):
            path = source.removeprefix("crm://")
            with open(path, encoding="utf-8") as f:
                rows = json.load(f)
            return {"customer_id": [r.get("client") for r in rows], "timestamp": [r.get("at") for r in rows]}

        @fidelite.hookimpl
        def fidelite_register_loaders(register):
            register("crm", read_crm, schemes=("crm",), suffixes=(".crm.json",),
                     description="CRM exports: a JSON list of {client, at}.")
    """


@hookspec
def fidelite_register_commands(register: Callable[..., None]) -> None:
    """Register subcommands of the ``fidelite`` command line: call ``register(name, run,
    help=..., arguments=...)``.

    :param register: ``register(name, run, *, help="", arguments=None)`` adds
        ``fidelite <name>``. ``arguments(parser)`` adds its options to an
        ``argparse.ArgumentParser``; ``run(args)`` gets the parsed ``argparse.Namespace``
        and returns the exit status (None: 0). The name must be a lowercase word
        (``[a-z][a-z0-9-]*``) that no built-in or other plugin command has: a taken name,
        a non-callable ``run`` or an ``arguments`` that raises is refused and reported by
        ``fidelite.plugins.errors()`` and ``fidelite plugins``. A ``run`` that raises
        prints ``error: ...`` naming the command and the plugin, and exits with status 2
        (``sys.exit(n)`` in ``run`` sets the status, as in any program).
    :return: nothing (a returned value is reported as an error: call ``register``).

    Example::

        import fidelite

        def arguments(parser):
            parser.add_argument("file", help="events as .csv or .parquet")

        def run(args):
            log = fidelite.EventLog(args.file)
            print(f"{log.n_customers} customers")

        @fidelite.hookimpl
        def fidelite_register_commands(register):
            register("count", run, help="count the customers of an event file", arguments=arguments)
    """
