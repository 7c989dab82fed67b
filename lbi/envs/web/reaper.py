"""The last line against leftovers: every episode leaves a record (its owner, its server's process group,
its browser profile, its directory) that it removes when it ends. An environment starting its first episode
reaps the records of owners that are gone (a run killed with ``kill -9``): it kills what they left running
and removes their files. (The server already dies with its owner thread and the browser with its driver.)"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

RECORDS = Path(tempfile.gettempdir()) / f"lbi-web-{os.getuid()}"


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def record(name: str, *, server_pid: int, profile: Path, directory: Path) -> Path:
    RECORDS.mkdir(mode=0o700, exist_ok=True)
    path = RECORDS / f"{os.getpid()}-{name}.json"
    path.write_text(json.dumps({"owner": os.getpid(), "owner_start": _start_time(os.getpid()),
                                "server": server_pid, "server_start": _start_time(server_pid),
                                "profile": str(profile), "directory": str(directory)}))
    return path


def forget(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def reap() -> int:
    """Clean up after owners that died; the number of records reaped."""
    reaped = 0
    for path in sorted(RECORDS.glob("*.json")) if RECORDS.is_dir() else []:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if _start_time(data["owner"]) == data["owner_start"] and data["owner_start"] is not None:
            continue  # its owner still runs
        if data.get("server_start") and _start_time(data["server"]) == data["server_start"]:
            try:
                os.killpg(data["server"], signal.SIGKILL)
            except OSError:
                pass
        for pid in browser_processes(data["profile"]):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(data["directory"], ignore_errors=True)
        path.unlink(missing_ok=True)
        reaped += 1
    return reaped


def browser_processes(profile: str) -> list[int]:
    """Browser processes started with this profile."""
    marker = f"--user-data-dir={profile}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    if marker in cmdline.read().split(b"\0"):
                        found.append(int(entry.name))
            except OSError:
                continue
    return found
