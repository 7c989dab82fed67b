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
