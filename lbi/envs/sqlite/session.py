"""An episode's side of its SQL worker (worker.py): requests with a deadline, and a kill when it passes.

A reply later than the statement's time limit plus ``GRACE_S`` means the
statement is stuck where SQLite's own deadline cannot reach it: the worker is
killed (SIGKILL, so nothing it runs can delay it) and a new one opened on the
same file, which SQLite's journal leaves as the last committed state. At the
episode's end a worker that answered every request closes the database and is
kept for a later episode (worker_process.py); any other is killed.
"""

from __future__ import annotations

import os
import selectors
import time
from pathlib import Path
from typing import Any

from lbi.envs.sqlite import wire
from lbi.envs.sqlite import worker_process
from lbi.envs.sqlite.worker_process import WorkerProcess

GRACE_S = 1.0
OPEN_TIMEOUT_S = 10.0  # opening or closing a database: no statement of the agent's runs
READ_BYTES = 1 << 20
KILLED = "killed"  # a reply's key when the worker had to be killed or died


class SqlSession:
    def __init__(self, database: Path) -> None:
        self._database = database
        self._process: WorkerProcess | None = None
        self._start()

    def request(self, timeout_s: float, **payload: Any) -> dict[str, Any]:
        """The worker's reply, or ``{KILLED: "timed out" | "crashed"}`` after which a new worker is running."""
        if self._process is None:
            raise RuntimeError("the SQL session is closed")
        reply = self._exchange(timeout_s, payload)
        if KILLED in reply:
            self._start()
        return reply

    def close(self) -> None:
        if self._process is not None and self._exchange(OPEN_TIMEOUT_S, {"op": "close"}).get("closed"):
            process, self._process = self._process, None
            worker_process.keep(process)
        self._stop()

    def _start(self) -> None:
        """A worker with the database open: one kept from an earlier episode, or a new one when none waits or
        the one taken had died. A new worker that dies on the file stays as one with nothing open, so that
        the episode's requests come back crashed."""
        opening = {"op": "open", "database": str(self._database)}
        self._process = worker_process.take()
        if KILLED not in self._exchange(OPEN_TIMEOUT_S, opening):
            return
        self._process = WorkerProcess()
        if KILLED in self._exchange(OPEN_TIMEOUT_S, opening):
            self._process = WorkerProcess()

    def _exchange(self, timeout_s: float, payload: dict[str, Any]) -> dict[str, Any]:
        """The worker's reply, or ``{KILLED: ...}`` once it has been killed (late) or has died."""
        assert self._process is not None and self._process.stdin is not None
        deadline = time.monotonic() + timeout_s + GRACE_S
        try:
            self._process.stdin.write(wire.encode({**payload, "timeout_s": timeout_s}))
            self._process.stdin.flush()
            line = self._read_line(deadline)
        except BrokenPipeError:
            line = b""
        if line is not None and line.endswith(b"\n"):
            return wire.decode(line)
        self._stop()
        return {KILLED: "timed out" if line is None else "crashed"}

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.end()

    def _read_line(self, deadline: float) -> bytes | None:
        """One reply line; None at the deadline, what was read (no newline) when the worker ended."""
        assert self._process is not None and self._process.stdout is not None
        fd, parts = self._process.stdout.fileno(), []
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                if not selector.select(remaining):
                    continue
                chunk = os.read(fd, READ_BYTES)
                parts.append(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    return b"".join(parts)
