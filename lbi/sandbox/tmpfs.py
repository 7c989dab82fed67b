"""A size-capped tmpfs on the host holding a sandbox's files (root only): the kernel refuses the write that
would pass the cap (ENOSPC), whatever the permissions or the number of files, and unmounting frees it at once."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

MS_NOSUID, MS_NODEV = 2, 4
MNT_DETACH = 2
_libc = ctypes.CDLL(None, use_errno=True)


def mount(path: Path, size_bytes: int, inodes: int) -> None:
    options = f"size={size_bytes},nr_inodes={inodes},mode=0700".encode()
    if _libc.mount(b"lbi-sandbox", os.fsencode(path), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"cannot mount a tmpfs on {path}: {os.strerror(error)}")


def unmount(path: Path) -> None:
    """Detach the tmpfs at ``path`` (its memory is freed once no process holds a file of it)."""
    if _libc.umount2(os.fsencode(path), MNT_DETACH) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"cannot unmount {path}: {os.strerror(error)}")


def is_full(path: Path) -> bool:
    """Whether no block or no inode is left on the filesystem at ``path``."""
    info = os.statvfs(path)
    return info.f_bavail == 0 or info.f_favail == 0


def mounted_under(directory: Path, prefix: str) -> list[Path]:
    """Mount points directly in ``directory`` whose names start with ``prefix`` (from /proc/self/mountinfo)."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = Path(line.split()[4].encode().decode("unicode_escape"))
        if point.parent == directory and point.name.startswith(prefix):
            found.append(point)
    return found
