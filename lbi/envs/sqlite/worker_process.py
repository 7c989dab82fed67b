"""An episode's SQL worker as this process sees it: pipes to its stdin and stdout, and a pidfd to kill
and await it. Workers are forked by one zygote per process (zygote.py), started on first use and again
if it died. A worker whose episode ended cleanly (its database closed, no statement killed) waits in
this process for the next episode (``take``, ``keep``): a fork, the worker's start and its exit cost
~5 ms of CPU an episode, as much as the episode's own statements."""

from __future__ import annotations

import os
import queue
import select
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import BinaryIO

from lbi.envs.sqlite.zygote import ASK, MAX_ASKS, STARTED

MAX_IDLE = 32  # workers kept for later episodes; more end


class WorkerProcess:
    def __init__(self) -> None:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        try:
            self._pidfd = _zygote.fork_worker(request_r, reply_w)
        except BaseException:
            for fd in (request_w, reply_r):
                os.close(fd)
            raise
        finally:
            for fd in (request_r, reply_w):
                os.close(fd)
        self.stdin: BinaryIO = os.fdopen(request_w, "wb")
        self.stdout: BinaryIO = os.fdopen(reply_r, "rb", buffering=0)

    def kill(self) -> None:
        try:
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        except ProcessLookupError:  # it has ended already
            pass

    def wait(self) -> None:
        select.select([self._pidfd], [], [])  # readable once the worker has ended
        os.close(self._pidfd)

    def end(self) -> None:
        """Kill it, await it and close its pipes."""
        self.kill()
        self.wait()
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except BrokenPipeError:
                pass


def take() -> WorkerProcess:
    """A worker waiting for an episode, else a new one."""
    with _idle_lock:
        if _idle:
            return _idle.pop()
    return WorkerProcess()


def keep(process: WorkerProcess) -> None:
    """Keep ``process`` for a later episode (its episode closed its database), or end it when enough wait."""
    with _idle_lock:
        if len(_idle) < MAX_IDLE:
            _idle.append(process)
            return
    process.end()


def end_idle() -> None:
    """End the workers waiting for an episode."""
    with _idle_lock:
        idle, _idle[:] = list(_idle), []
    for process in idle:
        process.kill()  # all of them first: they exit side by side, not one after another's exit
    for process in idle:
        process.end()


def release_zygote() -> None:
    """Stop this process's zygote and the workers waiting for an episode; the workers of open episodes go on
    until their episodes end them. The next episode starts a new zygote."""
    end_idle()
    _zygote.stop()


class _ZygoteGone(Exception):
    """The zygote ended before it answered."""


@dataclass(frozen=True)
class _Ask:
    stdin: int
    stdout: int
    worker: Future[int]


