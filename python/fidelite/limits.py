"""The memory limit of one kernel call (see docs/errors.md, "Limits").

The buffers a kernel sizes from the calendar span or from its parameters (a cohort
matrix, activity bitmaps, per-period arrays and their partial sums) are counted before
they are allocated; above the limit the call raises
:class:`~fidelite.exceptions.ResultTooLargeError`, naming the span's first and last dates,
instead of asking the system for them. One placeholder date (1900-01-01, 9999-12-31) or a
far-off ``as_of`` is what usually makes a span that long.
"""

from __future__ import annotations

from . import _core
from .exceptions import ParameterError

#: The default limit in bytes (2 GiB): 1,000,000 customers over 3 years by day need
#: about 300 MB in any kernel.
DEFAULT_MEMORY_LIMIT: int = _core.DEFAULT_MEMORY_LIMIT


def memory_limit() -> int:
    """The most bytes one kernel call may allocate for an answer sized by its calendar
    span or parameters.

    >>> import fidelite
    >>> fidelite.memory_limit() == fidelite.limits.DEFAULT_MEMORY_LIMIT == 2**31
    True
    """
    return _core.memory_limit()


def set_memory_limit(bytes: int) -> None:
    """Set :func:`memory_limit` for every later kernel call of the process (e.g. higher
    on a large machine, when a long daily span is meant).

    >>> import fidelite
    >>> fidelite.set_memory_limit(8 * 2**30)
    >>> fidelite.memory_limit()
    8589934592
    >>> fidelite.set_memory_limit(fidelite.limits.DEFAULT_MEMORY_LIMIT)
    """
    if isinstance(bytes, bool) or not isinstance(bytes, int) or bytes < 0:
        raise ParameterError(f"the memory limit is a number of bytes (an int >= 0), got {bytes!r}")
    _core.set_memory_limit(bytes)
