"""Unprivileged host uids for sandboxes started by root: one per open sandbox.

RLIMIT_NPROC does not bind root, and it counts every process of a uid, so each
sandbox runs as a uid of its own that no other process uses. A lease is a
``flock`` on a file named after the uid: it is released on ``release`` or
when the holding process dies, so a crash never leaks one.
"""

from __future__ import annotations

import fcntl
import os
import random
import tempfile
from pathlib import Path

FIRST_UID = 2_900_000
COUNT = 4096


def lock_dir() -> Path:
    for candidate in (Path("/run/lbi-sandbox-uids"), Path(tempfile.gettempdir()) / "lbi-sandbox-uids"):
        try:
            candidate.mkdir(mode=0o700, exist_ok=True)
            if candidate.stat().st_uid == os.geteuid() and os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    raise OSError("no writable directory for sandbox uid locks")


class UidLease:
    def __init__(self, uid: int, handle: int) -> None:
        self.uid = uid
        self._handle: int | None = handle

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None


def lease_uid() -> UidLease:
    directory = lock_dir()
    start = random.randrange(COUNT)
    for offset in range(COUNT):
        uid = FIRST_UID + (start + offset) % COUNT
        handle = os.open(directory / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            continue
        return UidLease(uid, handle)
    raise OSError(f"all {COUNT} sandbox uids are in use")


def processes_of(uid: int) -> list[int]:
    """Pids of the live processes whose real uid is ``uid``."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as status:
                for line in status:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry.name))
                        break
                    if line.startswith("State:") and line.split()[1] == "Z":
                        break
        except (OSError, ValueError, IndexError):
            continue
    return pids
