"""What runs killed with SIGKILL leave behind, and reclaiming it: nothing of a live run is touched.

- episode directories under the temporary directory (``lbi-sandbox-PID-...``,
  ``lbi-sqlite-PID-...``) and the tmpfs mounted on a sandbox's, whose PID is dead;
- sandbox cgroups (``lbi-sandbox-PID-...``) whose PID is dead, with any process left in them;
- temporary Prefect API servers started by a dead ``lbi``: the command line
  marks its process (``mark_children``) so that every process it starts
  inherits ``LBI_OWNER=PID:START``; a temporary server whose owner is gone (no
  process with that pid and start time) is an orphan. Servers meant to outlive
  the command that started them (``lbi db up``'s Postgres) are never touched.

Sandbox uids are leases on ``flock``s, released by the kernel when their holder dies.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from functools import cache
from pathlib import Path

from lbi.fs import remove_tree
from lbi.sandbox import tmpfs
from lbi.sandbox.cgroup import PREFIX as CGROUP_PREFIX
from lbi.sandbox.cgroup import ROOT as CGROUP_ROOT
from lbi.sandbox.cgroup import remove_directories

OWNER_VARIABLE = "LBI_OWNER"
DIRECTORY_PREFIXES = ("lbi-sandbox-", "lbi-sqlite-")
CGROUP_DEPTH = 6
TERMINATE_WAIT_S = 3.0
ORPHAN_MARKERS = (b"PREFECT__SERVER_EPHEMERAL=1",)  # what Prefect sets in its temporary server's environment


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (None when there is no such process)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def owner_tag(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{_started(pid)}"


def mark_children() -> None:
    """Mark this process as the owner of every process it starts from now on."""
    os.environ[OWNER_VARIABLE] = owner_tag()


def _tag_alive(tag: str) -> bool:
    pid, _, started = tag.partition(":")
    return pid.isdigit() and _started(int(pid)) == started


def _pid_alive(pid: int) -> bool:
    return _started(pid) is not None


def _named_pid(name: str, prefix: str) -> int | None:
    first = name[len(prefix):].split("-", 1)[0]
    return int(first) if name.startswith(prefix) and first.isdigit() else None


def _dead_owned(name: str, prefixes: tuple[str, ...]) -> bool:
    pids = [pid for prefix in prefixes if (pid := _named_pid(name, prefix)) is not None]
    return bool(pids) and not _pid_alive(pids[0])


def reclaim_directories(directory: Path | None = None) -> list[Path]:
    """Remove the episode directories of dead processes in ``directory`` (the temporary directory by default)."""
    directory = Path(directory or tempfile.gettempdir())
    removed = []
    for mount_point in tmpfs.mounted_under(directory, DIRECTORY_PREFIXES[0]):
        if _dead_owned(mount_point.name, DIRECTORY_PREFIXES):
            tmpfs.unmount(mount_point)
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if _dead_owned(entry.name, DIRECTORY_PREFIXES) and entry.is_dir(follow_symlinks=False):
            remove_tree(entry.path)
            removed.append(Path(entry.path))
    return removed


def reclaim_cgroups(root: Path = CGROUP_ROOT) -> list[Path]:
    """Remove the sandbox cgroups of dead processes (and kill what is left in them)."""
    found, stack = [], [(root, 0)]
    while stack:
        directory, depth = stack.pop()
        try:
            children = [e for e in os.scandir(directory) if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for child in children:
            if _dead_owned(child.name, (CGROUP_PREFIX,)):
                found.append(Path(child.path))
            elif depth < CGROUP_DEPTH:
                stack.append((Path(child.path), depth + 1))
    if found:
        remove_directories(found)
    return found


def reclaim_processes() -> list[int]:
    """Stop the temporary servers whose ``lbi`` owner is dead: SIGTERM, then SIGKILL for the ones still there."""
    orphans = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environment = Path(entry.path, "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        marker = OWNER_VARIABLE.encode() + b"="
        tags = [item[len(marker):].decode() for item in environment if item.startswith(marker)]
        temporary = any(marker in environment for marker in ORPHAN_MARKERS)
        if tags and temporary and not _tag_alive(tags[0]):
            orphans.append(int(entry.name))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in orphans:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + TERMINATE_WAIT_S
        while any(_pid_alive(pid) for pid in orphans) and time.monotonic() < deadline:
            time.sleep(0.05)
    return orphans


@cache
def reclaim_once(directory: Path) -> None:
    """The next run's share of the clean-up, once per process: directories and cgroups of dead runs."""
    try:
        reclaim_directories(directory)
        reclaim_cgroups()
    except OSError:
        pass  # another process's clean-up got there first, or this user may not; `lbi clean` reports it