class _Channel:
    """The control socket of one running zygote. Callers queue their requests, and one sender thread sends
    whatever is queued as one message; the zygote answers the workers asked for in order, each as soon as it
    is forked, so each answer resolves the oldest requests waiting. No caller holds a lock over a send: at a
    run's start ~150 episodes ask at once, and with a lock held across each send (which lets the interpreter
    lock go, and waits for it again) they queued behind one another for 0.4-0.6 s each. One reader thread
    takes the answers; when the zygote ends it fails every request still waiting or queued."""

    def __init__(self, control: socket.socket, lock: threading.Lock) -> None:
        self._control = control
        self._lock = lock  # the zygote's: guards ``waiting``, ``_closed`` and what enters the queue
        self._sending = threading.Lock()  # the socket is closed only between two sends
        self.waiting: deque[Future[int]] = deque()  # sent, not answered
        self._closed = False  # the zygote ended: no request is queued any more
        self._asks: queue.SimpleQueue[_Ask | None] = queue.SimpleQueue()  # None: the sender ends
        self._sender = threading.Thread(target=self._send_asks, name="sql-zygote-asks", daemon=True)
        self._reader = threading.Thread(target=self._read_replies, name="sql-zygote-replies", daemon=True)
        self._sender.start()
        self._reader.start()

    def ask(self, stdin: int, stdout: int) -> Future[int]:
        """Ask for a worker reading ``stdin`` and writing ``stdout`` (both kept open until it is answered)."""
        request = _Ask(stdin, stdout, Future())
        with self._lock:
            if not self._closed:
                self._asks.put(request)
                return request.worker
        request.worker.set_exception(_ZygoteGone("the zygote ended"))
        return request.worker

    def _send_asks(self) -> None:
        while True:
            batch = [self._asks.get()]
            while len(batch) < MAX_ASKS and batch[-1] is not None:
                try:
                    batch.append(self._asks.get_nowait())
                except queue.Empty:
                    break
            asks = [request for request in batch if request is not None]
            if asks:
                self._send(asks)
            if batch[-1] is None:
                return

    def _send(self, asks: list[_Ask]) -> None:
        with self._lock:
            sending = not self._closed
            if sending:
                self.waiting.extend(request.worker for request in asks)
        if sending:
            try:
                with self._sending:
                    socket.send_fds(self._control, [ASK * len(asks)],
                                    [fd for request in asks for fd in (request.stdin, request.stdout)])
                return
            except OSError:
                with self._lock:
                    asks = [request for request in asks if request.worker in self.waiting]  # not failed yet
                    for request in asks:
                        self.waiting.remove(request.worker)
        for request in asks:
            request.worker.set_exception(_ZygoteGone("the zygote is gone"))

    def _read_replies(self) -> None:
        try:
            while True:
                message, fds, _flags, _address = socket.recv_fds(self._control, MAX_ASKS, MAX_ASKS)
                if not message or not self._resolve(message, fds):
                    break
        except OSError:
            pass
        with self._lock:
            self._closed = True
            owed, self.waiting = self.waiting, deque()
            self._asks.put(None)
        for request in owed:
            request.set_exception(_ZygoteGone("the zygote ended"))
        with self._sending:
            self._control.close()

    def _resolve(self, answers: bytes, fds: list[int]) -> bool:
        """Resolve the oldest requests waiting with the zygote's answers to them; False when the answer is not
        one this process asked for (the zygote is not ours to trust then)."""
        with self._lock:
            trusted = len(answers) <= len(self.waiting) and answers.count(STARTED) == len(fds)
            requests = [self.waiting.popleft() for _ in answers] if trusted else []
        if not trusted:
            for fd in fds:
                os.close(fd)
            return False
        pidfds = iter(fds)
        for answer, request in zip(answers, requests):
            if bytes([answer]) == STARTED:
                request.set_result(next(pidfds))
            else:
                request.set_exception(_ZygoteGone("the zygote refused to start a worker"))
        return True

    def close(self) -> None:
        """End the zygote: it sees the socket shut, and the reader ends."""
        try:
            self._control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Zygote:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._channel: _Channel | None = None
        self._process: subprocess.Popen | None = None

    def fork_worker(self, stdin: int, stdout: int) -> int:
        """A pidfd of a new worker reading ``stdin`` and writing ``stdout``."""
        for attempt in (1, 2):  # a zygote that died is started again once
            with self.lock:
                if self._channel is None:
                    self._start()
                channel = self._channel
            try:
                return channel.ask(stdin, stdout).result()
            except _ZygoteGone:
                with self.lock:
                    if self._channel is channel:
                        self._stop()
        raise RuntimeError("could not start an SQL worker: its zygote process keeps dying")

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        episode = os.pidfd_open(os.getpid())  # the workers end with this process (zygote.py)
        try:
            with theirs:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "lbi.envs.sqlite.zygote", str(theirs.fileno()), str(episode)],
                    pass_fds=[theirs.fileno(), episode],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            os.close(episode)
        self._channel = _Channel(ours, self.lock)

    def stop(self) -> None:
        with self.lock:
            self._stop()

    def forget_in_child(self) -> None:
        """After a fork: the child starts a zygote of its own (the parent's control socket stays the parent's)."""
        self.lock = threading.Lock()
        self._channel = self._process = None

    def _stop(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


def _forget_in_child() -> None:
    """After a fork: the parent's zygote and workers stay the parent's."""
    global _idle_lock
    _idle_lock = threading.Lock()
    _idle.clear()
    _zygote.forget_in_child()


_zygote = _Zygote()
_idle: list[WorkerProcess] = []  # guarded by _idle_lock
_idle_lock = threading.Lock()
os.register_at_fork(after_in_child=_forget_in_child)
