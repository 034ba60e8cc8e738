"""The exceptions fidelite raises.

Every class subclasses the builtin an embedding tool would catch (``ValueError`` for bad
input or parameters, ``TypeError`` for wrong dtypes, ``ImportError`` for a missing extra),
plus :class:`FideliteError` to catch them all. The Rust kernels raise the same classes.

>>> import fidelite
>>> try:
...     fidelite.EventLog({"customer_id": [], "timestamp": []})
... except ValueError as e:
...     print(type(e).__name__)
EmptyInputError
"""

from __future__ import annotations


class FideliteError(Exception):
    """Base class of every fidelite error."""


class InputError(FideliteError, ValueError):
    """The input data cannot be used as given (the message says how to fix it)."""


class ColumnNotFoundError(InputError):
    """A named column is not in the table."""


class EmptyInputError(InputError):
    """The input holds no usable rows."""


class LengthMismatchError(InputError):
    """Columns that should align have different lengths."""


class RejectedRowsError(InputError):
    """``strict=True`` and some rows were rejected; ``.report`` holds the accounting."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class DTypeError(FideliteError, TypeError):
    """A column has a type fidelite cannot interpret (e.g. booleans as customer ids)."""


class ParameterError(FideliteError, ValueError):
    """A metric parameter outside its allowed values."""


class MissingColumnError(ParameterError):
    """A metric needs an optional column of the event log (``amount``, ``product``,
    ``duration``...) that the log does not have; ``.column`` names its role.

    >>> import fidelite
    >>> try:
    ...     fidelite.upsell_rate({"customer_id": [1], "timestamp": ["2024-01-01"]})
    ... except MissingColumnError as e:
    ...     print(e.column)
    product
    """

    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.column = column


class TimeZoneError(ParameterError):
    """An unknown IANA time-zone name (or a zone that is not a name, such as None)."""


class ResultTooLargeError(ParameterError):
    """The answer would take more memory than :func:`fidelite.memory_limit` allows.

    Usually one placeholder date (1900-01-01, 9999-12-31) or a far-off ``as_of``
    stretches the calendar span; the message names the span's first and last dates and
    says how to shorten it (filter the rows, an earlier ``as_of=``, a longer ``period=``)
    or to raise the limit with :func:`fidelite.set_memory_limit`.
    """


class OutOfMemoryError(FideliteError, MemoryError):
    """The system refused memory the answer needed, although within the limit."""


class InternalError(FideliteError, RuntimeError):
    """A bug in fidelite (a panic in the Rust kernels): please report it with the input."""


class MissingTableError(FideliteError, ValueError):
    """A metric needs an optional table (customers, surveys, contacts, subscriptions)."""


class PluginError(FideliteError, RuntimeError):
    """A plugin failed to load, register or compute; the message names the plugin."""


class PluginTimeoutError(PluginError, TimeoutError):
    """A plugin's index took longer than its time budget (``timeout=``)."""


class MissingDependencyError(FideliteError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


__all__ = [
    "ColumnNotFoundError",
    "DTypeError",
    "EmptyInputError",
    "FideliteError",
    "InputError",
    "InternalError",
    "LengthMismatchError",
    "MissingColumnError",
    "MissingDependencyError",
    "MissingTableError",
    "OutOfMemoryError",
    "ParameterError",
    "PluginError",
    "PluginTimeoutError",
    "RejectedRowsError",
    "ResultTooLargeError",
    "TimeZoneError",
]
