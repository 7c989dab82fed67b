"""Slots handed out lowest priority first, then in arrival order.

The transport process orders the requests it is given, but under a Prefect
global limit only as many calls as it has slots are given to it at once, so
calls queue here for those places; a plain semaphore would admit them in no
particular order and every trajectory would finish near its stage's end.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from contextlib import contextmanager
from typing import Iterator


class PrioritySlots:
    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[int, int, threading.Event]] = []
        self._arrivals = itertools.count()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, priority: int = 0) -> Iterator[None]:
        self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    def _acquire(self, priority: int) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            handed_over = threading.Event()
            heapq.heappush(self._waiting, (priority, next(self._arrivals), handed_over))
        handed_over.wait()

    def _release(self) -> None:
        with self._lock:
            if self._waiting:
                heapq.heappop(self._waiting)[2].set()  # the slot passes straight to the next waiter
            else:
                self._free += 1
