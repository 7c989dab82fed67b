"""Slots of a shared limit (a Prefect global concurrency limit), leased in blocks and handed out here.

Taking and releasing a Prefect lease for every call costs two API requests per
call and a poll of the server while the limit is full; on a whole synthesize
run that made the same work 3.2x slower. Here a process leases slots a block at
a time, hands them to its own calls (lowest priority first, then in arrival
order: lbi.models.priority_slots), and gives a block back once that many slots
have sat unused for ``idle_s``, so other processes sharing the limit get them.
It never holds more slots than its own calls can use at once (``capacity``).

Each block is held by a thread of its own inside Prefect's ``concurrency``
context, which renews the lease while it is held and releases it on exit.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from typing import Callable, ContextManager

from lbi.models.priority_slots import PrioritySlots

log = logging.getLogger(__name__)

Lease = Callable[[int], AbstractContextManager[object]]  # holds that many slots of the shared limit while open


def prefect_lease(limit_name: str) -> Lease:
    """Slots of the Prefect global concurrency limit ``limit_name`` (none taken if it does not exist)."""
    from prefect.concurrency.sync import concurrency

    return lambda slots: concurrency(limit_name, occupy=slots, strict=False)


def prefect_limit_size(limit_name: str) -> int | None:
    """How many slots the Prefect global concurrency limit has; None when it does not exist."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return client.read_global_concurrency_limit_by_name(limit_name).limit
        except ObjectNotFound:
            return None


class _Block:
    def __init__(self, size: int) -> None:
        self.size = size
        self.done = threading.Event()


class LeasedSlots:
    def __init__(self, lease: Lease, *, capacity: int, block: int = 8, idle_s: float = 0.25,
                 retry_s: float = 1.0) -> None:
        self._lease = lease
        self._capacity = capacity
        self._block = max(1, min(block, capacity))
        self._idle_s = idle_s
        self._retry_s = retry_s
        self._slots = PrioritySlots(0, on_wait=self._lease_more)
        self._lock = threading.Lock()
        self._held: list[_Block] = []
        self._requested = 0  # slots whose lease is being taken
        self._closed = threading.Event()
        self._keeper: threading.Thread | None = None

    def hold(self, priority: int = 0) -> ContextManager[None]:
        return self._slots.hold(priority)

    def leased(self) -> int:
        """Slots this process holds now (in use or idle)."""
        with self._lock:
            return sum(block.size for block in self._held)

    def _lease_more(self, waiting: int) -> None:
        """Lease another block while more calls wait than slots are being leased."""
        with self._lock:
            room = self._capacity - sum(block.size for block in self._held) - self._requested
            if room <= 0 or waiting <= self._requested or self._closed.is_set():
                return
            size = min(self._block, room)
            self._requested += size
        threading.Thread(target=self._hold_block, args=(size,), name="shared-limit-lease", daemon=True).start()

    def _hold_block(self, size: int) -> None:
        block = _Block(size)
        while not self._closed.is_set():
            try:
                with self._lease(size):
                    self._granted(block)
                    block.done.wait()
                return
            except Exception as error:  # the limit's server is unreachable: try again, calls wait meanwhile
                log.warning("could not lease %d slots of the shared model-call limit (%s); retrying", size, error)
                self._closed.wait(self._retry_s)
        with self._lock:
            self._requested -= size

    def _granted(self, block: _Block) -> None:
        with self._lock:
            self._requested -= block.size
            if self._closed.is_set():  # granted after close: given back at once
                block.done.set()
                return
            self._held.append(block)
            if self._keeper is None:
                self._keeper = threading.Thread(target=self._return_idle_blocks, name="shared-limit-keeper",
                                                daemon=True)
                self._keeper.start()
        self._slots.add(block.size)

    def _return_idle_blocks(self) -> None:
        """Give back a block once that many slots stayed unused for ``idle_s``; every block at close."""
        idle_before: set[_Block] = set()
        while not self._closed.wait(self._idle_s):
            with self._lock:
                held = list(self._held)
            idle_now = {block for block in held if self._slots.idle(block.size)}
            for block in idle_now & idle_before:
                if self._slots.take_idle(block.size):
                    with self._lock:
                        self._held.remove(block)
                    block.done.set()
            idle_before = idle_now
        self._give_back_all()

    def _give_back_all(self) -> None:
        with self._lock:
            held, self._held = self._held, []
        for block in held:
            block.done.set()

    def close(self) -> None:
        """Give back every block (calls in flight finish; they are no longer counted by the limit)."""
        self._closed.set()
        self._give_back_all()
