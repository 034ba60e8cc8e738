"""The plugin host: one pluggy ``PluginManager("fidelite")``, loaded on first use.

Loading (once, thread-safe, never at ``import fidelite``) registers the built-in plugins
(:data:`fidelite.plugins.builtin.DEFAULT_PLUGINS`), then every installed entry point of
the group ``fidelite``, then rejects plugins that implement unknown (misspelt) hooks.

Environment:

- ``FIDELITE_DISABLE_PLUGIN_AUTOLOAD=1``: load no installed plugin (built-ins only).
- ``FIDELITE_BLOCK_PLUGINS=name1,name2``: skip these plugins (entry-point names).
- ``FIDELITE_TRACE_PLUGINS=1``: print every hook call, its implementations and its
  outcome to stderr.

Faults never spread: a plugin that fails to import, implements an unknown hook, or
registers a malformed or duplicate index is left out and reported by :func:`errors`
(``fidelite.indices()`` still lists everything else); :func:`check` raises them. A
plugin registered at run time with :func:`register` is checked strictly: any of these
faults raises :class:`~fidelite.exceptions.PluginError` at once. "Raises" means any
``BaseException`` but ``KeyboardInterrupt``: a plugin calling ``sys.exit()`` is a
faulty plugin, not the end of the program. An index's ``compute`` may be given a time
budget (``timeout=``, :data:`DEFAULT_TIMEOUT` in :func:`compute_all` and the report).
"""

from __future__ import annotations

import difflib
import os
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import numpy as np
import pluggy

from .. import frames
from ..eventlog import EventLog
from ..exceptions import FideliteError, MissingTableError, ParameterError, PluginError, PluginTimeoutError
from ..io import loaders as io_loaders
from ..query import attributes
from . import hookspecs
from .builtin import DEFAULT_PLUGINS
from .index import (
    KEY_COLUMN,
    TABLES,
    VALUE_COLUMN,
    Index,
    IndexDefinitionError,
    IndexInfo,
    IndexList,
    IndexResult,
    as_columns,
    as_number,
)
from .registrations import (
    REGISTRARS,
    CommandInfo,
    LoaderInfo,
    Origin,
    Registered,
    RegistrationError,
    SectionInfo,
)

ENTRY_POINT_GROUP = "fidelite"
AUTOLOAD_ENV = "FIDELITE_DISABLE_PLUGIN_AUTOLOAD"
BLOCK_ENV = "FIDELITE_BLOCK_PLUGINS"
TRACE_ENV = "FIDELITE_TRACE_PLUGINS"
HOOK = "fidelite_register_indices"
#: The time budget in seconds of each index in :func:`compute_all` and the report.
DEFAULT_TIMEOUT = 60.0

#: The plugin manager. Prefer :func:`register` / :func:`unregister` over ``pm.register``:
#: they check the plugin strictly.
pm = pluggy.PluginManager("fidelite")
pm.add_hookspecs(hookspecs)


@dataclass(frozen=True)
class PluginProblem:
    """A plugin (or one of its indices) that was left out, and why (``error``)."""

    plugin: str
    package: str
    version: str
    index: str | None
    error: PluginError
    #: The hook in which the fault happened (None: loading the plugin, or its indices).
    hook: str | None = None

    def __str__(self) -> str:
        return str(self.error)


@dataclass(frozen=True)
class PluginInfo:
    """An installed or registered plugin: its name, package, version and hooks."""

    name: str
    package: str
    version: str
    hooks: tuple[str, ...]


def _flag(var: str) -> bool:
    return os.environ.get(var, "").strip().lower() not in ("", "0", "false", "no")


def _names(var: str) -> list[str]:
    return [n.strip() for n in os.environ.get(var, "").split(",") if n.strip()]


def _origin_text(package: str, version: str) -> str:
    return f" ({package} {version})".replace(" )", ")") if package else ""


