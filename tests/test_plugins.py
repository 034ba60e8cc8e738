"""The plugin host: hooks, discovery, the index API and fault isolation.

Test plugins are small classes registered in fixtures and unregistered in ``finally``.
Installed plugins are simulated by a ``*.dist-info`` folder (with ``entry_points.txt``)
on ``PYTHONPATH`` of a subprocess, which is how ``importlib.metadata`` finds a pip
install; the environment variables are tested in subprocesses too.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fidelite
from fidelite.exceptions import MissingTableError, ParameterError, PluginError
from fidelite.plugins import Index, IndexDefinitionError, hookimpl, hookspecs, pm

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "plugins" / "fidelite-example-index"
BUILTIN = {"nps", "loyalty_index", "engagement", "repeat_rate", "upsell_rate", "health"}
SURVEYS = {
    "customer_id": [1, 2, 3, 4],
    "timestamp": ["2024-01-01"] * 4,
    "question": ["recommend"] * 4,
    "score": [10, 9, 3, 7],
}
EVENTS = {
    "customer_id": [1, 1, 2, 3, 3, 3],
    "timestamp": ["2024-01-01", "2024-02-01", "2024-01-05", "2024-01-02", "2024-01-03", "2024-03-01"],
}


def one_index(name: str = "probe", **fields):
    """A plugin class registering one index (fields override a valid overall index)."""
    spec = {"name": name, "compute": lambda events: 1.0, "description": "A test index."} | fields

    class Plugin:
        @hookimpl
        def fidelite_register_indices(self, register):
            register(Index(**spec))

    return Plugin()


@pytest.fixture
def add_plugin():
    """``add_plugin(obj, name)`` registers a plugin as an installed one would be (faults are
    collected, not raised); every plugin added is unregistered afterwards."""
    fidelite.plugins.load()
    added: list[str] = []

    def add(plugin, name):
        pm.register(plugin, name=name)
        added.append(name)
        return plugin

    try:
        yield add
    finally:
        for name in added:
            fidelite.plugins.unregister(name)


def problems_of(plugin: str):
    return [p for p in fidelite.plugins.errors() if p.plugin == plugin]


# --------------------------------------------------------------------------- hooks


def test_hook_fidelite_register_indices(add_plugin):
    def per_customer(events, scale=1.0):
        return {"customer_id": events.customer_ids, "value": events.grouped().sizes() * scale}

    class Plugin:
        @hookimpl
        def fidelite_register_indices(self, register):
            register(
                Index(
                    name="events_per_customer",
                    compute=per_customer,
                    description="Events per customer.",
                    inputs=("events",),
                    level="customer",
                    unit="events",
                    range=(0, None),
                    higher_is_better=True,
                )
            )

    add_plugin(Plugin(), "counting")
    info = fidelite.indices().get("events_per_customer")
    assert (info.plugin, info.level, info.unit, info.range, info.parameters) == (
        "counting",
        "customer",
        "events",
        (0.0, None),
        {"scale": 1.0},
    )
    r = fidelite.compute_index("events_per_customer", events=EVENTS, scale=2.0)
    assert r["customer_id"].tolist() == [1, 2, 3]
    assert r["value"].tolist() == [4.0, 2.0, 6.0]
    assert problems_of("counting") == []


def test_every_hook_has_a_test():
    hooks = [name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("fidelite_")]
    assert hooks == fidelite.plugins.manager.hook_names()
    others = (Path(__file__).parent / "test_plugin_hooks.py").read_text()  # the hooks beyond indices
    missing = [h for h in hooks if f"test_hook_{h}" not in globals() and f"def test_hook_{h}(" not in others]
    assert not missing, f"write a test_hook_<name> for {missing}"


def test_builtins_are_registered_through_the_same_hook(add_plugin):
    builtin = pm.get_plugin("fidelite.plugins.builtin")
    assert pm.hook.fidelite_register_indices in pm.get_hookcallers(builtin)

    class Pushy:  # trylast puts it first in pluggy's list: it must still not take a built-in name
        @hookimpl(trylast=True)
        def fidelite_register_indices(self, register):
            register(Index(name="nps", compute=lambda surveys: 0.0, inputs=("surveys",), description="x"))

    add_plugin(Pushy(), "pushy")
    assert [p.index for p in problems_of("pushy")] == ["nps"]
    listed = {i.name: i for i in fidelite.indices()}
    assert BUILTIN <= set(listed)
    assert {(listed[n].plugin, listed[n].package, listed[n].version) for n in BUILTIN} == {
        ("fidelite.plugins.builtin", "fidelite", fidelite.__version__)
    }


# --------------------------------------------------------------------------- Index


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Weighted NPS"}, "name must be a lowercase identifier .* e.g. 'weighted_nps'"),
        ({"name": "1st"}, "name must be a lowercase identifier"),
        ({"description": "  "}, "description is empty"),
        ({"inputs": ("events", "orders")}, "inputs must be one or more of .* got 'orders'"),
        ({"inputs": ()}, "inputs must be one or more"),
        ({"level": "monthly"}, "level must be one of 'overall', 'period', 'segment', 'customer'; got 'monthly'"),
        ({"unit": 100}, "unit must be a string"),
        ({"higher_is_better": "yes"}, "higher_is_better must be True or False"),
        ({"range": (100, 0)}, "range low must be below high"),
        ({"range": (0, "x")}, "range bounds must be numbers"),
        ({"range": 5}, r"range must be a \(low, high\) pair"),
        ({"compute": "nps"}, "compute must be a function; got str"),
        ({"compute": lambda surveys: 0.0}, "add 'events' to its parameters"),
        ({"compute": lambda events, weight: 0.0}, "parameters 'weight' of compute need a default"),
    ],
)
def test_malformed_index_definitions(fields, message):
    spec = {"name": "probe", "compute": lambda events: 0.0, "description": "x"} | fields
    with pytest.raises(IndexDefinitionError, match=message) as e:
        Index(**spec)
    assert isinstance(e.value, ValueError) and e.value.index == str(spec["name"])


def test_index_defaults_and_parameters():
    idx = Index(
        name="probe",
        compute=lambda events, surveys, half_life=30.0, **kw: 0.0,
        description="x",
        inputs=["events", "surveys"],
    )
    assert idx.inputs == ("events", "surveys") and idx.level == "overall" and idx.higher_is_better
    assert idx.parameters == {"half_life": 30.0}
    assert idx.accepts("anything")  # **kw


# --------------------------------------------------------------------------- listing


def test_indices_lists_definitions_with_package_and_version():
    listed = fidelite.indices()
    nps = listed.get("nps")
    assert (nps.inputs, nps.level, nps.unit, nps.range, nps.higher_is_better) == (
        ("surveys",),
        "overall",
        "points",
        (-100.0, 100.0),
        True,
    )
    assert nps.description and nps.range_text == "-100 .. 100"
    df = listed.to_pandas()
    assert list(df.columns) == [
        "name",
        "level",
        "unit",
        "range",
        "higher_is_better",
        "inputs",
        "plugin",
        "package",
        "description",
    ]
    assert df["name"].tolist() == listed.names()
    assert "<table" in listed._repr_html_() and "repeat_rate" in repr(listed)


def test_available_indices():
    events_only = fidelite.plugins.available_indices({"events"}).names()
    assert {"engagement", "repeat_rate", "upsell_rate"} <= set(events_only)
    assert "nps" not in events_only and "loyalty_index" not in events_only
    both = fidelite.plugins.available_indices(["events", "surveys"]).names()
    assert BUILTIN <= set(both)
    assert fidelite.plugins.available_indices(set()).names() == []
    with pytest.raises(ParameterError, match=r"unknown table\(s\) \['survey'\]"):
        fidelite.plugins.available_indices({"events", "survey"})


def test_list_plugins():
    plugins = {p.name: p for p in fidelite.plugins.list_plugins()}
    builtin = plugins["fidelite.plugins.builtin"]
    assert (builtin.package, builtin.hooks) == (
        "fidelite",
        ("fidelite_register_indices", "fidelite_register_loaders"),
    )
    listing = plugins["fidelite.plugins.listing"]  # the `fidelite plugins` command
    assert (listing.package, listing.hooks) == ("fidelite", ("fidelite_register_commands",))


# --------------------------------------------------------------------------- compute_index


def test_compute_index_builtins_match_the_metrics(shop):
    assert float(fidelite.compute_index("nps", surveys=shop.surveys)) == fidelite.nps(shop.surveys).value
    li = fidelite.compute_index("loyalty_index", surveys=shop.surveys, questions=("recommend", "buy_again"))
    assert li.value == fidelite.loyalty_index(shop.surveys, questions=("recommend", "buy_again")).value
    rr = fidelite.compute_index("repeat_rate", events=shop.events, within="90D")
    assert rr.value == fidelite.repeat_rate(shop.events, within="90D").value
    assert rr.raw.parts["buyers"] > 0  # the metric's own result is kept
    assert fidelite.compute_index("upsell_rate", events=shop.events).value == fidelite.upsell_rate(shop.events).value


def test_compute_index_engagement_is_a_customer_table(shop):
    r = fidelite.compute_index("engagement", events=shop.events, window="60D")
    direct = fidelite.engagement(shop.events, window="60D")
    assert r.value is None and len(r) == len(direct) > 0
    assert np.array_equal(r["customer_id"], direct["customer_id"])
    assert np.array_equal(r["value"], direct["engagement"])
    assert list(r.to_pandas().columns)[0] == "customer_id"


def test_compute_index_result_object():
    r = fidelite.compute_index("nps", surveys=SURVEYS)
    assert float(r) == 25.0 and r.info.name == "nps" and r.reason is None
    assert repr(r) == "nps: 25.00 points"
    assert r.to_pandas().to_dict("list") == {"index": ["nps"], "value": [25.0], "unit": ["points"]}
    with pytest.raises(TypeError, match="use float"):
        r["value"]
    empty = fidelite.compute_index("nps", surveys={"question": ["recommend"], "score": [11]})
    assert math.isnan(empty.value) and empty.reason == "no valid answers"


def test_compute_index_unknown_name_suggests():
    with pytest.raises(ParameterError, match="no index named 'nsp'. Did you mean 'nps'?"):
        fidelite.compute_index("nsp", surveys=SURVEYS)


def test_compute_index_missing_input_names_index_and_table():
    with pytest.raises(
        MissingTableError,
        match=r"index 'nps' needs the surveys table\(s\): "
        r"call compute_index\('nps', surveys=<table>\)",
    ):
        fidelite.compute_index("nps", events=EVENTS)


def test_compute_index_unknown_parameter():
    with pytest.raises(
        ParameterError, match="index 'nps' has no parameter.* 'questions'; it takes question='recommend'"
    ):
        fidelite.compute_index("nps", surveys=SURVEYS, questions=("recommend",))


def test_compute_index_builds_the_event_log_with_columns(add_plugin):
    seen = []

    def compute(events):
        seen.append(events)
        return float(events.n_customers)

    add_plugin(one_index(compute=compute), "seer")
    data = {"cid": [5, 5, 6], "ts": ["2024-01-01", "2024-01-02", "2024-01-03"]}
    assert float(fidelite.compute_index("probe", events=data, columns={"customer": "cid", "time": "ts"})) == 2.0
    assert isinstance(seen[0], fidelite.EventLog)
    log = fidelite.EventLog(EVENTS)
    fidelite.compute_index("probe", events=log, surveys=SURVEYS)  # undeclared tables are ignored
    assert seen[1] is log


@pytest.mark.parametrize(
    ("level", "returned", "message"),
    [
        ("overall", "12", "returned a str; an overall index returns one real number"),
        ("overall", True, "returned a bool; an overall index returns one real number"),
        ("overall", 101.0, "returned 101, outside its declared range 0 .. 100"),
        ("overall", math.inf, "returned an infinite value"),
        (
            "customer",
            3.0,
            "returned a float; a customer-level index returns a table with columns 'customer_id' and 'value'",
        ),
        ("customer", {"customer_id": [1, 2], "score": [1.0, 2.0]}, "returned a table without 'value'"),
        ("period", {"customer_id": [1], "value": [1.0]}, "returned a table without 'period'"),
        ("customer", {"customer_id": [1, 2], "value": [1.0]}, "returned columns of different lengths"),
        (
            "customer",
            {"customer_id": [1], "value": ["high"]},
            "returned a 'value' column of dtype <U4; the index values must be numbers",
        ),
        ("segment", {"segment": ["a", "b"], "value": [50.0, -1.0]}, "returned -1, outside its declared range 0 .. 100"),
    ],
)
def test_compute_index_checks_the_shape_of_results(add_plugin, level, returned, message):
    add_plugin(one_index(compute=lambda events: returned, level=level, range=(0, 100)), "shapes")
    with pytest.raises(PluginError, match=f"index 'probe' from plugin 'shapes' {message}"):
        fidelite.compute_index("probe", events=EVENTS)


@pytest.mark.parametrize("frame", ["dict", "pandas", "polars", "arrow", "TableResult"])
def test_compute_index_accepts_every_table_type(add_plugin, frame):
    cols = {"period": np.array(["2024-01", "2024-02"], dtype=object), "value": np.array([1.5, np.nan])}
    if frame == "pandas":
        import pandas as pd

        table = pd.DataFrame(cols)
    elif frame == "polars":
        import polars as pl

        table = pl.DataFrame({"period": ["2024-01", "2024-02"], "value": [1.5, None]})
    elif frame == "arrow":
        import pyarrow as pa

        table = pa.table({"period": ["2024-01", "2024-02"], "value": [1.5, None]})
    elif frame == "TableResult":
        table = fidelite.TableResult(cols)
    else:
        table = cols
    add_plugin(one_index(compute=lambda events: table, level="period", range=(0, 10)), "frames")
    r = fidelite.compute_index("probe", events=EVENTS)
    assert r["period"].tolist() == ["2024-01", "2024-02"]
    assert r["value"][0] == 1.5 and math.isnan(r["value"][1])
    assert r.to_pandas()["value"].iloc[0] == 1.5


def test_compute_index_wraps_a_raising_compute(add_plugin):
    def compute(events):
        return {"a": 1}["b"]

    add_plugin(one_index(compute=compute), "raiser")
    with pytest.raises(PluginError, match="index 'probe' from plugin 'raiser' failed: KeyError: 'b'") as e:
        fidelite.compute_index("probe", events=EVENTS)
    assert isinstance(e.value.__cause__, KeyError)


def test_compute_index_passes_input_errors_through_with_a_note(add_plugin):
    def compute(events, window=7):
        raise ParameterError(f"window must be positive, got {window}")

    add_plugin(one_index(compute=compute), "strict-params")
    with pytest.raises(ParameterError, match="window must be positive, got -1") as e:
        fidelite.compute_index("probe", events=EVENTS, window=-1)
    assert e.value.__notes__ == ["while computing index 'probe' from plugin 'strict-params'"]


def test_compute_all_isolates_a_failing_index(add_plugin, shop):
    add_plugin(one_index(compute=lambda events: 1 / 0), "zero")
    out = fidelite.plugins.compute_all(events=shop.events, surveys=shop.surveys)
    assert isinstance(out["probe"], PluginError) and "ZeroDivisionError" in str(out["probe"])
    assert BUILTIN <= set(out)
    assert all(isinstance(out[n], fidelite.plugins.IndexResult) for n in BUILTIN)
    assert float(out["nps"]) == fidelite.nps(shop.surveys).value
    only_events = fidelite.plugins.compute_all(events=shop.events)
    assert "nps" not in only_events and "repeat_rate" in only_events


# --------------------------------------------------------------------------- registration faults


def test_duplicate_index_is_refused_and_reported(add_plugin):
    add_plugin(one_index(name="nps"), "copycat")
    problems = problems_of("copycat")
    assert [p.index for p in problems] == ["nps"]
    assert str(problems[0]) == (
        "plugin 'copycat' registered index 'nps', which plugin 'fidelite.plugins.builtin' "
        "already registered; give it another name (index names are shared by every plugin)"
    )
    assert fidelite.indices().get("nps").plugin == "fidelite.plugins.builtin"
    assert float(fidelite.compute_index("nps", surveys=SURVEYS)) == 25.0


def test_malformed_index_is_reported_and_other_plugins_work(add_plugin):
    add_plugin(one_index(name="bad_level", level="weekly"), "sloppy")
    add_plugin(one_index(name="fine"), "tidy")
    [problem] = problems_of("sloppy")
    assert problem.index == "bad_level"
    assert "plugin 'sloppy' defined a malformed index: index 'bad_level': level must be one of" in str(problem)
    assert "fine" in fidelite.indices().names() and "bad_level" not in fidelite.indices().names()
    assert "sloppy" in repr(fidelite.indices())  # the listing marks the broken plugin


def test_bad_register_calls_are_reported(add_plugin):
    class Plugin:
        @hookimpl
        def fidelite_register_indices(self, register):
            register({"name": "dict_index"})
            register(name="kw_index")
            register(Index(name="kept", compute=lambda events: 0.0, description="Registered after the faults."))

    add_plugin(Plugin(), "confused")
    messages = [str(p) for p in problems_of("confused")]
    assert messages == [
        "plugin 'confused' passed dict to register(); pass one fidelite.Index(name=..., compute=..., description=..., ...)",
        "plugin 'confused' passed keywords to register(); pass one fidelite.Index(name=..., compute=..., description=..., ...)",
    ]
    assert "kept" in fidelite.indices().names()


def test_raising_or_returning_hooks_are_reported(add_plugin):
    class Raises:
        @hookimpl
        def fidelite_register_indices(self, register):
            raise RuntimeError("config file missing")

    class Returns:
        @hookimpl
        def fidelite_register_indices(self, register):
            return Index(name="returned", compute=lambda events: 0.0, description="x")

    add_plugin(Raises(), "raises")
    add_plugin(Returns(), "returns")
    assert str(problems_of("raises")[0]) == (
        "plugin 'raises' failed in fidelite_register_indices: RuntimeError: config file missing"
    )
    assert "plugin 'returns' returned Index(name='returned'" in str(problems_of("returns")[0])
    assert "call register(index) instead" in str(problems_of("returns")[0])
    with pytest.raises(PluginError, match="plugin fault"):
        fidelite.plugins.check()
    with pytest.raises(ParameterError, match="no index named 'returned'.*left out because of faults: plugin"):
        fidelite.compute_index("returned", events=EVENTS)


def test_misspelt_hook_is_an_error(add_plugin):
    class Typo:
        @hookimpl
        def fidelite_register_indice(self, register):
            register(Index(name="typo", compute=lambda events: 0.0, description="x"))

    with pytest.raises(
        PluginError,
        match="plugin 'typo' implements unknown hook.* 'fidelite_register_indice' "
        "\\(did you mean 'fidelite_register_indices'\\?\\)",
    ):
        fidelite.plugins.register(Typo(), name="typo")
    assert not pm.has_plugin("typo")
    add_plugin(Typo(), "typo-installed")  # as if installed: left out and reported
    assert "did you mean 'fidelite_register_indices'" in str(problems_of("typo-installed")[0])
    assert not pm.has_plugin("typo-installed") and "typo" not in fidelite.indices().names()


def test_optional_hooks_for_newer_fidelite_versions_are_allowed(add_plugin):
    class Forward:
        @hookimpl(optionalhook=True)
        def fidelite_hook_of_the_future(self, anything):
            raise AssertionError("never called")

        @hookimpl
        def fidelite_register_indices(self, register):
            register(Index(name="forward", compute=lambda events: 0.0, description="x"))

    name = fidelite.plugins.register(Forward(), name="forward")
    try:
        assert "forward" in fidelite.indices().names() and problems_of("forward") == []
    finally:
        fidelite.plugins.unregister(name)


def test_strict_register_raises_and_unregisters():
    with pytest.raises(PluginError, match="plugin 'copy' registered index 'nps'"):
        fidelite.plugins.register(one_index(name="nps"), name="copy")
    assert not pm.has_plugin("copy")
    name = fidelite.plugins.register(one_index(name="good_one"))
    try:
        assert fidelite.indices().get("good_one").plugin == name
    finally:
        fidelite.plugins.unregister(name)
    assert "good_one" not in fidelite.indices().names()


# --------------------------------------------------------------------------- discovery (subprocesses)


def fake_install(site: Path, name: str, module_code: str, *, module: str | None = None, version: str = "1.0") -> None:
    """Install a plugin the way pip leaves it: a module plus a dist-info with its entry point."""
    module = module or name.replace("-", "_")
    (site / f"{module}.py").write_text(textwrap.dedent(module_code))
    info = site / f"{module}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[fidelite]\n{module} = {module}\n")


def run_python(code: str, site: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FIDELITE_")} | env
    if site is not None:
        environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), environ.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


LIST = """
import json, sys, fidelite
print(json.dumps({"names": fidelite.indices().names(), "errors": [[p.plugin, p.package, p.version, str(p)]
                  for p in fidelite.plugins.errors()], "plugins": [p.name for p in fidelite.plugins.list_plugins()]}))
