"""One episode's application: a private copy of its state served on a free loopback port."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from pathlib import Path

from lbi.envs.web.application import Application
from lbi.envs.web.processes import kill_group, spawn
from lbi.errors import LbiError

READY_TIMEOUT_S = 30.0
PORT_ATTEMPTS = 3


class ApplicationFailed(LbiError, RuntimeError):
    """The application did not start or stopped serving."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """``spawn`` copies the state into ``directory`` and serves it; ``stop`` kills the server's group. Both run
    on the environment's loop thread: the server dies with it."""

    def __init__(self, app: Application, directory: Path) -> None:
        self.app = app
        self.directory = directory
        self.state = directory / "state"
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> str:
        """Copy the state (first time) and start serving it on a free port; the origin it will serve."""
        if not self.state.exists():
            shutil.copytree(self.app.state, self.state, symlinks=True)
        self.port = free_port()
        args = [arg.replace("{port}", str(self.port)).replace("{state}", str(self.state)) for arg in self.app.start]
        self.process = spawn(args, cwd=self.state, log=self.directory / "server.log")
        return self.origin

    async def ready(self) -> str:
        """Wait until the server accepts connections (spawning again on another port if it died)."""
        for attempt in range(PORT_ATTEMPTS):  # another process may take the free port before the server binds it
            if await self._accepting():
                return self.origin
            self.stop()
            if attempt + 1 < PORT_ATTEMPTS:
                self.spawn()
        log = (self.directory / "server.log").read_text(errors="replace").strip()[-400:]
        raise ApplicationFailed(f"the application did not serve on its port ({PORT_ATTEMPTS} tries): {log}")

    async def _accepting(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return True
            except OSError:
                await asyncio.sleep(0.03)
        return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            kill_group(self.process)
            self.process = None
