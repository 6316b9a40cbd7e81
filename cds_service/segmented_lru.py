"""A bounded map that keeps what is used again when a stream of one-off entries passes through.

The per-worker caches (validated models, patient histories, remembered decisions) exist for a
chart sent again: every ``order-select`` as the clinician picks orders, ``order-sign``, the chart
reopened. Under plain least-recently-used eviction, a burst of charts opened once each (a clinic
list worked through, a morning's new patients) evicts the chart the clinician is ordering on,
and its next call validates and evaluates everything again.

``SegmentedLru`` is the segmented LRU of Karedla, Love and Wherry (IEEE Computer, 1994): a new
entry goes to the probation segment; an entry looked up again moves to the protected segment,
which holds at most ``capacity`` less a fifth; an entry the protected segment pushes out goes back
to probation, the most recent there. Eviction takes probation's least recent entry first, so
entries seen once compete only with each other, and probation uses whatever room the protected
segment leaves: with nothing looked up twice it is a plain LRU of ``capacity`` entries.

Not thread-safe: each owner holds its own lock around it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SegmentedLru(Generic[K, V]):
    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.capacity = capacity
        # a fifth of the room stays for probation, at least one entry
        self.protected_capacity = capacity - max(1, capacity // 5) if capacity else 0
        self._probation: OrderedDict[K, V] = OrderedDict()
        self._protected: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value kept for ``key`` (None if none); a hit counts as use."""
        value = self._protected.get(key)
        if value is not None:
            self._protected.move_to_end(key)
            return value
        value = self._probation.pop(key, None)
        if value is None:
            return None
        self._protected[key] = value  # used again: protected
        if len(self._protected) > self.protected_capacity:
            demoted, kept = self._protected.popitem(last=False)
            self._probation[demoted] = kept  # the most recent on probation
        return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` (not None) for ``key``, replacing what was kept; evict to the capacity."""
        if self.capacity == 0:
            return
        if key in self._protected:
            self._protected[key] = value
            self._protected.move_to_end(key)
            return
        self._probation[key] = value
        self._probation.move_to_end(key)
        while len(self._probation) + len(self._protected) > self.capacity:
            (self._probation or self._protected).popitem(last=False)

    def __len__(self) -> int:
        return len(self._probation) + len(self._protected)

    def __contains__(self, key: object) -> bool:
        return key in self._protected or key in self._probation

    def items(self) -> Iterator[tuple[K, V]]:
        """Every entry, probation first (least recent first in each segment)."""
        yield from self._probation.items()
        yield from self._protected.items()

    def values(self) -> Iterator[V]:
        return (value for _, value in self.items())
