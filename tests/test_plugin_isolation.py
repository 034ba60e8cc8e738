"""Plugin isolation (issue 18, item 5): a plugin raising SystemExit (or any BaseException
but KeyboardInterrupt) breaks nothing, a slow index is timed out and the others still
show, and a log hands out read-only arrays, so no plugin can change later results.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import fidelite
from fidelite import cli
from fidelite.exceptions import PluginError, PluginTimeoutError
from fidelite.plugins import Index, hookimpl, pm

EVENTS = {
    "customer_id": [1, 1, 2, 3, 3, 3],
    "timestamp": ["2024-01-01", "2024-02-01", "2024-01-05", "2024-01-02", "2024-01-03", "2024-03-01"],
}


@pytest.fixture
def add_plugin():
    """Registers plugins as installed ones are (faults collected); removed afterwards."""
    fidelite.plugins.load()
    added: list[str] = []

    def add(plugin, name):
        pm.register(plugin, name=name)
        added.append(name)

    try:
        yield add
    finally:
        for name in added:
            fidelite.plugins.unregister(name)


def plugin_of(*indices: Index):
    class Plugin:
        @hookimpl
        def fidelite_register_indices(self, register):
            for index in indices:
                register(index)

    return Plugin()


class ExitingHook:
    @hookimpl
    def fidelite_register_indices(self, register):
        raise SystemExit(3)


def exiting(events):
    raise SystemExit(4)


def slow(events):
    time.sleep(3)
    return 1.0


def test_system_exit_in_a_hook_breaks_nothing(add_plugin, capsys):
    add_plugin(ExitingHook(), "exits-in-hook")
    names = fidelite.indices().names()
    assert "repeat_rate" in names
    (problem,) = [p for p in fidelite.plugins.errors() if p.plugin == "exits-in-hook"]
    assert "SystemExit: 3" in str(problem)
    out = fidelite.plugins.compute_all(events=EVENTS)
    assert "repeat_rate" in out and not isinstance(out["repeat_rate"], Exception)
    assert cli.main(["indices"]) == 0
    assert "repeat_rate" in capsys.readouterr().out


def test_a_strictly_registered_plugin_that_exits_is_a_plugin_error():
    with pytest.raises(PluginError, match="SystemExit"):
        fidelite.plugins.register(ExitingHook(), name="exits-strict")
    assert "exits-strict" not in [p.name for p in fidelite.plugins.list_plugins()]


def test_system_exit_in_compute_is_that_index_error(add_plugin):
    add_plugin(plugin_of(Index(name="exits", compute=exiting, description="Exits.")), "exits-in-compute")
    with pytest.raises(PluginError, match=r"index 'exits' .* failed: SystemExit: 4"):
        fidelite.compute_index("exits", events=EVENTS)
    out = fidelite.plugins.compute_all(events=EVENTS)
    assert isinstance(out["exits"], PluginError)
    assert float(out["repeat_rate"]) >= 0


def test_keyboard_interrupt_still_goes_through(add_plugin):
    def interrupted(events):
        raise KeyboardInterrupt

    add_plugin(plugin_of(Index(name="ctrl_c", compute=interrupted, description="Ctrl-C.")), "ctrl-c")
    with pytest.raises(KeyboardInterrupt):
        fidelite.compute_index("ctrl_c", events=EVENTS)
    with pytest.raises(KeyboardInterrupt):
        fidelite.compute_index("ctrl_c", events=EVENTS, timeout=5)


def test_a_slow_index_times_out_and_the_others_still_show(add_plugin):
    add_plugin(plugin_of(Index(name="slow", compute=slow, description="Slow.")), "slow-plugin")
    started = time.monotonic()
    out = fidelite.plugins.compute_all(events=EVENTS, timeout=0.3)
    assert time.monotonic() - started < 2.5
    assert isinstance(out["slow"], PluginTimeoutError) and isinstance(out["slow"], TimeoutError)
    assert "time budget of 0.3 s" in str(out["slow"]) and "timeout=" in str(out["slow"])
    assert float(out["repeat_rate"]) >= 0
    # with time enough, the same index computes; a bad budget is a ParameterError
    assert float(fidelite.compute_index("repeat_rate", events=EVENTS, timeout=30)) >= 0
    with pytest.raises(fidelite.exceptions.ParameterError, match="timeout"):
        fidelite.compute_index("repeat_rate", events=EVENTS, timeout=0)


def test_the_report_shows_a_timed_out_index(add_plugin):
    from fidelite.report import build_report

    add_plugin(plugin_of(Index(name="slow", compute=slow, description="Slow.")), "slow-report")
    shop = fidelite.datasets.demo_shop(300, seed=2)
    report = build_report(shop.events, index_timeout=0.3)
    text = report.to_html() if hasattr(report, "to_html") else str(report)
    assert "timed out" in text and "repeat_rate" in text


def test_a_log_hands_out_read_only_arrays():
    ids = np.array([3, 1, 3, 2])
    ts = np.array(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"], "datetime64[us]")
    amount = np.array([1.0, 2.0, 3.0, 4.0])
    log = fidelite.EventLog({"customer_id": ids, "timestamp": ts, "amount": amount})
    ev = log.events(None, columns=("amount",))  # rows in input order: not grouped yet
    assert not ev.grouped
    handed = [log.customer_ids, ev.ts, ev.codes, ev.columns["amount"]]
    before = fidelite.repeat_rate(log).value
    g = log.grouped()
    handed += [g.indptr, g.ts, g.columns["amount"], log.events(None, columns=("amount",)).ts]
    for a in handed:
        assert not a.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            a[0] = a[-1]
    assert fidelite.repeat_rate(log).value == before
    # the caller's own arrays stay writeable
    assert ids.flags.writeable and amount.flags.writeable
    amount[0] = 9.0


def test_an_unpickled_log_is_read_only_too():
    import pickle

    log = fidelite.EventLog(EVENTS)
    for grouped in (False, True):
        if grouped:
            log.grouped()
        back = pickle.loads(pickle.dumps(log))
        assert not back.customer_ids.flags.writeable
        assert not back.events(None).ts.flags.writeable
