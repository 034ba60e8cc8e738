"""The interactive explorer: ``fidelite.explore(data, ...)`` in a notebook.

:class:`ExplorerState` (no widget dependency) holds the parameters and computes through
the public API; :class:`Explorer` is the ipywidgets view on it, imported on first use so
that ``import fidelite`` never imports ipywidgets. Without ipywidgets, ``explore`` and
``Explorer`` raise :class:`~fidelite.exceptions.MissingDependencyError` naming the extra
to install (``pip install 'fidelite[widgets]'``).

>>> import fidelite
>>> shop = fidelite.datasets.demo_shop(1000, seed=0)
>>> ex = fidelite.explore(shop.events, customers=shop.customers)
>>> ex.state.set(period="quarter")
>>> ex.state.matrix().cohort_labels[0]
'2023-Q1'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import MissingDependencyError
from ._state import ExplorerState

if TYPE_CHECKING:
    from ._view import Explorer


def _explorer_class() -> type[Explorer]:
    try:
        from ._view import Explorer
    except ImportError as missing:  # ipywidgets (or one of its dependencies) is not installed
        reason = str(missing)

        class Explorer:  # type: ignore[no-redef]
            """Stand-in: the explorer needs ipywidgets (``pip install 'fidelite[widgets]'``)."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                raise MissingDependencyError(
                    f"the explorer needs ipywidgets ({reason}): pip install 'fidelite[widgets]'"
                )

    return Explorer


def __getattr__(name: str) -> Any:
    if name == "Explorer":
        return _explorer_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def explore(data: Any, **kwargs: Any) -> Explorer:
    """The interactive explorer on ``data`` (an EventLog or anything it accepts).

    Keywords: ``customers=``, ``surveys=``, ``contacts=``, ``subscriptions=``,
    ``programme=`` (optional tables), ``tiers=`` (the programme's tier thresholds), ``signup=`` (signup date column), ``tz=``, ``max_cohorts=`` / ``max_offsets=``
    (displayed matrix size), ``ci=`` and the :class:`~fidelite.EventLog` column keywords.
    Returns an :class:`Explorer`; display it (last expression of a cell) to use it.
    Raises :class:`~fidelite.exceptions.MissingDependencyError` without ipywidgets.
    """
    return _explorer_class()(data, **kwargs)


__all__ = ["Explorer", "ExplorerState", "explore"]
