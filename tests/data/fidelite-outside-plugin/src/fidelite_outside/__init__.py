"""An outside fidelite plugin using the four hooks beyond indices (a test fixture).

- attribute ``visit_band``: ``"one event"`` or ``"repeat"`` per customer;
- section ``visit_bands`` (report section, explorer tab): customers per band, then the
  cohort retention split by it;
- loader ``tsvx``: ``tsvx://path`` and ``.tsvx`` files, tab-separated ``customer|time``
  lines; a line without a tab is a row of nulls (rejected and counted by the log);
- command ``fidelite outside-count FILE``: prints the customers of each band.
"""

from __future__ import annotations

import numpy as np

import fidelite


def visit_band(log):
    return np.where(log.grouped().sizes() > 1, "repeat", "one event")


def visit_bands(events, period="month"):
    bands = visit_band(events)
    names, counts = np.unique(bands, return_counts=True)
    table = fidelite.TableResult({"visit_band": names.astype(object), "customers": counts}, title="visit bands")
    return [
        f"outside section: {events.n_customers} customers",
        table,
        fidelite.retention(events, period=period, segment="visit_band"),
    ]


def read_tsvx(source, query):
    path = source.removeprefix("tsvx://")
    ids, times = [], []
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            customer, tab, time = line.partition("\t")
            ids.append(customer if tab else None)
            times.append(time if tab else None)
    return {"customer_id": ids, "timestamp": times}


def count_arguments(parser):
    parser.add_argument("file")


def count(args):
    log = fidelite.EventLog(args.file)
    names, counts = np.unique(visit_band(log), return_counts=True)
    for name, n in zip(names, counts):
        print(f"outside-count {name}: {n}")
    print(f"outside-count rejected: {log.report.n_rejected}")


@fidelite.hookimpl
def fidelite_register_attributes(register):
    register("visit_band", visit_band, description="one event / repeat")


@fidelite.hookimpl
def fidelite_register_sections(register):
    register("visit_bands", visit_bands, title="Visit bands (outside)", description="Customers by visit band.")


@fidelite.hookimpl
def fidelite_register_loaders(register):
    register("tsvx", read_tsvx, schemes=("tsvx",), suffixes=(".tsvx",), description="customer<TAB>time lines")


@fidelite.hookimpl
def fidelite_register_commands(register):
    register("outside-count", count, help="customers per visit band of an event file", arguments=count_arguments)
