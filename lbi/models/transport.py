"""The client's side of the transport process (``lbi.models.transport_server``).

Threads queue request frames for the process and wait for their reply; one writer thread
writes the frames, one reader thread hands the replies back. Given the store's URL, the process also keeps the run's ledger:
lookups (``call``, ``look_up``) and rows (``record``). The process starts with the transport
and again after it died, in which case every request it held fails as a transport error (and
is retried).

A transport process imports its libraries (~0.3 s of CPU) before it reads its arguments, so one can
be started ahead of the client that will use it (``prestart``): a run's first calls waited ~0.25 s
for it at C = 64. One started when the environment named other proxies is not used.
"""

from __future__ import annotations

import atexit
import itertools
import os
import queue
import subprocess
import sys
import threading
import weakref
from dataclasses import asdict, dataclass
from typing import BinaryIO

from lbi.models.frames import (
    ANSWER, CALL, DROP_WAITING, LEDGER_FAILED, LOOK_UP, POST, RECORD, RECORDED, REPLY, arguments_frame, read_exactly,
    request_frame,
)


@dataclass(frozen=True)
class Reply:
    kind: int  # lbi.models.frames: ANSWER, CACHED, BUDGET_SPENT, RESERVED, RECORDED or LEDGER_FAILED
    status: int  # of an ANSWER: 0 when no HTTP response came, and payload says why
    retry_after_s: float | None
    payload: bytes


class TransportError(RuntimeError):
    """No HTTP response: a timeout, a refused or reset connection, or the transport process died."""


class LedgerFailed(RuntimeError):
    """The transport's ledger statement failed, or it has no store (the text says which)."""


@dataclass(frozen=True)
class Arguments:
    base_url: str
    api_key: str
    concurrency: int
    timeout_s: float
    database_url: str | None  # libpq's form
    run_id: int | None


def start_process(arguments: Arguments) -> subprocess.Popen:
    """A transport process serving ``arguments``: the one started ahead if there is one (started when the
    environment named the same proxies), else a new one. Its arguments are the first bytes on its stdin."""
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    frame = arguments_frame(asdict(arguments))
    if spare is not None:
        popen, proxies = spare
        if proxies == _proxies():
            try:
                _write_all(popen.stdin, frame)
                return popen
            except OSError:  # it died while it waited
                pass
        _end_unused(popen)
    popen = _spawn()
    _write_all(popen.stdin, frame)
    return popen


def prestart() -> None:
    """Start a transport process now, for the next client to take."""
    global _spare
    with _spare_lock:
        if _spare is None or _spare[0].poll() is not None:
            _spare = (_spawn(), _proxies())


def _spawn() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lbi.models.transport_server"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)


def _proxies() -> dict[str, str]:
    """What of the environment a transport process reads: the proxies (``*_proxy``, any case)."""
    return {name: value for name, value in os.environ.items() if name.lower().endswith("_proxy")}


def _end_unused(popen: subprocess.Popen) -> None:
    """A process that got no arguments exits when its input ends (Python reaps it later)."""
    popen.stdin.close()
    popen.stdout.close()


def _end_spare() -> None:
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None:
        _end_unused(spare[0])


_spare_lock = threading.Lock()
_spare: tuple[subprocess.Popen, dict[str, str]] | None = None  # started ahead, with the proxies it got
atexit.register(_end_spare)


class _Waiter:
    """One request's reply, waited for on a lock the reader releases (a Future's condition costs the
    threads ~0.1 ms of the interpreter lock a frame at C = 64)."""

    __slots__ = ("_ready", "_reply", "_error")

    def __init__(self) -> None:
        self._ready = threading.Lock()
        self._ready.acquire()
        self._reply: Reply | None = None
        self._error: TransportError | None = None

    def set(self, reply: Reply | None, error: TransportError | None = None) -> None:
        self._reply, self._error = reply, error
        self._ready.release()

    def result(self) -> Reply:
        self._ready.acquire()
        if self._error is not None:
            raise self._error
        return self._reply  # type: ignore[return-value]


