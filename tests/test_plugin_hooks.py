"""The four hooks beyond indices: report sections and explorer tabs, derived attributes
(``segment=``), loaders and CLI commands; each used as a plugin would, and each broken in
the ways a plugin can break, never taking the others down.

Plugins are small classes added as installed plugins are (faults collected, see
``add_plugin`` in test_plugins.py) and unregistered afterwards.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

import fidelite
from fidelite import cli
from fidelite.exceptions import ParameterError, PluginError, PluginTimeoutError
from fidelite.io import loaders
from fidelite.plugins import hookimpl, pm
from fidelite.query import attributes
from fidelite.report import build_report

EVENTS = {
    "customer_id": [1, 1, 2, 3, 3, 3, 4],
    "timestamp": ["2024-01-01", "2024-02-01", "2024-01-05", "2024-01-02", "2024-01-03", "2024-03-01", "2024-02-10"],
}


@pytest.fixture
def add_plugin():
    """``add_plugin(obj, name)`` registers a plugin as an installed one would be (faults
    are collected, not raised); every plugin added is unregistered afterwards."""
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


def plugin(hook: str, *registrations):
    """A plugin class whose ``hook`` calls ``register(*args, **kwargs)`` for each
    ``(args, kwargs)`` of ``registrations``."""

    def impl(self, register):
        for args, kwargs in registrations:
            register(*args, **kwargs)

    impl.__name__ = hook
    return type("Plugin", (), {hook: hookimpl(impl)})()


def section_plugin(name="probe", build=None, **kwargs):
    build = build or (lambda events: [f"{events.n_customers} customers", {"k": np.arange(3), "v": np.ones(3)}])
    return plugin("fidelite_register_sections", ((name, build), kwargs))


# --------------------------------------------------------------------------- sections


def test_hook_fidelite_register_sections(add_plugin, shop):
    seen = {}

    def tiers(events, period="month", tz=None, as_of=None):
        seen.update(period=period, tz=tz, as_of=as_of)
        m = fidelite.retention(events, period=period, tz=tz, as_of=as_of)
        return [f"{events.n_customers:,} customers", m, 42.5, {"tier": np.array(["a", "b"]), "n": np.arange(2)}]

    add_plugin(section_plugin("tiers", tiers, title="Value tiers", description="Tiers."), "tiering")
    [info] = [s for s in fidelite.plugins.sections() if s.name == "tiers"]
    assert (info.title, info.inputs, info.context, info.plugin) == (
        "Value tiers",
        ("events",),
        ("period", "tz", "as_of"),
        "tiering",
    )
    report = build_report(shop.events, period="quarter", as_of="2024-06-30")
    keys = [s.key for s in report.sections]
    assert keys.index("tiers") == keys.index("methods") - 1  # the last plugin section, before the methods
    section = report.section("tiers")
    assert (section.status, section.title) == ("ok", "Value tiers"), section.message
    assert seen == {"period": "quarter", "tz": "UTC", "as_of": "2024-06-30"}
    texts = [b.text for b in section.blocks if isinstance(b, fidelite.report.Text)]
    log = fidelite.EventLog(shop.events)
    assert texts[:2] == ["Tiers.", f"{log.n_customers:,} customers"]
    assert texts[2] == "Value tiers: 42.50"
    table = report.table("tiers")
    m = fidelite.retention(log, period="quarter", as_of="2024-06-30")
    np.testing.assert_array_equal(table.data["count"], m.to_dict()["count"])
    assert table.html == m.to_html()  # the result's own HTML (the matrix)
    assert report.table("tiers-2").data["tier"].tolist() == ["a", "b"]
    assert "from plugin 'tiering'" in section.notes[0]
    html = report.to_html()
    assert "data-section='tiers' data-status='ok'" in html and "Value tiers" in html
    assert json.loads(report.to_json("tiers"))["sections"][0]["title"] == "Value tiers"
    # the same section built directly, with the explorer's keywords
    parts = fidelite.plugins.build_section("tiers", events=shop.events, period="month")
    assert parts[0] == f"{log.n_customers:,} customers" and isinstance(parts[1], fidelite.RetentionMatrix)
    assert isinstance(parts[2], fidelite.ValueResult) and parts[2].value == 42.5
    assert isinstance(parts[3], fidelite.TableResult) and parts[3]["n"].tolist() == [0, 1]
    assert problems_of("tiering") == []


def test_a_section_is_an_explorer_tab(add_plugin, shop):
    pytest.importorskip("ipywidgets")

    def per_period(events, period="month"):
        return [f"period {period}", fidelite.retention(events, period=period)]

    add_plugin(section_plugin("per_period", per_period, title="Per period"), "tabbed")
    ex = fidelite.explore(shop.events)
    _ = ex.widget
    titles = list(ex.tabs.titles)
    assert titles[-1] == "Per period"
    box = ex.tabs.children[-1].children[1]
    assert box.value == ""  # built when opened
    ex.tabs.selected_index = len(titles) - 1
    assert "data-section='per_period' data-status='ok'" in box.value and "period month" in box.value
    assert "fidelite-retention" in box.value
    ex.controls["period"].value = "quarter"  # redrawn while open
    assert "period quarter" in box.value


def test_a_section_needing_an_absent_table_is_skipped(add_plugin, shop):
    add_plugin(section_plugin("answers", lambda surveys: "n", inputs=("surveys",)), "surveying")
    report = build_report(shop.events)
    assert report.section("answers").status == "skipped"
    assert "surveys table" in report.section("answers").message
    assert build_report(shop.events, surveys=shop.surveys).section("answers").blocks[0].text == "n"


def test_a_failing_section_shows_its_error_and_the_report_goes_on(add_plugin, shop):
    def broken(events):
        raise ZeroDivisionError("no tiers")

    def exits(events):
        raise SystemExit(3)

    add_plugin(section_plugin("broken", broken), "breaking")
    add_plugin(section_plugin("exits", exits), "exiting")
    add_plugin(section_plugin("fine"), "fine")
    report = build_report(shop.events)
    broken_section = report.section("broken")
    assert broken_section.status == "error"
    assert "section 'broken' from plugin 'breaking' failed: ZeroDivisionError: no tiers" in broken_section.message
    assert "SystemExit: 3" in report.section("exits").message
    assert report.section("fine").status == "ok" and report.section("cohorts").status == "ok"
    with pytest.raises(PluginError, match="section 'broken' from plugin 'breaking'") as e:
        fidelite.plugins.build_section("broken", events=EVENTS)
    assert isinstance(e.value.__cause__, ZeroDivisionError)


def test_a_slow_section_times_out(add_plugin):
    def slow(events):
        time.sleep(5)

    add_plugin(section_plugin("slow", slow), "slowing")
    started = time.monotonic()
    with pytest.raises(PluginTimeoutError, match="section 'slow' from plugin 'slowing' did not finish within"):
        fidelite.plugins.build_section("slow", events=EVENTS, timeout=0.2)
    assert time.monotonic() - started < 4
    report = build_report(EVENTS, index_timeout=0.2)
    assert report.section("slow").status == "error" and "PluginTimeoutError" in report.section("slow").message


@pytest.mark.parametrize(
    ("registration", "message"),
    [
        (
            (("Bad Name", lambda events: 1), {}),
            "section name 'Bad Name' must be a lowercase identifier, e.g. 'bad_name'",
        ),
        ((("bad", "nope"), {}), "section 'bad': build must be a function; got str"),
        ((("bad", lambda events: 1), {"inputs": ("orders",)}), "inputs must be one or more of"),
        ((("bad", lambda surveys: 1), {}), "add 'events' to its parameters"),
        ((("bad", lambda events: 1), {"title": 3}), "title must be a string"),
        ((("bad", lambda events: 1), {"colour": "red"}), "called register\\(\\) of fidelite_register_sections wrongly"),
    ],
)
def test_malformed_sections_are_refused_and_reported(add_plugin, registration, message):
    add_plugin(plugin("fidelite_register_sections", registration, (("fine", lambda events: "ok"), {})), "malformed")
    [problem] = problems_of("malformed")
    assert problem.hook == "fidelite_register_sections"
    assert str(problem).startswith("plugin 'malformed'")
    assert __import__("re").search(message, str(problem)), str(problem)
    assert [s.name for s in fidelite.plugins.sections() if s.plugin == "malformed"] == ["fine"]


def test_a_section_name_is_shared_by_every_plugin(add_plugin):
    add_plugin(section_plugin("shared"), "first")
    add_plugin(section_plugin("shared"), "second")
    assert problems_of("first") == []
    [problem] = problems_of("second")
    assert "section 'shared' is already registered by plugin 'first'" in str(problem)


def test_a_section_named_as_a_built_in_one_shows_an_error(add_plugin, shop):
    add_plugin(section_plugin("cohorts"), "shadowing")
    report = build_report(shop.events)
    [builtin, shadow] = [s for s in report.sections if s.key == "cohorts"]
    assert builtin.status == "ok" and shadow.status == "error"
    assert "section 'cohorts' from plugin 'shadowing': the report has a built-in section" in shadow.message


def test_a_section_returning_something_else_is_a_plugin_error(add_plugin):
    add_plugin(section_plugin("odd", lambda events: object()), "odd")
    with pytest.raises(
        PluginError, match="section 'odd' from plugin 'odd' returned a object; return a fidelite result"
    ):
        fidelite.plugins.build_section("odd", events=EVENTS)


# --------------------------------------------------------------------------- attributes


def band(log):
    return np.where(log.grouped().sizes() > 1, "repeat", "single")


def test_hook_fidelite_register_attributes(add_plugin, shop):
    add_plugin(plugin("fidelite_register_attributes", (("repeat_band", band), {"description": "d"})), "banding")
    assert "repeat_band" in attributes.names()
    held = attributes.get("repeat_band")
    assert (held.source, held.description) == ("banding", "d")
    assert fidelite.plugins.attributes_registered()["repeat_band"] == "banding"
    log = fidelite.EventLog(shop.events)
    by_band = fidelite.retention(log, period="quarter", segment="repeat_band")
    assert set(by_band.segments) == {"repeat", "single"}
    # each segment's matrix is the retention of its own customers (an independent split)
    sizes = log.grouped().sizes()
    for name, keep in (("repeat", sizes > 1), ("single", sizes <= 1)):
        ids = set(log.customer_ids[keep].tolist())
        df = log.to_pandas()
        own = fidelite.retention(df[df["customer_id"].isin(ids)], period="quarter")
        seg = by_band[name]  # on the whole log's cohort grid: its cohorts' rows hold the same counts
        rows = [seg.cohort_labels.index(c) for c in own.cohort_labels]
        width = own.counts.shape[1]
        np.testing.assert_array_equal(seg.counts[rows, :width], own.counts)
        assert seg.counts.sum() == own.counts.sum() and seg.sizes.sum() == keep.sum()
    # the explorer's segment control offers it
    pytest.importorskip("ipywidgets")
    state = fidelite.explore(log).state
    assert "repeat_band" in state.options("segment")
    state.set(period="quarter", segment="repeat_band", segment_value="single")
    np.testing.assert_array_equal(state.matrix().counts, by_band["single"].counts)
    fidelite.plugins.unregister("banding")
    assert attributes.get("repeat_band") is None
    with pytest.raises(ParameterError, match="segment='repeat_band' is not a column"):
        fidelite.retention(log, segment="repeat_band")


def test_a_failing_attribute_is_a_plugin_error_naming_it(add_plugin):
    def broken(log):
        raise KeyError("age")

    add_plugin(plugin("fidelite_register_attributes", (("age_band", broken), {})), "aging")
    with pytest.raises(PluginError, match=r"derived attribute 'age_band' \(from 'aging'\) failed: KeyError") as e:
        fidelite.retention(EVENTS, segment="age_band")
    assert isinstance(e.value.__cause__, KeyError)
    add_plugin(plugin("fidelite_register_attributes", (("short", lambda log: ["a"]), {})), "shorting")
    with pytest.raises(ParameterError, match=r"'short' \(from 'shorting'\) returned \(1,\) values; expected one per"):
        fidelite.retention(EVENTS, segment="short")


def test_an_attribute_name_is_shared_by_every_plugin(add_plugin):
    add_plugin(plugin("fidelite_register_attributes", (("band", band), {})), "first")
    add_plugin(
        plugin("fidelite_register_attributes", (("band", lambda log: 1 / 0), {}), (("other", band), {})), "second"
    )
    [problem] = problems_of("second")
    assert problem.hook == "fidelite_register_attributes"
    assert "derived attribute 'band' is already registered by 'first'" in str(problem)
    assert attributes.get("band").source == "first" and attributes.get("other").source == "second"
    assert len(fidelite.retention(EVENTS, segment="band").segments) == 2  # the first plugin's, working
    # a name registered by hand is not taken over either
    attributes.register("by_hand", band, source="notebook")
    try:
        add_plugin(plugin("fidelite_register_attributes", (("by_hand", band), {})), "third")
        assert "already registered by 'notebook'" in str(problems_of("third")[0])
    finally:
        attributes.unregister("by_hand")


# --------------------------------------------------------------------------- loaders


def read_pipe(source, query):
    """customer|time lines; a line without '|' is a row of nulls."""
    path = source.removeprefix("pipe://")
    with open(path, encoding="utf-8") as f:
        rows = [line.partition("|") for line in f.read().splitlines()]
    return {"customer_id": [r[0] if r[1] else None for r in rows], "timestamp": [r[2] if r[1] else None for r in rows]}


def test_hook_fidelite_register_loaders(add_plugin, tmp_path):
    path = tmp_path / "shop.pipe"
    path.write_text("1|2024-01-01\n2|2024-01-05\ngarbage\n1|2024-02-01\n3|\n")
    add_plugin(
        plugin("fidelite_register_loaders", (("pipe", read_pipe), {"schemes": ("pipe",), "suffixes": (".pipe",)})),
        "piping",
    )
    [info] = [i for i in fidelite.plugins.loaders() if i.name == "pipe"]
    assert (info.schemes, info.suffixes, info.needs_query, info.plugin) == (("pipe",), (".pipe",), False, "piping")
    for source in (f"pipe://{path}", str(path)):
        log = fidelite.EventLog(source)
        assert log.source == "event table (pipe query)"
        # every row accounted for: the garbage line and the missing time are rejected, counted
        assert (log.report.read, log.report.used, log.n_customers) == (5, 3, 2)
        assert log.report.n_rejected == 2
    # read like any table elsewhere too
    assert fidelite.retention(f"pipe://{path}", period="month").counts[0, 0] == 2
    fidelite.plugins.unregister("piping")
    assert loaders.find(f"pipe://{path}") is None


def test_builtin_loaders_come_through_the_hook():
    names = [(i.name, i.plugin) for i in fidelite.plugins.loaders()]
    assert names[:3] == [(n, "fidelite.plugins.builtin") for n in ("postgresql", "sqlite", "duckdb")]
    assert loaders.find("postgres://u@h/db").source == "fidelite.plugins.builtin"
    assert all(i.needs_query for i in fidelite.plugins.loaders()[:3])


def test_the_longest_suffix_wins(add_plugin, tmp_path):
    def read_db_json(source, query):
        return {"customer_id": [1], "timestamp": ["2024-01-01"]}

    add_plugin(plugin("fidelite_register_loaders", (("dbjson", read_db_json), {"suffixes": (".json.db",)})), "j")
    assert loaders.find("x.json.db").name == "dbjson" and loaders.find("x.db").name == "sqlite"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"schemes": ("postgresql",)},
            "postgresql:// is already served by loader 'postgresql' from 'fidelite.plugins.builtin'",
        ),
        ({"suffixes": (".csv",)}, "fidelite reads .csv files itself"),
        ({}, "serves nothing"),
        ({"suffixes": ("pipe",)}, "suffix 'pipe' must start with a dot"),
        ({"schemes": ("no spaces",)}, "is not a URI scheme"),
        ({"needs_query": "yes"}, "needs_query must be True or False"),
    ],
)
def test_malformed_or_clashing_loaders_are_refused(add_plugin, kwargs, message):
    add_plugin(
        plugin(
            "fidelite_register_loaders", (("bad", read_pipe), kwargs), (("good", read_pipe), {"schemes": ("good",)})
        ),
        "clashing",
    )
    [problem] = problems_of("clashing")
    assert message in str(problem) and problem.hook == "fidelite_register_loaders"
    assert loaders.find("good://x").name == "good"
    assert loaders.find("postgresql://u@h/db").name == "postgresql"  # the built-in still serves


def test_a_failing_loader_is_a_plugin_error_naming_it(add_plugin, tmp_path):
    def broken(source, query):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad byte")

    add_plugin(plugin("fidelite_register_loaders", (("broken", broken), {"schemes": ("broken",)})), "breaking")
    with pytest.raises(PluginError, match=r"loader 'broken' \(from 'breaking'\) failed to read 'broken://x'"):
        fidelite.EventLog("broken://x")
    add_plugin(plugin("fidelite_register_loaders", (("pipe", read_pipe), {"schemes": ("pipe",)})), "piping")
    with pytest.raises(FileNotFoundError) as e:  # a missing file is the caller's, as for any file
        fidelite.EventLog(f"pipe://{tmp_path / 'absent'}")
    assert "while loader 'pipe' (from 'piping') read" in "".join(e.value.__notes__)


def test_a_query_is_passed_to_the_loader(add_plugin):
    seen = []

    def read(source, query):
        seen.append(query)
        return {"customer_id": [1], "timestamp": ["2024-01-01"]}

    add_plugin(plugin("fidelite_register_loaders", (("q", read), {"schemes": ("q",), "needs_query": True})), "q")
    with pytest.raises(ParameterError, match="needs a query"):
        fidelite.EventLog("q://db")
    fidelite.EventLog("q://db", query="select 1")
    assert seen == ["select 1"]


# --------------------------------------------------------------------------- commands


def test_hook_fidelite_register_commands(add_plugin, capsys):
    def arguments(parser):
        parser.add_argument("name")
        parser.add_argument("--times", type=int, default=1)

    def greet(args):
        print(" ".join([f"hello {args.name}"] * args.times))
        return 3 if args.name == "three" else None

    add_plugin(
        plugin("fidelite_register_commands", (("greet", greet), {"help": "say hello", "arguments": arguments})),
        "greeting",
    )
    assert cli.main(["greet", "you", "--times", "2"]) == 0
    assert capsys.readouterr().out == "hello you hello you\n"
    assert cli.main(["greet", "three"]) == 3
    capsys.readouterr()
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "greet" in capsys.readouterr().out and "say hello" in cli.parser().format_help()
    [info] = [c for c in fidelite.plugins.commands() if c.name == "greet"]
    assert (info.help, info.plugin) == ("say hello", "greeting")


def test_fidelite_plugins_lists_what_each_plugin_registered(add_plugin, capsys):
    assert cli.main(["plugins"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "fidelite.plugins.builtin" in out and "loaders: postgresql, sqlite, duckdb" in out
    assert "commands: plugins" in out
    add_plugin(plugin("fidelite_register_commands", (("report", lambda args: 0), {})), "shadow")
    assert cli.main(["plugins"]) == 1  # a broken plugin: status 1, listed with its error
    out = capsys.readouterr().out
    assert "broken plugin [fidelite_register_commands]: plugin 'shadow' registered command 'report'" in out


def test_a_failing_command_names_its_plugin_and_exits_2(add_plugin, capsys):
    def broken(args):
        raise RuntimeError("lost the CRM")

    add_plugin(plugin("fidelite_register_commands", (("sync", broken), {})), "crm")
    assert cli.main(["sync"]) == 2
    assert capsys.readouterr().err == "error: command 'sync' from plugin 'crm' failed: RuntimeError: lost the CRM\n"


@pytest.mark.parametrize(
    ("registration", "message"),
    [
        ((("Sync", lambda a: 0), {}), "command name 'Sync' must be a lowercase identifier, e.g. 'sync'"),
        ((("sync", None), {}), "run must be a function; got NoneType"),
        (
            (
                ("sync", lambda a: 0),
                {"arguments": lambda p: p.add_argument("x", nargs="?", type=int, default="a", bogus=1)},
            ),
            "arguments\\(parser\\) failed: TypeError",
        ),
        (
            (("sync", lambda a: 0), {"arguments": lambda p: [p.add_argument("--x"), p.add_argument("--x")]}),
            "arguments\\(parser\\) failed: ArgumentError",
        ),
    ],
)
def test_malformed_commands_are_refused_and_the_cli_still_works(add_plugin, capsys, registration, message):
    add_plugin(
        plugin("fidelite_register_commands", registration, (("fine", lambda args: print("fine")), {})), "malformed"
    )
    [problem] = problems_of("malformed")
    assert __import__("re").search(message, str(problem)), str(problem)
    assert cli.main(["fine"]) == 0 and capsys.readouterr().out == "fine\n"
    assert "sync" not in cli.parser().format_help()


# --------------------------------------------------------------------------- faults common to every hook


@pytest.mark.parametrize(
    "hook",
    [
        "fidelite_register_sections",
        "fidelite_register_attributes",
        "fidelite_register_loaders",
        "fidelite_register_commands",
    ],
)
def test_a_raising_or_returning_hook_is_reported_and_breaks_nothing(add_plugin, hook, capsys):
    def raising(self, register):
        raise SystemExit("plugin quit")

    def returning(self, register):
        return ["something"]

    for name, impl in (("raising", raising), ("returning", returning)):
        impl.__name__ = hook
        add_plugin(type("P", (), {hook: hookimpl(impl)})(), name)
    assert "failed in " + hook + ": SystemExit: plugin quit" in str(problems_of("raising")[0])
    assert "returned ['something'] from " + hook in str(problems_of("returning")[0])
    # the rest works: indices, the report, loaders, segments, the CLI
    assert "repeat_rate" in fidelite.indices().names()
    assert build_report(EVENTS).section("cohorts").status == "ok"
    assert loaders.find("postgresql://u@h/db").name == "postgresql"
    assert cli.main(["indices"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("hook", "registration"),
    [
        ("fidelite_register_sections", (("Bad", lambda events: 1), {})),
        ("fidelite_register_attributes", (("x", "not callable"), {})),
        ("fidelite_register_loaders", (("x", read_pipe), {"suffixes": (".csv",)})),
        ("fidelite_register_commands", (("x", 42), {})),
    ],
)
def test_strict_register_raises_for_every_hook(hook, registration):
    with pytest.raises(PluginError, match="plugin 'strict'"):
        fidelite.plugins.register(plugin(hook, registration), name="strict")
    assert "strict" not in [p.name for p in fidelite.plugins.list_plugins()]
    assert attributes.get("x") is None and loaders.find("a.x") is None


# --------------------------------------------------------------------------- embedding the index API


def test_the_index_list_is_read_through_the_arrow_capsule():
    duckdb = pytest.importorskip("duckdb")
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    listed = fidelite.indices()
    names = listed.names()
    assert pa.table(listed).column("name").to_pylist() == names
    assert pl.DataFrame(listed)["name"].to_list() == names
    assert [row[0] for row in duckdb.sql("select name from listed").fetchall()] == names
    # still reads like the list it used to be
    assert not isinstance(listed, list) and listed == list(listed) and listed[0].name == names[0]
    assert len(listed) == len(names) and listed[0] in listed and listed[:2] == list(listed)[:2]


@pytest.mark.parametrize(("frame", "native"), [("pandas", "DataFrame"), ("polars", "DataFrame"), ("arrow", "Table")])
def test_compute_index_gives_the_callers_frame_back(frame, native):
    pytest.importorskip({"arrow": "pyarrow"}.get(frame, frame))
    shop = fidelite.datasets.demo_shop(300, seed=1, frame=frame)
    table = fidelite.compute_index("engagement", events=shop.events).to_native()
    module = {"arrow": "pyarrow"}.get(frame, frame)
    assert type(table).__module__.split(".")[0] == module and type(table).__name__ == native
    overall = fidelite.compute_index("nps", surveys=shop.surveys).to_native()
    assert type(overall).__module__.split(".")[0] == module
    numpy_in = fidelite.compute_index("repeat_rate", events=fidelite.datasets.demo_shop(300, seed=1).events)
    assert isinstance(numpy_in.to_native(), dict)  # a dict of arrays in, the columns out
