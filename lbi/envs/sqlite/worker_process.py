"""An episode's SQL worker as this process sees it: pipes to its stdin and stdout, and a pidfd to kill
and await it. Workers are forked by one zygote per process (zygote.py), started on first use and again
if it died."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import BinaryIO


class WorkerProcess:
    def __init__(self, database: Path) -> None:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        try:
            self._pidfd = _zygote.fork_worker(database, request_r, reply_w)
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
        _zygote.worker_ended()


def release_zygote() -> None:
    """Stop this process's zygote once no worker of it runs (a worker ends with its zygote): now if none
    does, else when the last one ends. The next episode starts a new one."""
    _zygote.release()


class _Zygote:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._process: subprocess.Popen | None = None
        self._live = 0  # workers forked and not yet awaited
        self._release_when_idle = False

    def fork_worker(self, database: Path, stdin: int, stdout: int) -> int:
        """A pidfd of a new worker on ``database`` reading ``stdin`` and writing ``stdout``."""
        with self._lock:
            for attempt in (1, 2):  # a zygote that died is started again once
                if self._control is None:
                    self._start()
                try:
                    socket.send_fds(self._control, [os.fsencode(database)], [stdin, stdout])
                    message, fds, _flags, _address = socket.recv_fds(self._control, 64, 1)
                    if message == b"started" and len(fds) == 1:
                        self._live += 1
                        return fds[0]
                    for fd in fds:
                        os.close(fd)
                except OSError:
                    pass
                self._stop()
            raise RuntimeError("could not start an SQL worker: its zygote process keeps dying")

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "lbi.envs.sqlite.zygote", str(theirs.fileno())], pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._control = ours

    def worker_ended(self) -> None:
        with self._lock:
            self._live -= 1
            if not self._live and self._release_when_idle:
                self._stop()

    def release(self) -> None:
        with self._lock:
            if self._live:
                self._release_when_idle = True
            else:
                self._stop()

    def forget_in_child(self) -> None:
        """After a fork: the child starts a zygote of its own (the parent's control socket stays the parent's)."""
        self._lock = threading.Lock()
        self._control = self._process = None
        self._live, self._release_when_idle = 0, False

    def _stop(self) -> None:
        self._release_when_idle = False
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


_zygote = _Zygote()
os.register_at_fork(after_in_child=_zygote.forget_in_child)
