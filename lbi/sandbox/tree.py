"""Copying a host directory into a sandbox's workspace: links stay links, special files are left out,
and a tree bigger than the sandbox's disk quota is refused before anything is copied."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
from pathlib import Path

from lbi.fs import tree_usage
from lbi.sandbox.base import SandboxError

MAX_FILES = 20_000


def check_size(tree: Path, max_bytes: int, max_files: int = MAX_FILES) -> None:
    used, files = tree_usage(tree, max_bytes=max_bytes, max_entries=max_files)
    if used > max_bytes or files > max_files:
        raise SandboxError(f"{tree} is larger than the sandbox's disk quota "
                           f"({max_bytes // 1_000_000} MB, {max_files} files)")


def _copyable(directory: str, names: list[str]) -> set[str]:
    """Names to leave out: anything but directories, regular files and symbolic links."""
    skipped = set()
    for name in names:
        mode = os.lstat(os.path.join(directory, name)).st_mode
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            skipped.add(name)
    return skipped


def copy_tree(tree: Path, destination: Path, uid: int | None, gid: int | None) -> None:
    """Copy ``tree`` to ``destination`` (which must not exist); owned by ``uid``/``gid`` when given."""
    shutil.copytree(tree, destination, symlinks=True, ignore=_copyable)
    if uid is None:
        return
    os.chown(destination, uid, gid, follow_symlinks=False)
    for root, dirs, names in os.walk(destination):
        for name in dirs + names:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def tar_tree(tree: Path | None, prefix: str, uid: int, gid: int) -> bytes:
    """An uncompressed tar of ``tree`` under ``prefix``, every entry owned by ``uid``/``gid``."""

    def owned(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if not (info.isdir() or info.isreg() or info.issym()):
            return None
        info.uid, info.gid, info.uname, info.gname = uid, gid, "", ""
        return info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        if tree is None:
            archive.addfile(_directory(prefix, uid, gid))
        else:
            archive.add(tree, arcname=prefix, filter=owned)
    return buffer.getvalue()


def _directory(name: str, uid: int, gid: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, 0o755, uid, gid
    return info
