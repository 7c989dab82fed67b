"""Writing an export into a local directory without trusting what is already there.

Files are written in a private directory made inside the destination (a new
name, so nothing can be planted in it) and renamed into place: a rename
replaces a symbolic link found at the target instead of writing through it, and
a reader sees the old file or the new one, never half of one. An existing data
file is refused unless the caller forces its replacement; the manifest always
describes the last export made there.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from lbi.errors import ConfigError


def prepared(directory: Path, names: tuple[str, ...], *, directories: bool = False, force: bool = False) -> Path:
    """``directory``, made if missing, after refusing a destination that is a link or that holds one of
    ``names`` already (unless ``force``); ``directories``: the format writes directories of those names."""
    if directory.is_symlink():
        raise ConfigError(f"export destination {directory} is a symbolic link; give the directory itself")
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        existing = directory / name
        try:
            info = os.lstat(existing)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode) and not directories:
            raise ConfigError(f"{existing} is a directory; choose another destination")
        if not force:
            kind = ("a symbolic link" if stat.S_ISLNK(info.st_mode)
                    else "a directory" if stat.S_ISDIR(info.st_mode) else "a file")
            raise ConfigError(f"{existing} already exists ({kind}); pass --force to replace it")
    return directory


def staging(directory: Path) -> Path:
    """A new private directory inside ``directory`` to write the export in."""
    return Path(tempfile.mkdtemp(prefix=".lbi-export-", dir=directory))


def publish(staged: Path, directory: Path, names: list[str]) -> list[Path]:
    """Rename the staged files (or directories) into ``directory`` in order (put the manifest last). A directory
    replaced is moved into ``staged`` first (the caller removes it with the rest); a link is removed, never
    followed."""
    for name in names:
        source, target = staged / name, directory / name
        if source.is_dir() and target.is_symlink():
            target.unlink()
        elif source.is_dir() and target.is_dir():
            os.replace(target, staged / f".replaced-{name}")
        os.replace(source, target)
    return [directory / name for name in names]
