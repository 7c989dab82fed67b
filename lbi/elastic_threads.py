"""A thread pool without a cap that gives its threads back: each call submitted runs at once, on an idle
thread if there is one, on a new thread otherwise; a thread idle for ``idle_s`` seconds ends.

The standard ThreadPoolExecutor keeps every thread it ever started until shutdown, so a process that
once ran 1,300 units side by side (a C = 64 synthesize run) kept 1,300 idle threads for its life.
Its threads are daemons: an idle one never delays the interpreter's exit.
"""

from __future__ import annotations

import itertools
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class ElasticThreadPool:
    def __init__(self, name: str, idle_s: float = 10.0) -> None:
        self._name = name
        self._idle_s = idle_s
        self._work: queue.SimpleQueue[tuple[Future, Callable[..., Any], tuple]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._unclaimed_idle = 0  # idle threads no submitted call has counted on yet
        self._numbers = itertools.count()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            claimed = self._unclaimed_idle > 0
            if claimed:
                self._unclaimed_idle -= 1
        self._work.put((future, fn, args))
        if not claimed:
            threading.Thread(target=self._serve, name=f"{self._name}_{next(self._numbers)}", daemon=True).start()
        return future

    def _serve(self) -> None:
        while True:
            try:
                future, fn, args = self._work.get(timeout=self._idle_s)
            except queue.Empty:
                with self._lock:
                    if self._unclaimed_idle:  # no submitter counts on this thread: it ends
                        self._unclaimed_idle -= 1
                        return
                continue  # a call was counted on an idle thread and is on its way
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as error:  # noqa: BLE001 - handed to whoever waits on the future
                    future.set_exception(error)
            del future, fn, args  # nothing of a finished call stays referenced by an idle thread
            with self._lock:
                self._unclaimed_idle += 1
