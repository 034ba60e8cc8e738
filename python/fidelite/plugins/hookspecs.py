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
