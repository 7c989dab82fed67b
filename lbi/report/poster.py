"""Prefect artifacts posted by a thread of their own, in the order given, so that a run's work goes on
while Prefect's server stores each one (~10-20 ms, one at a time: posted side by side they took as
long). ``drain`` waits for every artifact posted so far; the synthesize flow drains before it ends.
An artifact that cannot be posted is logged and skipped: what it shows is in the store."""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)


class ArtifactPoster:
    def __init__(self) -> None:
        self._waiting: queue.SimpleQueue[tuple[contextvars.Context, Callable[..., Any], dict[str, Any]]
                                        | threading.Event] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def post(self, create: Callable[..., Any], **arguments: Any) -> None:
        """``create(**arguments)`` (a ``prefect.artifacts.create_*_artifact``), later, in the caller's
        run context (the artifact belongs to the caller's flow run and task run)."""
        self._start()
        self._waiting.put((contextvars.copy_context(), create, arguments))

    def drain(self) -> None:
        with self._lock:
            if self._thread is None:
                return
        done = threading.Event()
        self._waiting.put(done)
        done.wait()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._post_all, name="artifact-poster", daemon=True)
                self._thread.start()

    def _post_all(self) -> None:
        while True:
            item = self._waiting.get()
            if isinstance(item, threading.Event):
                item.set()
                continue
            context, create, arguments = item
            try:
                context.run(create, **arguments)
            except Exception:  # noqa: BLE001 - a view of what the store holds; the run goes on
                log.warning("the Prefect artifact %s could not be posted", arguments.get("key"), exc_info=True)


_poster = ArtifactPoster()  # one a process: runs that overlap share its order


def post(create: Callable[..., Any], **arguments: Any) -> None:
    """``ArtifactPoster.post`` on the process's poster."""
    _poster.post(create, **arguments)


def drain() -> None:
    """``ArtifactPoster.drain`` on the process's poster. (Functions, not the poster itself, are what the
    flows and tasks name: a flow's globals are pickled with it for Dask, and a queue cannot be.)"""
    _poster.drain()
