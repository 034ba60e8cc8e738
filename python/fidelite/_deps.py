"""Lazy imports of optional dependencies, with an error naming the extra to install."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

from .exceptions import MissingDependencyError

_EXTRA = {
    "pandas": "pandas",
    "pyarrow": "arrow",
    "pyarrow.csv": "arrow",
    "pyarrow.parquet": "arrow",
    "pyarrow.compute": "arrow",
    "polars": "polars",
    "matplotlib": "plot",
    "matplotlib.pyplot": "plot",
    "ipywidgets": "widgets",
    "rich": "cli",
    "tqdm": "cli",
    "dask": "dask",
    "dask.dataframe": "dask",
    "adbc_driver_postgresql.dbapi": "sql",
    "adbc_driver_sqlite.dbapi": "sql",
    "duckdb": "sql",
}


def import_optional(name: str, purpose: str = "") -> ModuleType:
    """Import ``name`` or raise :class:`MissingDependencyError` saying how to get it."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        extra = _EXTRA.get(name, name.split(".")[0])
        why = f" to {purpose}" if purpose else ""
        raise MissingDependencyError(f"{name.split('.')[0]} is needed{why}: pip install 'fidelite[{extra}]'") from e


def loaded(name: str) -> Any:
    """The module if the user already imported it, else None (an input of that type can
    only come from a loaded module, so type checks never import anything)."""
    return sys.modules.get(name)