class _Process:
    """One running transport process and the replies it still owes. Callers queue their frames and
    one writer thread writes whatever is queued at once, so no caller waits on the pipe or on another
    caller's write; one reader thread hands the replies back."""

    def __init__(self, args: Arguments) -> None:
        self.popen = start_process(args)
        self.pending: dict[int, _Waiter] = {}
        self.lock = threading.Lock()
        self.alive = True
        self._frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()  # None: close the pipe
        threading.Thread(target=self._write_frames, name="model-transport-requests", daemon=True).start()
        threading.Thread(target=self._read_replies, name="model-transport-replies", daemon=True).start()

    def send(self, request_id: int, priority: int, kind: int, payload: bytes) -> _Waiter:
        waiter = _Waiter()
        with self.lock:
            if not self.alive:
                raise TransportError("the model transport process has exited")
            self.pending[request_id] = waiter
        self._frames.put(request_frame(request_id, priority, kind, payload))
        return waiter

    def drop_waiting(self) -> None:
        if self.alive:
            self._frames.put(request_frame(0, 0, DROP_WAITING, b""))

    def _write_frames(self) -> None:
        stream = self.popen.stdin
        while (frame := self._frames.get()) is not None:
            frames = [frame]
            while not self._frames.empty() and (frame := self._frames.get()) is not None:
                frames.append(frame)
            try:
                _write_all(stream, b"".join(frames))
            except (OSError, ValueError) as error:  # the process is gone
                self._fail_pending(f"the model transport process is gone: {error}")
                return
            if frame is None:
                break
        try:
            stream.close()  # the process writes the rows it was given, then exits
        except OSError:
            pass

    def _read_replies(self) -> None:
        stream = self.popen.stdout
        try:
            while (header := read_exactly(stream, REPLY.size)) is not None:
                request_id, kind, status, retry_after_ms, size = REPLY.unpack(header)
                payload = read_exactly(stream, size)
                if payload is None:
                    break
                with self.lock:
                    waiter = self.pending.pop(request_id, None)
                if waiter is not None:
                    waiter.set(Reply(kind, status, None if retry_after_ms < 0 else retry_after_ms / 1000, payload))
        except (OSError, ValueError):  # the pipe was closed under us: the transport is being stopped
            pass
        self._fail_pending(f"the model transport process exited (code {self.popen.poll()})")

    def _fail_pending(self, why: str) -> None:
        with self.lock:
            self.alive = False
            owed, self.pending = self.pending, {}
        for waiter in owed.values():
            waiter.set(None, TransportError(why))

    def stop(self) -> None:
        with self.lock:
            self.alive = False
        self._frames.put(None)
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self.popen.stdout.close()


def _write_all(stream: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[stream.write(view):]


class Transport:
    def __init__(self, *, base_url: str, api_key: str, concurrency: int, timeout_s: float,
                 database_url: str | None = None, run_id: int | None = None) -> None:
        """``database_url`` (libpq's form): the store whose ledger the process keeps for run ``run_id``
        (None: calls of no run); without it every ledger request fails as ``LedgerFailed``."""
        self._args = Arguments(base_url, api_key, concurrency, timeout_s, database_url, run_id)
        self._process: _Process | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._running()  # started now, so the first call does not wait for it

    def exchange(self, body: bytes, priority: int) -> Reply:
        """The response to one chat-completions request body; the lowest ``priority`` is sent first."""
        return self._answer(self._ask(POST, body, priority))

    def call(self, request_hash: str, body: bytes, priority: int) -> Reply:
        """The ledger's answer to the request (a CACHED or BUDGET_SPENT reply), else, its call
        counted against the run's budget, the response as ``exchange`` gives it."""
        return self._answer(self._ask(CALL, request_hash.encode("ascii") + body, priority))

    def look_up(self, request_hash: str) -> Reply:
        """The ledger's answer to the request: CACHED, BUDGET_SPENT, or RESERVED (a call counted)."""
        return self._answer(self._ask(LOOK_UP, request_hash.encode("ascii"), 0))

    def record(self, row_json: str) -> int:
        """Writes one ledger row (``CallRow.as_json``); its id once it is committed."""
        reply = self._answer(self._ask(RECORD, row_json.encode(), 0))
        if reply.kind != RECORDED:
            raise TransportError(f"the transport answered a row with a reply of kind {reply.kind}")
        return int(reply.payload)

    def _ask(self, kind: int, payload: bytes, priority: int) -> Reply:
        return self._running().send(next(self._ids), priority, kind, payload).result()

    @staticmethod
    def _answer(reply: Reply) -> Reply:
        if reply.kind == ANSWER and reply.status == 0:
            raise TransportError(reply.payload.decode(errors="replace"))
        if reply.kind == LEDGER_FAILED:
            raise LedgerFailed(reply.payload.decode(errors="replace"))
        return reply

    def drop_waiting(self) -> None:
        """Requests still waiting for a slot get no response (they fail as transport errors)."""
        with self._lock:
            process = self._process
        if process is not None:
            process.drop_waiting()

    def _running(self) -> _Process:
        with self._lock:
            if self._process is None or not self._process.alive:
                self._process = _Process(self._args)
                weakref.finalize(self, self._process.stop)  # a client dropped unclosed takes its process along
            return self._process

    def close(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.stop()
