"""What the hooks other than the indices' register: report sections (and explorer tabs),
derived customer attributes, loaders and CLI commands; each checked when registered.

The host (:mod:`fidelite.plugins.manager`) calls each plugin's hooks with the ``register``
callbacks made here. A wrong registration is refused with a message naming the plugin
and the item, and the plugin's other registrations still count. Attributes and loaders go
on into the registries the lower layers read (:mod:`fidelite.query.attributes`,
:mod:`fidelite.io.loaders`), under the plugin's name as their source.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import FideliteError, ParameterError
from ..io import loaders
from ..query import attributes
from .index import TABLES, IndexDefinitionError, check_inputs

#: The keywords a section's ``build`` gets when it takes them: the report's calendar, or
#: the explorer's controls.
CONTEXT = ("period", "tz", "as_of")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_COMMAND = re.compile(r"[a-z][a-z0-9-]*\Z")


class RegistrationError(ParameterError):
    """A registration a plugin made through one of the hooks is malformed."""


@dataclass(frozen=True)
class Origin:
    """The plugin an item comes from: its name, package (distribution) and version."""

    plugin: str
    package: str = ""
    version: str = ""

    def __str__(self) -> str:
        origin = f" ({self.package} {self.version})".replace(" )", ")") if self.package else ""
        return f"plugin {self.plugin!r}{origin}"


@dataclass(frozen=True)
class SectionInfo:
    """A registered report section / explorer tab: ``build`` takes the tables of
    ``inputs`` and those of ``period``, ``tz``, ``as_of`` listed in ``context``."""

    name: str
    title: str
    build: Callable[..., Any] = field(repr=False)
    inputs: tuple[str, ...]
    description: str
    context: tuple[str, ...]
    plugin: str
    package: str
    version: str


@dataclass(frozen=True)
class LoaderInfo:
    """A registered loader: the URI schemes and file suffixes it serves."""

    name: str
    schemes: tuple[str, ...]
    suffixes: tuple[str, ...]
    needs_query: bool
    description: str
    plugin: str
    package: str
    version: str


@dataclass(frozen=True)
class CommandInfo:
    """A registered CLI subcommand: ``fidelite <name>``."""

    name: str
    run: Callable[[argparse.Namespace], Any] = field(repr=False)
    help: str
    arguments: Callable[[argparse.ArgumentParser], Any] | None = field(repr=False)
    plugin: str
    package: str
    version: str


@dataclass
class Registered:
    """What the current plugins registered through the four hooks other than indices."""

    sections: dict[str, SectionInfo] = field(default_factory=dict)
    attributes: dict[str, Origin] = field(default_factory=dict)
    loaders: list[LoaderInfo] = field(default_factory=list)
    commands: dict[str, CommandInfo] = field(default_factory=dict)

    def withdraw(self) -> None:
        """Take the attributes and loaders out of the lower layers' registries (before
        the registrations of another set of plugins go in)."""
        for name, origin in self.attributes.items():
            held = attributes.get(name, refresh=False)
            if held is not None and held.source == origin.plugin:
                attributes.unregister(name)
        for info in self.loaders:
            loaders.unregister(schemes=info.schemes, suffixes=info.suffixes, source=info.plugin)


def _name(kind: str, name: Any, pattern: re.Pattern[str] = _NAME) -> str:
    if not isinstance(name, str) or not pattern.match(name):
        hint = re.sub(r"[^a-z0-9]+", "_" if pattern is _NAME else "-", str(name).lower()).strip("_-") or "my_name"
        raise RegistrationError(f"{kind} name {name!r} must be a lowercase identifier, e.g. {hint!r}")
    return name


def _callable(kind: str, name: str, role: str, value: Any) -> None:
    if not callable(value):
        raise RegistrationError(f"{kind} {name!r}: {role} must be a function; got {type(value).__name__}")


def _text(kind: str, name: str, role: str, value: Any) -> str:
    if not isinstance(value, str):
        raise RegistrationError(f"{kind} {name!r}: {role} must be a string; got {type(value).__name__}")
    return value


def _keys(kind: str, name: str, role: str, values: Any) -> tuple[str, ...]:
    values = (values,) if isinstance(values, str) else tuple(values)
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise RegistrationError(f"{kind} {name!r}: {role} must be non-empty strings; got {values!r}")
    return values


def section(registered: Registered, origin: Origin) -> Callable[..., None]:
    """The ``register`` of ``fidelite_register_sections`` for one plugin."""

    def register(
        name: str,
        build: Callable[..., Any],
        *,
        title: str = "",
        inputs: Iterable[str] | str = ("events",),
        description: str = "",
    ) -> None:
        name = _name("section", name)
        _callable("section", name, "build", build)
        title = _text("section", name, "title", title).strip() or name.replace("_", " ").capitalize()
        description = _text("section", name, "description", description)
        try:
            tables, params, any_keyword = check_inputs(name, build, inputs)
        except IndexDefinitionError as e:
            raise RegistrationError(str(e).replace("index ", "section ", 1)) from None
        held = registered.sections.get(name)
        if held is not None:
            raise RegistrationError(
                f"section {name!r} is already registered by plugin {held.plugin!r}; give it another name"
            )
        context = tuple(c for c in CONTEXT if c in params or any_keyword)
        registered.sections[name] = SectionInfo(
            name, title, build, tables, description, context, origin.plugin, origin.package, origin.version
        )

    return register


def attribute(registered: Registered, origin: Origin) -> Callable[..., None]:
    """The ``register`` of ``fidelite_register_attributes`` for one plugin: the attribute
    goes into :mod:`fidelite.query.attributes` with the plugin's name as its source."""

    def register(name: str, derive: Callable[[Any], Any], *, description: str = "") -> None:
        _name("attribute", name)
        _callable("attribute", name, "derive", derive)
        description = _text("attribute", name, "description", description)
        held = attributes.get(name, refresh=False)
        if held is not None and (held.source != origin.plugin or name in registered.attributes):
            taken = "this plugin already" if held.source == origin.plugin else f"{held.source!r}"
            raise RegistrationError(f"derived attribute {name!r} is already registered by {taken}; use another name")
        attributes.register(name, derive, source=origin.plugin, description=description)
        registered.attributes[name] = origin

    return register


