"""An episode's SQL worker as this process sees it: pipes to its stdin and stdout, and a pidfd to kill
and await it. Workers are forked by one zygote per process (zygote.py), started on first use and again
if it died. A worker whose episode ended cleanly (its database closed, no statement killed) waits in
this process for the next episode (``take``, ``keep``): a fork, the worker's start and its exit cost
~5 ms of CPU an episode, as much as the episode's own statements."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future
from typing import BinaryIO

from lbi.envs.sqlite.zygote import ASK, STARTED

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
        process.end()


def release_zygote() -> None:
    """Stop this process's zygote and the workers waiting for an episode; the workers of open episodes go on
    until their episodes end them. The next episode starts a new zygote."""
    end_idle()
    _zygote.stop()


class _ZygoteGone(Exception):
    """The zygote ended before it answered."""


class _Channel:
    """The control socket of one running zygote. Requests are sent back to back, and the zygote answers
    them in order, so each reply resolves the oldest request waiting: no thread holds the socket for a round
    trip (under load each round trip waited for the interpreter lock, and episodes queued for their workers).
    One reader thread takes the replies; when the zygote ends it fails every request still waiting."""

    def __init__(self, control: socket.socket, lock: threading.Lock) -> None:
        self._control = control
        self._lock = lock  # the zygote's
        self._sending = threading.Lock()  # requests go out in the order they wait in
        self.waiting: deque[Future[int]] = deque()  # guarded by the lock
        self._reader = threading.Thread(target=self._read_replies, name="sql-zygote-replies", daemon=True)
        self._reader.start()

    def _read_replies(self) -> None:
        try:
            while True:
                message, fds, _flags, _address = socket.recv_fds(self._control, 64, 1)
                if not message:
                    break
                with self._lock:
                    request = self.waiting.popleft() if self.waiting else None
                if request is None:  # a reply nobody asked for: the zygote is not ours to trust
                    for fd in fds:
                        os.close(fd)
                    break
                if message == STARTED and len(fds) == 1:
                    request.set_result(fds[0])
                else:
                    for fd in fds:
                        os.close(fd)
                    request.set_exception(_ZygoteGone("the zygote refused to start a worker"))
        except OSError:
            pass
        with self._lock:
            owed, self.waiting = self.waiting, deque()
        for request in owed:
            request.set_exception(_ZygoteGone("the zygote ended"))
        with self._sending:
            self._control.close()

    def ask(self, stdin: int, stdout: int) -> Future[int]:
        """Ask for a worker (the zygote's lock not held: sending may wait for the zygote to read)."""
        request: Future[int] = Future()
        with self._sending:
            with self._lock:
                self.waiting.append(request)
            try:
                socket.send_fds(self._control, [ASK], [stdin, stdout])
            except OSError:
                with self._lock:
                    unsent = request in self.waiting
                    if unsent:
                        self.waiting.remove(request)
                if unsent:
                    request.set_exception(_ZygoteGone("the zygote is gone"))
        return request

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
