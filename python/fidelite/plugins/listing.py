"""``fidelite plugins``: every plugin with its package and what it registered through
each hook, then the broken ones with their errors. A built-in plugin (loaded before any
installed one, see :data:`fidelite.plugins.builtin.DEFAULT_PLUGINS`) registers the command
through ``fidelite_register_commands``.

>>> from fidelite.plugins.listing import provided
>>> provided()["fidelite.plugins.builtin"]["loaders"]
['postgresql', 'sqlite', 'duckdb']
"""

from __future__ import annotations

from typing import Any

from . import manager
from .hookspecs import hookimpl

#: What each hook registers, as the listing names it.
KINDS = ("indices", "sections", "attributes", "loaders", "commands")


def provided() -> dict[str, dict[str, list[str]]]:
    """For each plugin (by name), the names it registered, by kind (:data:`KINDS`)."""
    out: dict[str, dict[str, list[str]]] = {p.name: {k: [] for k in KINDS} for p in manager.list_plugins()}

    def add(plugin: str, kind: str, name: str) -> None:
        out.setdefault(plugin, {k: [] for k in KINDS})[kind].append(name)

    for index in manager.indices():
        add(index.plugin, "indices", index.name)
    for section in manager.sections():
        add(section.plugin, "sections", section.name)
    for name, plugin in manager.attributes_registered().items():
        add(plugin, "attributes", name)
    for loader in manager.loaders():
        add(loader.plugin, "loaders", loader.name)
    for command in manager.commands():
        add(command.plugin, "commands", command.name)
    return out


def print_plugins(console: Any = None) -> int:
    """Print the listing with rich (to ``console``, default stdout): a line per plugin,
    then what it registered, kind by kind; returns 0, or 1 when a plugin is broken (so
    that a deployment script can check it)."""
    from rich.console import Console
    from rich.text import Text

    console = console or Console()
    plugins = manager.list_plugins()
    made = provided()
    console.print(Text(f"{len(plugins)} plugins", style="bold"))
    for p in plugins:
        console.print(Text.assemble((p.name, "bold"), f" ({p.package} {p.version})".replace(" )", ")")))
        what = [(kind, names) for kind, names in made.get(p.name, {}).items() if names]
        for kind, names in what or [("registered", ["nothing"])]:
            console.print(Text(f"  {kind}: {', '.join(names)}"), soft_wrap=True)
    problems = manager.errors()
    for problem in problems:
        where = f" [{problem.hook}]" if problem.hook else ""
        console.print(Text(f"broken plugin{where}: {' '.join(str(problem).split())}", style="yellow"), soft_wrap=True)
    return 1 if problems else 0


def plugins_command(args: Any) -> int:
    return print_plugins()


@hookimpl
def fidelite_register_commands(register: Any) -> None:
    register(
        "plugins",
        plugins_command,
        help="list the plugins, what each registered, and the broken ones with their errors (status 1 then)",
    )