"""

GOOD = """
import fidelite

@fidelite.hookimpl
def fidelite_register_indices(register):
    register(fidelite.Index(name="good_index", compute=lambda events: 1.0, description="Always one."))
"""


def listing(site: Path | None = None, **env: str) -> dict:
    done = run_python(LIST, site, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_importing_fidelite_loads_no_plugin():
    done = run_python("""
        import sys, fidelite
        print(fidelite.plugins.manager._host._loaded, "fidelite_example_index" in sys.modules,
              fidelite.plugins.pm.get_plugins() == set())
    """)
    assert done.stdout.split() == ["False", "False", "True"], done.stderr


def test_installed_plugins_are_found_through_the_entry_point_group(tmp_path):
    fake_install(tmp_path, "fidelite-good", GOOD, version="2.3")
    out = listing(tmp_path)
    assert "good_index" in out["names"] and BUILTIN <= set(out["names"]) and out["errors"] == []
    done = run_python(
        "import fidelite; i = fidelite.indices().get('good_index'); print(i.plugin, i.package, i.version)", tmp_path
    )
    assert done.stdout.split() == ["fidelite_good", "fidelite-good", "2.3"]


def test_autoload_can_be_disabled(tmp_path):
    fake_install(tmp_path, "fidelite-good", GOOD)
    out = listing(tmp_path, FIDELITE_DISABLE_PLUGIN_AUTOLOAD="1")
    assert set(out["names"]) == BUILTIN
    assert out["plugins"] == ["fidelite.plugins.builtin", "fidelite.plugins.listing"]
    assert "good_index" in listing(tmp_path, FIDELITE_DISABLE_PLUGIN_AUTOLOAD="0")["names"]


def test_named_plugins_can_be_blocked(tmp_path):
    fake_install(tmp_path, "fidelite-good", GOOD)
    fake_install(tmp_path, "fidelite-other", GOOD.replace("good_index", "other_index"))
    out = listing(tmp_path, FIDELITE_BLOCK_PLUGINS="fidelite_good, example_index")
    assert "good_index" not in out["names"] and "purchase_regularity" not in out["names"]
    assert "other_index" in out["names"] and out["errors"] == []


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_work(tmp_path):
    fake_install(tmp_path, "fidelite-broken", "import fidelite\nraise ImportError('needs scipy')\n", version="0.2")
    fake_install(tmp_path, "fidelite-good", GOOD)
    out = listing(tmp_path)
    assert "good_index" in out["names"] and BUILTIN <= set(out["names"])
    assert out["errors"] == [
        [
            "fidelite_broken",
            "fidelite-broken",
            "0.2",
            "plugin 'fidelite_broken' (fidelite-broken 0.2) failed to load from entry point "
            "'fidelite_broken': ImportError: needs scipy",
        ]
    ]
    done = run_python("import fidelite; fidelite.plugins.check()", tmp_path)
    assert done.returncode == 1 and "PluginError: 1 plugin fault(s):\n- plugin 'fidelite_broken'" in done.stderr


def test_an_installed_plugin_with_a_misspelt_hook_is_reported(tmp_path):
    fake_install(
        tmp_path, "fidelite-typo", GOOD.replace("def fidelite_register_indices", "def fidelite_register_index")
    )
    out = listing(tmp_path)
    [(plugin, _, _, message)] = out["errors"]
    assert plugin == "fidelite_typo" and "good_index" not in out["names"]
    assert message == (
        "plugin 'fidelite_typo' (fidelite-typo 1.0) implements unknown hook(s) 'fidelite_register_index' "
        "(did you mean 'fidelite_register_indices'?); the fidelite hooks are fidelite_register_attributes, "
        "fidelite_register_commands, fidelite_register_indices, fidelite_register_loaders, fidelite_register_sections"
    )


def test_tracing_prints_hook_calls(tmp_path):
    fake_install(tmp_path, "fidelite-good", GOOD)
    done = run_python("import fidelite; fidelite.indices()", tmp_path, FIDELITE_TRACE_PLUGINS="1")
    assert "fidelite plugins: fidelite_register_indices(register) -> fidelite_good" in done.stderr
    assert "fidelite plugins: fidelite_register_indices returned []" in done.stderr
    assert run_python("import fidelite; fidelite.indices()", tmp_path).stderr == ""


def test_lazy_loading_is_thread_safe(tmp_path):
    fake_install(tmp_path, "fidelite-good", GOOD)
    done = run_python(
        """
        import threading, fidelite
        out = []
        threads = [threading.Thread(target=lambda: out.append(tuple(fidelite.indices().names()))) for _ in range(8)]
        [t.start() for t in threads]; [t.join() for t in threads]
        print(len(set(out)), len(out), fidelite.plugins.errors())
    """,
        tmp_path,
    )
    assert done.stdout.split() == ["1", "8", "[]"], done.stderr


# --------------------------------------------------------------------------- the example package


def test_example_package_is_discovered_from_its_entry_point():
    eps = {ep.name: ep for ep in importlib.metadata.entry_points(group="fidelite")}
    assert "example_index" in eps, (
        "run make test (it installs plugins/fidelite-example-index in .venv/test-plugins, on PYTHONPATH)"
    )
    assert eps["example_index"].dist.name == "fidelite-example-index"
    assert eps["example_index"].value == "fidelite_example_index"
    listed = fidelite.indices()
    for name in ("purchase_regularity", "weighted_nps"):
        assert (listed.get(name).plugin, listed.get(name).package) == ("example_index", "fidelite-example-index")
    assert problems_of("example_index") == []


def test_example_package_is_complete():
    for part in (
        "pyproject.toml",
        "README.md",
        "src/fidelite_example_index/__init__.py",
        "tests/test_example_index.py",
    ):
        assert (EXAMPLE / part).is_file(), part
    assert (
        '[project.entry-points.fidelite]\nexample_index = "fidelite_example_index"'
        in (EXAMPLE / "pyproject.toml").read_text()
    )


def test_example_package_tests_pass():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=EXAMPLE,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout.splitlines()[-1]
