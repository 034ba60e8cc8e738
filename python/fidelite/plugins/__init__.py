"""The plugin host: teams register their own loyalty indices, report sections and
explorer tabs, derived customer attributes (``segment=``), loaders and CLI commands.

Write your own index in three steps.

1. A function that computes it from the tables it needs (``events`` arrives as an
   :class:`~fidelite.EventLog`, the other tables as the caller gave them) and returns one
   number, or a table with a key column (``period`` / ``segment`` / ``customer_id``) and
   a ``value`` column::

       # fidelite_orders/__init__.py
       import fidelite

       def orders_per_customer(events, event="purchase"):
           n = int(events.event_mask(event).sum()) if events.has("event") else events.n_events
           return n / events.n_customers

2. A hook implementation that registers it::

       @fidelite.hookimpl
       def fidelite_register_indices(register):
           register(fidelite.Index(
               name="orders_per_customer", compute=orders_per_customer,
               description="Purchases per customer over the whole log.",
               inputs=("events",), level="overall", unit="orders", range=(0, None),
               higher_is_better=True))

3. An entry point in the group ``fidelite`` of your package's ``pyproject.toml``::

       [project.entry-points.fidelite]
       orders = "fidelite_orders"

After ``pip install``, the index appears in ``fidelite.indices()``,
``fidelite.compute_index("orders_per_customer", events=df)``, ``fidelite indices``, the
report and the explorer. In a notebook, ``fidelite.plugins.register(module_or_class)``
registers a plugin without installing it. ``plugins/fidelite-example-index`` in the
repository is a complete example; docs/plugins.md documents every hook. The other hooks
(``fidelite_register_sections``, ``_attributes``, ``_loaders``, ``_commands``) take a
``register(name, function, **options)`` callback; :mod:`fidelite.plugins.hookspecs`
documents each. :func:`sections`, :func:`loaders`, :func:`commands` and
:func:`attributes_registered` list what they registered; ``fidelite plugins`` prints it.

Environment: ``FIDELITE_DISABLE_PLUGIN_AUTOLOAD=1`` loads no installed plugin,
``FIDELITE_BLOCK_PLUGINS=a,b`` skips the named ones, ``FIDELITE_TRACE_PLUGINS=1`` prints
hook calls to stderr. A broken plugin is left out and reported by :func:`errors`;
:func:`check` raises.
"""

from __future__ import annotations

from .hookspecs import hookimpl
from .index import TABLES, Index, IndexDefinitionError, IndexInfo, IndexList, IndexResult
from .manager import (
    DEFAULT_TIMEOUT,
    PluginInfo,
    PluginProblem,
    add_commands,
    attributes_registered,
    available_indices,
    build_section,
    check,
    commands,
    compute_all,
    compute_index,
    errors,
    indices,
    list_plugins,
    load,
    loaders,
    pm,
    register,
    sections,
    unregister,
)
from .registrations import CommandInfo, LoaderInfo, SectionInfo

__all__ = [
    "DEFAULT_TIMEOUT",
    "CommandInfo",
    "LoaderInfo",
    "SectionInfo",
    "TABLES",
    "Index",
    "IndexDefinitionError",
    "IndexInfo",
    "IndexList",
    "IndexResult",
    "PluginInfo",
    "PluginProblem",
    "add_commands",
    "attributes_registered",
    "available_indices",
    "build_section",
    "check",
    "commands",
    "compute_all",
    "compute_index",
    "errors",
    "hookimpl",
    "indices",
    "list_plugins",
    "load",
    "loaders",
    "pm",
    "register",
    "sections",
    "unregister",
]
