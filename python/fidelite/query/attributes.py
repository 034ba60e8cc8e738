"""Derived customer attributes: named values per customer, computed from the event log,
that ``segment=`` accepts like a column of the customers table.

A derived attribute is a function of the log that returns one value per customer, in the
log's customer code order (``log.customer_ids[i]`` is the customer of value ``i``). Plugins
add them through the ``fidelite_register_attributes`` hook; this module is the registry
that the query layer reads when it resolves ``segment=`` (so the metrics never import the
plugin host). The host fills it on first use, through :func:`on_lookup`.

>>> import fidelite
>>> from fidelite.query import attributes
>>> attributes.register("id_kind", lambda log: ["vip" if str(i).startswith("V") else "std" for i in log.customer_ids])
>>> "id_kind" in attributes.names()
True
>>> log = fidelite.EventLog({"customer_id": ["V1", "c2", "V1"], "timestamp": ["2024-01-01"] * 3})
>>> sorted(zip(log.customer_ids, attributes.derive("id_kind", log)))
[('V1', 'vip'), ('c2', 'std')]
>>> attributes.unregister("id_kind")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import FideliteError, ParameterError, PluginError

if TYPE_CHECKING:
    from ..eventlog import EventLog

#: A derived attribute: the log in, one value per customer (in code order) out.
Derive = Callable[["EventLog"], Any]


@dataclass(frozen=True)
class Attribute:
    """A registered derived attribute: its ``name``, the function computing it, and the
    ``source`` that registered it (a plugin name, or ``"fidelite"``)."""

    name: str
    derive: Derive
    source: str
    description: str = ""


_registry: dict[str, Attribute] = {}
_fill: list[Callable[[], None]] = []


def on_lookup(fill: Callable[[], None]) -> None:
    """Call ``fill()`` before every lookup: the plugin host registers the attributes of
    the installed plugins on first use this way."""
    _fill.append(fill)


def _refresh() -> None:
    for fill in _fill:
        fill()


def register(name: str, derive: Derive, *, source: str = "fidelite", description: str = "") -> None:
    """Make ``name`` usable as ``segment=name``. A second registration of the same name
    from another source is an error (two plugins must not silently shadow each other);
    the same source may replace its own."""
    if not isinstance(name, str) or not name:
        raise ParameterError(f"a derived attribute needs a non-empty string name, got {name!r}")
    if not callable(derive):
        raise ParameterError(f"derived attribute {name!r}: expected a function of the log, got {derive!r}")
    held = _registry.get(name)
    if held is not None and held.source != source:
        raise ParameterError(
            f"derived attribute {name!r} is already registered by {held.source!r}; {source!r} must use another name"
        )
    _registry[name] = Attribute(name, derive, source, description)


def unregister(name: str) -> None:
    """Forget ``name`` (no error when it is not registered)."""
    _registry.pop(name, None)


def names() -> list[str]:
    """The registered derived attributes, sorted."""
    _refresh()
    return sorted(_registry)


def get(name: str, *, refresh: bool = True) -> Attribute | None:
    """The registered attribute ``name``, or None (``refresh=False``: without asking the
    plugin host first, for the host itself)."""
    if refresh:
        _refresh()
    return _registry.get(name)


def derive(name: str, log: EventLog) -> np.ndarray:
    """The values of attribute ``name`` for every customer of ``log`` (an object array in
    code order). A function returning the wrong number of values is a
    :class:`~fidelite.exceptions.ParameterError` naming its source; one that raises, a
    :class:`~fidelite.exceptions.PluginError` naming it (fidelite's own errors pass
    through with a note)."""
    held = get(name)
    if held is None:
        raise ParameterError(f"no derived attribute {name!r}; registered: {names() or 'none'}")
    try:
        values = np.asarray(held.derive(log), dtype=object)
    except FideliteError as e:
        e.add_note(f"while deriving attribute {name!r} (from {held.source!r})")
        raise
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # a plugin's SystemExit must not end the program either
        raise PluginError(f"derived attribute {name!r} (from {held.source!r}) failed: {type(e).__name__}: {e}") from e
    if values.shape != (log.n_customers,):
        raise ParameterError(
            f"derived attribute {name!r} (from {held.source!r}) returned {values.shape} values; "
            f"expected one per customer ({log.n_customers}), in log.customer_ids order"
        )
    return values
