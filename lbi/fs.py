"""Host-side work on trees that untrusted code may have built: never recursive (a tree thousands of levels
deep must not raise RecursionError), never following symbolic links, and able to remove directories whose
permissions were taken away (``chmod 000``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def remove_tree(path: Path | str) -> None:
    """Remove ``path`` and everything under it (a missing path is fine), with a stack instead of recursion.

    Each directory is opened relative to its parent's descriptor, so the depth of the tree never
    meets PATH_MAX, and a directory without permissions is given them back before it is entered.
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        path.unlink()
        return
    parent = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _remove_directory(parent, path.name)
    finally:
        os.close(parent)


def _remove_directory(parent_fd: int, name: str) -> None:
    stack: list[tuple[int, str]] = []  # (the parent's descriptor, the directory's name), deepest last
    current = (os.dup(parent_fd), name)
    while True:
        fd = _open_directory(*current)
        emptied = True
        for entry in _entries(fd):
            if entry.is_dir(follow_symlinks=False):
                stack.append(current)
                current = (fd, entry.name)
                emptied = False
                break
            _writable(fd, lambda: os.unlink(entry.name, dir_fd=fd))
        if not emptied:
            continue
        os.close(fd)
        parent, directory = current
        _writable(parent, lambda: os.rmdir(directory, dir_fd=parent))
        os.close(parent)
        if not stack:
            return
        current = stack.pop()


def _open_directory(parent_fd: int, name: str) -> int:
    try:
        return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)
    except PermissionError:
        os.chmod(name, 0o700, dir_fd=parent_fd, follow_symlinks=False)
        return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)


def _entries(fd: int) -> list[os.DirEntry]:
    try:
        with os.scandir(fd) as entries:
            return list(entries)
    except PermissionError:
        os.fchmod(fd, 0o700)
        with os.scandir(fd) as entries:
            return list(entries)


def _writable(directory_fd: int, change: object) -> None:
    """Run ``change`` (an unlink or rmdir in the directory); if the directory was made read-only, make it
    writable first."""
    try:
        change()
    except PermissionError:
        os.fchmod(directory_fd, 0o700)
        change()


def tree_usage(path: Path | str, *, max_bytes: int, max_entries: int) -> tuple[int, int]:
    """Bytes allocated to the regular files under ``path`` and how many entries it holds, measured with a stack
    instead of recursion (one directory open at a time, going back up through ``..``) and without following
    links. Counting stops once either maximum is passed, so the figures then only say "more than". Directories
    whose permissions were taken away are given them back (0700) to be read."""
    used = entries = 0
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        pending = [_measure(fd)]  # per level: its subdirectories not visited yet
        used, entries = pending[-1][1], pending[-1][2]
        while pending and used <= max_bytes and entries <= max_entries:
            subdirectories = pending[-1][0]
            if subdirectories:
                child = _open_directory(fd, subdirectories.pop())
                os.close(fd)
                fd = child
                names, size, count = _measure(fd)
                pending.append((names, size, count))
                used, entries = used + size, entries + count
                continue
            pending.pop()
            if pending:
                parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = parent
    finally:
        os.close(fd)
    return used, entries


def _measure(fd: int) -> tuple[list[str], int, int]:
    """One directory's subdirectory names, the bytes of its regular files, and its number of entries."""
    subdirectories, size = [], 0
    entries = _entries(fd)
    for entry in entries:
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(info.st_mode):
            subdirectories.append(entry.name)
        elif stat.S_ISREG(info.st_mode):
            size += info.st_blocks * 512
    return subdirectories, size, len(entries)