class _Registry:
    """What the current set of plugins registered (indices in ``entries``, the other hooks'
    items in ``registered``), and the faults met."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[Index, IndexInfo]] = {}
        self.registered = Registered()
        self.problems: list[PluginProblem] = []


class _Host:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._loaded = False
        self._load_problems: list[PluginProblem] = []
        self._origins: dict[str, tuple[str, str]] = {}  # plugin name -> (package, version)
        self._cache: tuple[tuple[Any, ...], _Registry] | None = None
        self._builder: int | None = None  # the thread building the registry

    def refresh(self) -> None:
        """Bring the registries of the lower layers (attributes, loaders) up to date with
        the current plugins; a no-op inside a hook call (the registry is being built)."""
        if self._builder != threading.get_ident():
            self.registry()

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            for name in _names(BLOCK_ENV):
                pm.set_blocked(name)
            if _flag(TRACE_ENV):
                pm.add_hookcall_monitoring(_trace_before, _trace_after)
            from .._core import __version__

            for modname in DEFAULT_PLUGINS:
                if not pm.is_blocked(modname) and not pm.has_plugin(modname):
                    pm.register(import_module(modname), name=modname)
                    self._origins[modname] = ("fidelite", __version__)
            if not _flag(AUTOLOAD_ENV):
                self._load_entry_points()
            self._reject_unknown_hooks()
            self._loaded = True

    def _load_entry_points(self) -> None:
        from importlib.metadata import entry_points  # slow to import: only when loading

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist
            package, version = (dist.name, dist.version) if dist is not None else ("", "")
            if pm.is_blocked(ep.name):
                continue
            if pm.has_plugin(ep.name):
                if self._origins.get(ep.name) != (package, version):
                    self._problem(
                        ep.name,
                        package,
                        version,
                        None,
                        f"plugin {ep.name!r}{_origin_text(package, version)} was not loaded: the name is "
                        f"taken by another plugin{_origin_text(*self._origins.get(ep.name, ('', '')))}; "
                        "rename its entry point",
                    )
                continue
            try:
                pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP, name=ep.name)
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # SystemExit at import is the plugin's fault too
                if pm.has_plugin(ep.name):
                    pm.unregister(name=ep.name)
                self._problem(
                    ep.name,
                    package,
                    version,
                    None,
                    f"plugin {ep.name!r}{_origin_text(package, version)} failed to load from entry point "
                    f"{ep.value!r}: {type(e).__name__}: {e}",
                    cause=e,
                )
                continue
            loaded = pm.get_plugin(ep.name)  # the distribution pluggy loaded it from
            dist_info = next((d for p, d in pm.list_plugin_distinfo() if p is loaded), None)
            self._origins[ep.name] = (dist_info.project_name, dist_info.version) if dist_info else (package, version)

    def _reject_unknown_hooks(self) -> None:
        """``pm.check_pending()``, turning each plugin it rejects into a reported problem."""
        while True:
            try:
                pm.check_pending()
                return
            except pluggy.PluginValidationError as e:
                name = pm.get_name(e.plugin) or repr(e.plugin)
                message = _unknown_hooks_message(name, e.plugin)
                pm.unregister(e.plugin)
                self._problem(name, *self._origins.get(name, ("", "")), None, message, cause=e)

    def _problem(
        self,
        plugin: str,
        package: str,
        version: str,
        index: str | None,
        message: str,
        cause: BaseException | None = None,
    ) -> None:
        err = PluginError(message)
        err.__cause__ = cause
        self._load_problems.append(PluginProblem(plugin, package, version, index, err))

    def origin(self, name: str) -> tuple[str, str]:
        return self._origins.get(name, ("", ""))

    # ------------------------------------------------------------------ registry
    def registry(self) -> _Registry:
        self.load()
        with self._lock:
            # The plugins themselves (not their ids, which a new object may reuse) key the cache.
            key = tuple(pm.list_name_plugin())
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1]
            self._reject_unknown_hooks()  # plugins added with pm.register since the last call
            key = tuple(pm.list_name_plugin())
            if self._cache is not None:
                self._cache[1].registered.withdraw()
            reg = _Registry()
            self._builder = threading.get_ident()
            try:
                # In registration order (built-ins first, so that they keep their names), not
                # in pluggy's call order, which tryfirst / trylast would let a plugin change.
                for hook in (HOOK, *REGISTRARS):
                    implementers = {impl.plugin_name for impl in getattr(pm.hook, hook).get_hookimpls()}
                    for name, plugin in pm.list_name_plugin():
                        if name in implementers:
                            if hook == HOOK:
                                self._collect(plugin, name, reg)
                            else:
                                self._collect_other(hook, plugin, name, reg)
            finally:
                self._builder = None
            self._cache = (key, reg)
            return reg

    def _collect_other(self, hook: str, plugin: Any, name: str, reg: _Registry) -> None:
        """Call one plugin's ``hook`` (sections, attributes, loaders, commands) with its
        ``register``; each refused registration is a problem, the others count."""
        origin = Origin(name, *self.origin(name))
        accept = REGISTRARS[hook](reg.registered, origin)

        def fail(message: str, cause: BaseException | None = None) -> None:
            err = PluginError(message)
            err.__cause__ = cause
            reg.problems.append(PluginProblem(name, origin.package, origin.version, None, err, hook))

        def register(*args: Any, **kwargs: Any) -> None:
            try:
                accept(*args, **kwargs)
            except RegistrationError as e:
                fail(f"{origin} registered a malformed item in {hook}: {e}", e)
            except TypeError as e:  # a wrong call of register itself
                fail(f"{origin} called register() of {hook} wrongly: {e}", e)

        try:
            returned = pm.subset_hook_caller(hook, [p for p in pm.get_plugins() if p is not plugin])(register=register)
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # SystemExit, GeneratorExit ... from a plugin: its fault
            fail(f"{origin} failed in {hook}: {type(e).__name__}: {e}", e)
        else:
            if returned:
                fail(f"{origin} returned {returned[0]!r} from {hook}; call register(...) instead of returning it")

    def _collect(self, plugin: Any, name: str, reg: _Registry) -> None:
        """Call one plugin's ``fidelite_register_indices`` and keep what it registers."""
        package, version = self.origin(name)
        who = f"plugin {name!r}{_origin_text(package, version)}"

        def fail(index: str | None, message: str, cause: BaseException | None = None) -> None:
            err = PluginError(message)
            err.__cause__ = cause
            reg.problems.append(PluginProblem(name, package, version, index, err))

        def register(index: Any = None, **fields: Any) -> None:
            if not isinstance(index, Index) or fields:
                fail(
                    getattr(index, "name", fields.get("name")),
                    f"{who} passed {type(index).__name__ if not fields else 'keywords'} to register(); "
                    "pass one fidelite.Index(name=..., compute=..., description=..., ...)",
                )
                return
            taken = reg.entries.get(index.name)
            if taken is not None:
                fail(
                    index.name,
                    f"{who} registered index {index.name!r}, which plugin {taken[1].plugin!r} "
                    "already registered; give it another name (index names are shared by every plugin)",
                )
                return
            reg.entries[index.name] = (index, IndexInfo.of(index, name, package, version))

        others = [p for p in pm.get_plugins() if p is not plugin]
        try:
            returned = pm.subset_hook_caller(HOOK, others)(register=register)
        except IndexDefinitionError as e:
            fail(e.index, f"{who} defined a malformed index: {e}", e)
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # SystemExit, GeneratorExit ... from a plugin: its fault
            fail(None, f"{who} failed in {HOOK}: {type(e).__name__}: {e}", e)
        else:
            if returned:
                fail(None, f"{who} returned {returned[0]!r} from {HOOK}; call register(index) instead of returning it")


