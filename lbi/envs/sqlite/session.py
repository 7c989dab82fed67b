"""An episode's side of its SQL worker (worker.py): requests with a deadline, and a kill when it passes.

A reply later than the statement's time limit plus ``GRACE_S`` means the
statement is stuck where SQLite's own deadline cannot reach it: the worker is
killed (SIGKILL, so nothing it runs can delay it) and a new one opened on the
same file, which SQLite's journal leaves as the last committed state.
"""

from __future__ import annotations

import os
import selectors
import time
from pathlib import Path
from typing import Any

from lbi.envs.sqlite import wire
from lbi.envs.sqlite.worker_process import WorkerProcess

GRACE_S = 1.0
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
        deadline = time.monotonic() + timeout_s + GRACE_S
        try:
            assert self._process.stdin is not None
            self._process.stdin.write(wire.encode({**payload, "timeout_s": timeout_s}))
            self._process.stdin.flush()
            line = self._read_line(deadline)
        except BrokenPipeError:
            line = b""
        if line is not None and line.endswith(b"\n"):
            return wire.decode(line)
        self._stop()
        self._start()
        return {KILLED: "timed out" if line is None else "crashed"}

    def close(self) -> None:
        self._stop()

    def _start(self) -> None:
        self._process = WorkerProcess(self._database)

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except BrokenPipeError:
                    pass

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
