"""A Prefect server started from the project's environment, as an operator starts it: `prefect server
start` on a loopback port, its own home and SQLite database; the scheduler looks every 2 s."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_group(process: subprocess.Popen, grace_s: float = 10) -> None:
    """End a process started in a session of its own, and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(grace_s)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # what the leader left behind
    except ProcessLookupError:
        pass


@contextmanager
def prefect_server(home: Path, *, startup_s: float = 90) -> Iterator[str]:
    """The server's API URL while it runs; the server and its children are killed afterwards."""
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": "5",
    }
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "wb")
    server = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start",
                               "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + startup_s
        while True:
            assert server.poll() is None, (home / "server.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(f"{api}/health", timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "the Prefect server did not answer in time"
                time.sleep(0.5)
        yield api
    finally:
        stop_group(server)
        log.close()