def loader(registered: Registered, origin: Origin) -> Callable[..., None]:
    """The ``register`` of ``fidelite_register_loaders`` for one plugin: the loader goes
    into :mod:`fidelite.io.loaders` with the plugin's name as its source."""

    def register(
        name: str,
        read: Callable[[str, str | None], Any],
        *,
        schemes: Iterable[str] | str = (),
        suffixes: Iterable[str] | str = (),
        needs_query: bool = False,
        description: str = "",
    ) -> None:
        _name("loader", name)
        _callable("loader", name, "read", read)
        description = _text("loader", name, "description", description)
        if not isinstance(needs_query, bool):
            raise RegistrationError(f"loader {name!r}: needs_query must be True or False; got {needs_query!r}")
        schemes = tuple(s.lower() for s in _keys("loader", name, "schemes", schemes))
        suffixes = tuple(s.lower() for s in _keys("loader", name, "suffixes", suffixes))
        if not schemes and not suffixes:
            raise RegistrationError(f"loader {name!r} serves nothing: pass schemes=('crm',) and/or suffixes=('.crm',)")
        bad = [s for s in schemes if not re.fullmatch(r"[a-z][a-z0-9+.-]*", s)]
        if bad:
            raise RegistrationError(f"loader {name!r}: {bad[0]!r} is not a URI scheme (letters, digits, + . -)")
        bad = [s for s in suffixes if not s.startswith(".")]
        if bad:
            raise RegistrationError(f"loader {name!r}: suffix {bad[0]!r} must start with a dot, e.g. '.{bad[0]}'")
        try:
            loaders.register(
                loaders.Loader(name, read, source=origin.plugin, needs_query=needs_query, description=description),
                schemes=schemes,
                suffixes=suffixes,
            )
        except FideliteError as e:
            raise RegistrationError(str(e)) from None
        registered.loaders.append(
            LoaderInfo(name, schemes, suffixes, needs_query, description, origin.plugin, origin.package, origin.version)
        )

    return register


def command(registered: Registered, origin: Origin) -> Callable[..., None]:
    """The ``register`` of ``fidelite_register_commands`` for one plugin. ``arguments``
    is tried on a scratch parser here, so that one that raises is refused now rather
    than breaking the command line."""

    def register(
        name: str,
        run: Callable[[argparse.Namespace], Any],
        *,
        help: str = "",
        arguments: Callable[[argparse.ArgumentParser], Any] | None = None,
    ) -> None:
        _name("command", name, _COMMAND)
        _callable("command", name, "run", run)
        help = _text("command", name, "help", help)
        if arguments is not None:
            _callable("command", name, "arguments", arguments)
            try:
                arguments(argparse.ArgumentParser(prog=f"fidelite {name}", add_help=True))
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # argparse.ArgumentError, a typo in the plugin...
                raise RegistrationError(f"command {name!r}: arguments(parser) failed: {type(e).__name__}: {e}") from e
        held = registered.commands.get(name)
        if held is not None:
            raise RegistrationError(
                f"command {name!r} is already registered by plugin {held.plugin!r}; give it another name"
            )
        registered.commands[name] = CommandInfo(
            name, run, help, arguments, origin.plugin, origin.package, origin.version
        )

    return register


#: Each hook but the indices' with the maker of its ``register`` callback.
REGISTRARS: dict[str, Callable[[Registered, Origin], Callable[..., None]]] = {
    "fidelite_register_sections": section,
    "fidelite_register_attributes": attribute,
    "fidelite_register_loaders": loader,
    "fidelite_register_commands": command,
}

__all__ = [
    "CONTEXT",
    "REGISTRARS",
    "TABLES",
    "CommandInfo",
    "LoaderInfo",
    "Origin",
    "Registered",
    "RegistrationError",
    "SectionInfo",
]
