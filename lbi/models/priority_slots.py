"""Slots handed out lowest priority first, then in arrival order.

The transport process orders the requests it is given, but under a shared
limit only as many calls as it has slots are given to it at once, so calls
queue here for those places; a plain semaphore would admit them in no
particular order and every trajectory would finish near its stage's end.
The number of slots can grow and shrink (slots of a shared limit are leased
and given back: lbi.models.leased_slots).
"""

from __future__ import annotations

import heapq
import itertools
import threading
from contextlib import contextmanager
from typing import Callable, Iterator


class PrioritySlots:
    def __init__(self, size: int = 0, on_wait: Callable[[int], None] | None = None) -> None:
        """``on_wait(n)`` is called whenever a call starts waiting, with how many wait now."""
        self._free = size
        self._waiting: list[tuple[int, int, threading.Event]] = []
        self._arrivals = itertools.count()
        self._lock = threading.Lock()
        self._on_wait = on_wait

    @contextmanager
    def hold(self, priority: int = 0) -> Iterator[None]:
        self._acquire(priority)
        try:
            yield
        finally:
            self.add(1)

    def add(self, slots: int) -> None:
        """More free slots (a slot handed back is one): each goes straight to the next waiter, if any."""
        with self._lock:
            for _ in range(slots):
                if self._waiting:
                    heapq.heappop(self._waiting)[2].set()
                else:
                    self._free += 1

    def idle(self, slots: int) -> bool:
        """Whether ``slots`` slots are free and no call waits."""
        with self._lock:
            return not self._waiting and self._free >= slots

    def take_idle(self, slots: int) -> bool:
        """Remove ``slots`` free slots if that many are free and no call waits."""
        with self._lock:
            if self._waiting or self._free < slots:
                return False
            self._free -= slots
            return True

    def _acquire(self, priority: int) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            handed_over = threading.Event()
            heapq.heappush(self._waiting, (priority, next(self._arrivals), handed_over))
            waiting = len(self._waiting)
        if self._on_wait is not None:
            self._on_wait(waiting)
        handed_over.wait()
