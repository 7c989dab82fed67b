"""Where the tree sits inside a sandbox: its mount point and every command's starting directory.

Any absolute, normalised path works, except ``/``, the system directories the
sandbox mounts read-only or makes itself (/proc, /sys, /dev, /usr, /bin,
/sbin, /lib*, /etc) and what lies under them, and the directories that hold
the sandbox's home, /tmp and its own state (a tree mounted there would hide them).
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Mapping

from lbi.errors import ConfigError
from lbi.sandbox.base import HOME, WORKDIR
from lbi.sandbox.script import STATE_DIR

SYSTEM_DIRS = ("/proc", "/sys", "/dev", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
HIDDEN_IF_MOUNTED_OVER = (HOME, "/tmp", STATE_DIR)


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def validated_workdir(path: str = WORKDIR) -> str:
    """``path`` when a tree can sit there; a ConfigError naming the problem otherwise."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise ConfigError(f"sandbox workdir {path!r} must be an absolute path")
    if any(c in path for c in "\x00\n\r") or posixpath.normpath(path) != path or path.startswith("//"):
        raise ConfigError(f"sandbox workdir {path!r} is not normalised (write {posixpath.normpath(path)!r})")
    if path == "/":
        raise ConfigError("sandbox workdir cannot be / (the tree would hide the system)")
    for system in SYSTEM_DIRS:
        if _within(path, system):
            raise ConfigError(f"sandbox workdir {path!r} lies under {system}, which the sandbox provides itself")
    for kept in HIDDEN_IF_MOUNTED_OVER:
        if _within(kept, path):
            raise ConfigError(f"sandbox workdir {path!r} would hide {kept}; choose a directory beside or below it")
    return path


def under_home(workdir: str) -> str | None:
    """``workdir`` relative to the sandbox's home when it lies inside it (None otherwise)."""
    return posixpath.relpath(workdir, HOME) if _within(workdir, HOME) and workdir != HOME else None


def validated_binds(read_only: Mapping[str, Path] | None) -> dict[str, Path]:
    """Read-only binds (sandbox path -> host directory): each target placed as a workdir may be, each source
    an existing directory."""
    binds = {}
    for target, source in (read_only or {}).items():
        if not Path(source).is_dir():
            raise ConfigError(f"read-only bind {target!r}: {source} is not a directory")
        binds[validated_workdir(target)] = Path(source)
    return binds
