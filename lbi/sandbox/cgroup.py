"""A control group per sandbox: the memory and the number of processes of the sandbox as a whole.

Where the cgroup v2 hierarchy (``memory.max``, ``pids.max``) or v1's memory and
pids hierarchies (``memory.limit_in_bytes``, ``pids.max``) let this process make
a child of its own cgroup (root, or a delegated subtree), every command of the
sandbox joins one; the kernel then reclaims or kills within the bound, however
many processes share it. Where none can be made, ``shared_limits`` gives
per-process limits whose product stays within the same total.

A cgroup is named after the process that made it (``lbi-sandbox-PID-...``), so
``lbi clean`` can remove the ones of processes that died (clean.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from pathlib import Path

from lbi.sandbox.base import SandboxLimits

ROOT = Path("/sys/fs/cgroup")
PREFIX = "lbi-sandbox-"
MB = 1024 * 1024
MIN_PROCESS_MB = 64
SETUP_PROCESSES = 4  # the joining shell, bwrap outside and inside the namespaces, setpriv


def shared_limits(limits: SandboxLimits) -> tuple[int, int]:
    """Without a cgroup: (address space per process in bytes, processes) with a product within
    ``memory_total_mb``: the per-process limit is lowered first (not below MIN_PROCESS_MB), then the count."""
    per_process = min(limits.memory_mb, max(MIN_PROCESS_MB, limits.memory_total_mb // limits.max_processes))
    processes = max(1, min(limits.max_processes, limits.memory_total_mb // per_process))
    return per_process * MB, processes


def _own_paths() -> dict[str, str]:
    """This process's cgroup per controller ("" for the v2 hierarchy)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path.lstrip("/")
    return paths


class Cgroup:
    """The cgroup directories of one sandbox (one in v2, memory and pids in v1)."""

    def __init__(self, directories: list[Path]) -> None:
        self.directories = directories

    @classmethod
    def create(cls, memory_bytes: int, processes: int) -> "Cgroup | None":
        """A new cgroup with these bounds, or None when this machine or this user cannot make one."""
        try:
            own = _own_paths()
            name = f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
            if (ROOT / "cgroup.controllers").is_file():
                return cls._v2(ROOT / own.get("", ""), name, memory_bytes, processes)
            if "memory" in own and "pids" in own:
                return cls._v1(ROOT / "memory" / own["memory"] / name, ROOT / "pids" / own["pids"] / name,
                               memory_bytes, processes)
        except (OSError, ValueError):
            return None
        return None

    @classmethod
    def _v2(cls, parent: Path, name: str, memory_bytes: int, processes: int) -> "Cgroup":
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        if not {"memory", "pids"} <= set(enabled):
            (parent / "cgroup.subtree_control").write_text("+memory +pids")
        group = cls([parent / name])
        group._make({"memory.max": memory_bytes, "memory.swap.max": 0, "pids.max": processes})
        return group

    @classmethod
    def _v1(cls, memory: Path, pids: Path, memory_bytes: int, processes: int) -> "Cgroup":
        group = cls([memory, pids])
        group._make({"memory.limit_in_bytes": memory_bytes, "memory.memsw.limit_in_bytes": memory_bytes,
                     "pids.max": processes}, optional={"memory.memsw.limit_in_bytes"})
        return group

    def _make(self, settings: dict[str, int], optional: frozenset[str] | set[str] = frozenset()) -> None:
        try:
            for directory in self.directories:
                directory.mkdir()
            for key, value in settings.items():
                target = next((d / key for d in self.directories if (d / key).exists()), None)
                if target is None:
                    if key in optional:
                        continue
                    raise OSError(f"cgroup setting {key} is missing")
                try:
                    target.write_text(str(value))
                except OSError:
                    if key not in optional:
                        raise
        except BaseException:
            self.remove()
            raise

    @property
    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in self.directories]

    def memory_peak(self) -> int | None:
        """The most memory the cgroup has held, in bytes (None when the kernel does not say)."""
        for name in ("memory.peak", "memory.max_usage_in_bytes"):
            for directory in self.directories:
                if (directory / name).is_file():
                    return int((directory / name).read_text())
        return None

    def pids(self) -> list[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            try:
                found.update(int(line) for line in procs.read_text().split())
            except (OSError, ValueError):
                continue
        return sorted(found)

    def remove(self) -> None:
        """Kill what is left in the cgroup and remove it; a cgroup already gone is fine."""
        remove_directories(self.directories)


def remove_directories(directories: list[Path]) -> None:
    for attempt in range(100):
        live = [d for d in directories if d.is_dir()]
        if not live:
            return
        for directory in live:
            try:
                for pid in (directory / "cgroup.procs").read_text().split():
                    os.kill(int(pid), signal.SIGKILL)
                directory.rmdir()
            except (ProcessLookupError, FileNotFoundError):
                continue
            except OSError:
                time.sleep(0.01 * (attempt + 1))
    raise OSError(f"cgroups {directories} could not be removed")
