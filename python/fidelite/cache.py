"""The one cache of fidelite: a small thread-safe least-recently-used mapping.

The event log keeps derived structures in one (activity bitmaps, calendars), the
explorer keeps its results in one and the report shares its computations through one.

>>> cache = Cache(2)
>>> cache.get("a", lambda: 1), cache.get("b", lambda: 2), cache.get("a", lambda: 99)
(1, 2, 1)
>>> cache.get("c", lambda: 3); "b" in cache, "a" in cache
3
(False, True)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class Cache:
    """Values by key, at most ``size`` of them (``None``: no limit), the least recently
    used dropped first.

    :meth:`get` builds a missing value outside the lock, so a long build never blocks
    readers of other keys; two threads asking for the same missing key at once may both
    build it (the values are equal: the first stored wins).
    """

    def __init__(self, size: int | None = None) -> None:
        if size is not None and size < 1:
            raise ValueError(f"a cache holds at least one value, got size={size}")
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value of ``key``, built by ``build()`` and kept when missing."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = build()
        with self._lock:
            value = self._values.setdefault(key, value)
            self._values.move_to_end(key)
            while self.size is not None and len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._values

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def __iter__(self) -> Iterator[Hashable]:
        """The keys, least recently used first (a snapshot)."""
        with self._lock:
            return iter(list(self._values))

    def __getstate__(self) -> dict[str, Any]:
        # derived values are cheap to rebuild and may be large: a pickled cache is empty
        return {"size": self.size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["size"])  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"<Cache {len(self)} of {self.size if self.size is not None else 'unlimited'} values>"