_host = _Host()
# the lower layers ask the host before each lookup (they never import it)
attributes.on_lookup(_host.refresh)
io_loaders.on_lookup(_host.refresh)


def _unknown_hooks(plugin: Any) -> list[str]:
    """The hooks ``plugin`` implements that have no specification (misspelt names)."""
    return sorted(
        hc.name
        for hc in pm.get_hookcallers(plugin) or []
        if not hc.has_spec() and any(i.plugin is plugin and not i.optionalhook for i in hc.get_hookimpls())
    )


def _unknown_hooks_message(name: str, plugin: Any) -> str:
    known = hook_names()
    hints = []
    for hook in _unknown_hooks(plugin):
        close = difflib.get_close_matches(hook, known, n=1)
        hints.append(f"{hook!r} (did you mean {close[0]!r}?)" if close else repr(hook))
    return (
        f"plugin {name!r}{_origin_text(*_host.origin(name))} implements unknown hook(s) "
        f"{', '.join(hints)}; the fidelite hooks are {', '.join(known)}"
    )


def hook_names() -> list[str]:
    """The names of the fidelite hooks (those with a specification)."""
    return [h for h in dir(pm.hook) if not h.startswith("_") and getattr(pm.hook, h).has_spec()]


def _trace_before(hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
    plugins = ", ".join(impl.plugin_name for impl in hook_impls) or "no plugin"
    print(f"fidelite plugins: {hook_name}({', '.join(kwargs)}) -> {plugins}", file=sys.stderr)


def _trace_after(
    outcome: pluggy.Result[Any], hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
) -> None:
    if outcome.exception is not None:
        print(f"fidelite plugins: {hook_name} raised {outcome.exception!r}", file=sys.stderr)
    else:
        print(f"fidelite plugins: {hook_name} returned {outcome.get_result()!r}", file=sys.stderr)


# --------------------------------------------------------------------------- public API


def load() -> None:
    """Load the plugins now (every other function does it on first use; idempotent)."""
    _host.load()


def register(plugin: Any, name: str | None = None) -> str:
    """Register ``plugin`` (a module, class or object with ``@fidelite.hookimpl``
    functions) at run time and check it strictly; returns the name it got.

    Unlike installed plugins, whose faults are collected (:func:`errors`), any fault here
    (unknown hook, malformed or duplicate index, a raising hook) unregisters the plugin
    and raises :class:`~fidelite.exceptions.PluginError`.

    >>> import fidelite
    >>> class Ten:
    ...     @fidelite.hookimpl
    ...     def fidelite_register_indices(register):
    ...         register(fidelite.Index(name="ten", compute=lambda events: 10.0,
    ...                                 description="Always ten."))
    >>> fidelite.plugins.register(Ten, name="ten-plugin")
    'ten-plugin'
    >>> "ten" in fidelite.indices().names()
    True
    >>> fidelite.plugins.unregister("ten-plugin")
    """
    _host.load()
    with _host._lock:
        wanted = name or pm.get_canonical_name(plugin)
        try:
            got = pm.register(plugin, name=wanted)
        except (ValueError, pluggy.PluginValidationError) as e:
            raise PluginError(f"cannot register plugin {wanted!r}: {e}") from e
        if got is None:
            raise PluginError(f"plugin {wanted!r} is blocked ({BLOCK_ENV}); unblock it to register it")
        if _unknown_hooks(plugin):
            message = _unknown_hooks_message(got, plugin)
            pm.unregister(plugin)
            raise PluginError(message)
        mine = [p for p in _host.registry().problems if p.plugin == got]
        if mine:
            pm.unregister(plugin)
            raise mine[0].error
        return got


def unregister(plugin: Any) -> None:
    """Remove a plugin, given by name or as the registered object (no-op if absent)."""
    with _host._lock:
        obj = pm.get_plugin(plugin) if isinstance(plugin, str) else plugin
        if obj is not None and pm.is_registered(obj):
            pm.unregister(obj)


def errors() -> list[PluginProblem]:
    """Plugins or indices left out because of a fault, each naming the plugin (and index).

    Empty when every plugin loaded and registered cleanly.
    """
    reg = _host.registry()
    return [*_host._load_problems, *reg.problems]


def check() -> None:
    """Raise :class:`~fidelite.exceptions.PluginError` if any plugin was left out
    (for a plugin author's tests, or a strict deployment)."""
    problems = errors()
    if problems:
        lines = "\n".join(f"- {p}" for p in problems)
        raise PluginError(f"{len(problems)} plugin fault(s):\n{lines}") from problems[0].error


def list_plugins() -> list[PluginInfo]:
    """The registered plugins with their package, version and hooks, in load order."""
    _host.load()
    out = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # blocked
            continue
        hooks = tuple(sorted(hc.name for hc in pm.get_hookcallers(plugin) or []))
        out.append(PluginInfo(name, *_host.origin(name), hooks))
    return out


def indices() -> IndexList:
    """The registered loyalty indices, built-in and from plugins, in registration order.

    Each :class:`IndexInfo` carries the definition (inputs, level, unit, range,
    higher_is_better, parameters) and the plugin, package and version that provided it.
    Broken plugins are not listed; the list's ``problems`` (and :func:`errors`) say why.

    >>> import fidelite
    >>> [i.name for i in fidelite.indices()][:3]
    ['nps', 'loyalty_index', 'engagement']
    """
    reg = _host.registry()
    return IndexList((info for _, info in reg.entries.values()), errors())


def available_indices(tables: Iterable[str]) -> IndexList:
    """The indices whose inputs are all among ``tables`` (names such as ``{"events",
    "surveys"}``): what a report or the explorer can compute from the data it has.

    >>> import fidelite
    >>> "nps" in fidelite.plugins.available_indices({"events"}).names()
    False
    """
    have = {tables} if isinstance(tables, str) else set(tables)
    unknown = sorted(have - set(TABLES))
    if unknown:
        raise ParameterError(f"unknown table(s) {unknown}: use {', '.join(TABLES)}")
    listed = indices()
    return IndexList((i for i in listed if set(i.inputs) <= have), listed.problems)


def compute_index(
    name: str,
    *,
    events: Any = None,
    customers: Any = None,
    surveys: Any = None,
    contacts: Any = None,
    subscriptions: Any = None,
    columns: dict[str, Any] | None = None,
    timeout: float | None = None,
    **params: Any,
) -> IndexResult:
    """Compute the registered index ``name`` from the tables it declared.

    Raises ``ParameterError`` for an unknown index or parameter, ``MissingTableError``
    when a declared input is missing, and ``PluginError`` naming the index and plugin
    when its compute function raises or returns a result of the wrong shape. Errors
    about the input data (``fidelite.exceptions.InputError`` ...) pass through with a
    note naming the index.

    Parameters
    ----------
    name : an index of :func:`fidelite.indices`.
    events : an EventLog or anything it accepts (converted with ``EventLog.of``).
    customers, surveys, contacts, subscriptions : the other tables, passed to the index
        as given. Tables the index does not declare are ignored.
    columns : EventLog column keywords (``customer=``, ``time=``, ``tz=`` ...) used to
        build the log from ``events``.
    timeout : seconds the index's ``compute`` may take (None: no limit). Past it,
        :class:`~fidelite.exceptions.PluginTimeoutError` is raised; the computation goes
        on in a background (daemon) thread, whose result is dropped: Python cannot stop
        a thread.
    **params : parameters of the index (see ``IndexInfo.parameters``).

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(500, seed=1)
    >>> r = fidelite.compute_index("repeat_rate", events=shop.events)
    >>> 0 <= float(r) <= 100
    True
    """
    reg = _host.registry()
    entry = reg.entries.get(name)
    if entry is None:
        raise ParameterError(_unknown_index_message(name, reg))
    index, info = entry
    given = {
        "events": events,
        "customers": customers,
        "surveys": surveys,
        "contacts": contacts,
        "subscriptions": subscriptions,
    }
    missing = [t for t in index.inputs if given[t] is None]
    if missing:
        needs = ", ".join(f"{t}=<table>" for t in missing)
        raise MissingTableError(
            f"index {name!r} needs the {' and '.join(missing)} table(s): call compute_index({name!r}, {needs})"
        )
    unknown = [p for p in params if not index.accepts(p)]
    if unknown:
        takes = ", ".join(f"{k}={v!r}" for k, v in index.parameters.items()) or "no parameters"
        raise ParameterError(f"index {name!r} has no parameter(s) {', '.join(map(repr, unknown))}; it takes {takes}")
    kwargs = {t: given[t] for t in index.inputs}
    # optional tables: a table the index takes as a parameter without declaring it
    kwargs.update({t: v for t, v in given.items() if v is not None and t not in kwargs and t in index.parameters})
    if "events" in kwargs:
        kwargs["events"] = EventLog.of(events, **(columns or {}))
    who = f"plugin {info.plugin!r}{_origin_text(info.package, info.version)}"
    try:
        out = _call(lambda: index.compute(**kwargs, **params), timeout)
    except FideliteError as e:
        e.add_note(f"while computing index {name!r} from {who}")
        raise
    except _TimedOut:
        raise PluginTimeoutError(
            f"index {name!r} from {who} did not finish within its time budget of {timeout:g} s; "
            "pass a larger timeout= (or timeout=None) to wait longer"
        ) from None
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # SystemExit from a plugin must not end the program
        raise PluginError(f"index {name!r} from {who} failed: {type(e).__name__}: {e}") from e
    first = kwargs[index.inputs[0]]
    backend = first.native_backend if isinstance(first, EventLog) else frames.backend_of(first)
    return _result(info, out, who).carry(backend)


class _TimedOut(Exception):
    pass


def _call(compute: Any, timeout: float | None) -> Any:
    """``compute()``, here when ``timeout`` is None; else in a daemon thread, raising
    ``_TimedOut`` when it takes longer than ``timeout`` seconds."""
    if timeout is None:
        return compute()
    if not timeout > 0:
        raise ParameterError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    box: list[Any] = []
    done = threading.Event()

    def run() -> None:
        try:
            box.append((True, compute()))
        except BaseException as e:  # handed to the caller, who sorts it
            box.append((False, e))
        finally:
            done.set()

    threading.Thread(target=run, name="fidelite-index", daemon=True).start()
    deadline = time.monotonic() + timeout
    while not done.wait(min(0.1, max(deadline - time.monotonic(), 0))):  # short waits: Ctrl-C gets through
        if time.monotonic() >= deadline:
            raise _TimedOut
    ok, value = box[0]
    if not ok:
        raise value
    return value


def compute_all(
    *,
    events: Any = None,
    customers: Any = None,
    surveys: Any = None,
    contacts: Any = None,
    subscriptions: Any = None,
    columns: dict[str, Any] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> dict[str, IndexResult | FideliteError]:
    """Every index the given tables allow, computed with default parameters: a result,
    or the error of an index that failed (the others are still computed).

    Each index has ``timeout`` seconds (:data:`DEFAULT_TIMEOUT`; None: no limit); a slower
    one is a :class:`~fidelite.exceptions.PluginTimeoutError` in the output.

    What the report and the explorer show. The event log is built once (its errors raise).

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(500, seed=1)
    >>> out = fidelite.plugins.compute_all(events=shop.events, surveys=shop.surveys)
    >>> sorted(out)[:3]
    ['engagement', 'health', 'loyalty_index']
    """
    tables = {
        "events": events,
        "customers": customers,
        "surveys": surveys,
        "contacts": contacts,
        "subscriptions": subscriptions,
    }
    tables = {t: v for t, v in tables.items() if v is not None}
    if "events" in tables:
        tables["events"] = EventLog.of(tables["events"], **(columns or {}))
    out: dict[str, IndexResult | FideliteError] = {}
    for info in available_indices(tables):
        try:
            out[info.name] = compute_index(info.name, **tables, timeout=timeout)
        except FideliteError as e:
            out[info.name] = e
    return out


def _unknown_index_message(name: str, reg: _Registry) -> str:
    names = list(reg.entries)
    close = difflib.get_close_matches(str(name), names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    message = f"no index named {name!r}.{hint} fidelite.indices() lists the {len(names)} registered: {', '.join(names)}"
    broken = sorted({p.plugin for p in errors()})
    if broken:
        message += (
            f" (left out because of faults: plugin(s) {', '.join(map(repr, broken))}; see fidelite.plugins.errors())"
        )
    return message


def _result(info: IndexInfo, out: Any, who: str) -> IndexResult:
    """Check the shape of what ``compute`` returned and wrap it."""
    name = info.name
    if info.level == "overall":
        number = as_number(out)
        if number is None:
            raise PluginError(
                f"index {name!r} from {who} returned a {type(out).__name__}; an overall index "
                "returns one real number (or a fidelite ValueResult)"
            )
        value, reason = number
        _check_values(info, who, [value])
        return IndexResult(info, value=value, reason=reason, raw=out)
    key = KEY_COLUMN[info.level]
    cols = as_columns(out)
    expected = f"a table with columns {key!r} and {VALUE_COLUMN!r}"
    if cols is None:
        raise PluginError(
            f"index {name!r} from {who} returned a {type(out).__name__}; a {info.level}-level index "
            f"returns {expected} (pandas / polars / pyarrow table, dict of arrays or TableResult)"
        )
    lengths = {k: (v.shape if v.ndim != 1 else len(v)) for k, v in cols.items()}
    if len(set(lengths.values())) > 1 or any(v.ndim != 1 for v in cols.values()):
        raise PluginError(
            f"index {name!r} from {who} returned columns of different lengths or shapes {lengths}; "
            f"return {expected}, one row per {info.level}"
        )
    absent = [c for c in (key, VALUE_COLUMN) if c not in cols]
    if absent:
        raise PluginError(
            f"index {name!r} from {who} returned a table without {' and '.join(map(repr, absent))} "
            f"(it has {', '.join(map(repr, cols)) or 'no columns'}); return {expected}"
        )
    values = cols[VALUE_COLUMN]
    if values.dtype.kind not in "iuf":
        raise PluginError(
            f"index {name!r} from {who} returned a {VALUE_COLUMN!r} column of dtype {values.dtype}; "
            "the index values must be numbers"
        )
    _check_values(info, who, values)
    return IndexResult(info, columns=cols, reason=getattr(out, "reason", None), raw=out)


def _check_values(info: IndexInfo, who: str, values: Any) -> None:
    v = np.asarray(values, dtype=float)
    if np.isinf(v).any():
        raise PluginError(
            f"index {info.name!r} from {who} returned an infinite value; "
            "return NaN (with a reason) when the index is undefined"
        )
    lo, hi = info.range or (None, None)
    outside = ((v < lo) if lo is not None else np.zeros(v.shape, bool)) | ((v > hi) if hi is not None else False)
    if outside.any():
        first = float(v[np.flatnonzero(outside)[0]])
        raise PluginError(
            f"index {info.name!r} from {who} returned {first:g}, outside its declared range "
            f"{info.range_text}; fix the computation or the declared range"
        )


# --------------------------------------------------------------------------- the other hooks


def sections() -> list[SectionInfo]:
    """The report sections (and explorer tabs) plugins registered, in registration order
    (``fidelite_register_sections``)."""
    return list(_host.registry().registered.sections.values())


def loaders() -> list[LoaderInfo]:
    """The loaders registered through ``fidelite_register_loaders`` (fidelite's own
    database loaders first), with the URI schemes and file suffixes each serves."""
    return list(_host.registry().registered.loaders)


def attributes_registered() -> dict[str, str]:
    """The derived attributes plugins registered (``fidelite_register_attributes``), by
    name, with the plugin each came from; ``fidelite.query.attributes`` holds them."""
    return {name: origin.plugin for name, origin in _host.registry().registered.attributes.items()}


def commands() -> list[CommandInfo]:
    """The CLI subcommands registered through ``fidelite_register_commands``."""
    return list(_host.registry().registered.commands.values())


def build_section(
    name: str,
    *,
    events: Any = None,
    customers: Any = None,
    surveys: Any = None,
    contacts: Any = None,
    subscriptions: Any = None,
    columns: dict[str, Any] | None = None,
    period: str | None = None,
    tz: str | None = None,
    as_of: Any = None,
    timeout: float | None = None,
) -> list[Any]:
    """Build the plugin section ``name`` from the tables it declared: a list of parts,
    each a fidelite result (tables, numbers and frames a ``build`` returns become a
    :class:`~fidelite.TableResult` / :class:`~fidelite.ValueResult`) or a string.

    ``period``, ``tz`` and ``as_of`` are passed to a ``build`` that takes them (None: left
    to its default). Raises ``ParameterError`` for an unknown section,
    ``MissingTableError`` naming a declared table that is missing, ``PluginError`` naming
    the section and the plugin when ``build`` raises or returns something else, and
    :class:`~fidelite.exceptions.PluginTimeoutError` past ``timeout`` seconds (the report
    and the explorer give it :data:`DEFAULT_TIMEOUT`). fidelite's own errors raised in
    ``build`` pass through with a note naming the section.
    """
    held = _host.registry().registered.sections
    info = held.get(name)
    if info is None:
        close = difflib.get_close_matches(str(name), list(held), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ParameterError(f"no plugin section named {name!r}.{hint} Registered: {', '.join(held) or 'none'}")
    given = {
        "events": events,
        "customers": customers,
        "surveys": surveys,
        "contacts": contacts,
        "subscriptions": subscriptions,
    }
    missing = [t for t in info.inputs if given[t] is None]
    if missing:
        raise MissingTableError(
            f"section {name!r} needs the {' and '.join(missing)} table(s): pass "
            + ", ".join(f"{t}=<table>" for t in missing)
        )
    kwargs = {t: given[t] for t in info.inputs}
    if "events" in kwargs:
        kwargs["events"] = EventLog.of(events, **(columns or {}))
    context = {"period": period, "tz": tz, "as_of": as_of}
    kwargs.update({k: context[k] for k in info.context if context[k] is not None})
    who = f"section {name!r} from plugin {info.plugin!r}{_origin_text(info.package, info.version)}"
    try:
        out = _call(lambda: info.build(**kwargs), timeout)
    except FideliteError as e:
        e.add_note(f"while building {who}")
        raise
    except _TimedOut:
        raise PluginTimeoutError(
            f"{who} did not finish within its time budget of {timeout:g} s; pass a larger timeout= to wait longer"
        ) from None
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # SystemExit from a plugin must not end the program
        raise PluginError(f"{who} failed: {type(e).__name__}: {e}") from e
    parts = list(out) if isinstance(out, (list, tuple)) else [out]
    return [_part(p, who, info.title) for p in parts]


def _part(out: Any, who: str, title: str) -> Any:
    """One part of a section as a fidelite result or a string."""
    from ..results import Result, TableResult, ValueResult

    if isinstance(out, (str, Result)):
        return out
    number = as_number(out)
    if number is not None:
        return ValueResult(number[0], title=title, reason=number[1])
    cols = as_columns(out)
    if cols is not None and cols and all(v.ndim == 1 for v in cols.values()):
        if len({len(v) for v in cols.values()}) == 1:
            return TableResult(cols, title=title)
    raise PluginError(
        f"{who} returned a {type(out).__name__}; return a fidelite result, a table (pandas / polars / "
        "pyarrow, dict of equal-length arrays), a number or text, or a list of them"
    )


def add_commands(subparsers: Any) -> None:
    """Add the plugin commands to the ``fidelite`` command line (``subparsers`` of its
    argparse parser). A name the command line already has is left out and reported by
    :func:`errors`; running a command that raises gives a
    :class:`~fidelite.exceptions.PluginError` naming it and its plugin."""
    reg = _host.registry()
    for info in reg.registered.commands.values():
        who = f"plugin {info.plugin!r}{_origin_text(info.package, info.version)}"
        if info.name in subparsers.choices:
            message = f"{who} registered command {info.name!r}, which the command line already has; rename it"
            if not any(str(p) == message for p in reg.problems):
                reg.problems.append(
                    PluginProblem(
                        info.plugin,
                        info.package,
                        info.version,
                        None,
                        PluginError(message),
                        "fidelite_register_commands",
                    )
                )
            continue
        sub = subparsers.add_parser(info.name, help=info.help, description=info.help)
        if info.arguments is not None:
            info.arguments(sub)  # tried at registration: it worked then
        sub.set_defaults(run=_command_runner(info, who))


def _command_runner(info: CommandInfo, who: str) -> Any:
    def run(args: Any) -> int:
        try:
            status = info.run(args)
        except FideliteError as e:
            e.add_note(f"while running command {info.name!r} from {who}")
            raise
        except (KeyboardInterrupt, SystemExit):  # sys.exit(n) in a command sets its status
            raise
        except BaseException as e:
            raise PluginError(f"command {info.name!r} from {who} failed: {type(e).__name__}: {e}") from e
        return 0 if status is None else int(status)

    return run
