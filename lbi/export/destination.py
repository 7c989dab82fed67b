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


def prepared(directory: Path, data_name: str, *, force: bool) -> Path:
    """``directory``, made if missing, after refusing a destination that is a link or that holds ``data_name``
    already (unless ``force``)."""
    if directory.is_symlink():
        raise ConfigError(f"export destination {directory} is a symbolic link; give the directory itself")
    directory.mkdir(parents=True, exist_ok=True)
    existing = directory / data_name
    try:
        info = os.lstat(existing)
    except FileNotFoundError:
        return directory
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{existing} is a directory; choose another destination")
    if not force:
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "a file"
        raise ConfigError(f"{existing} already exists ({kind}); pass --force to replace it")
    return directory


def staging(directory: Path) -> Path:
    """A new private directory inside ``directory`` to write the export in."""
    return Path(tempfile.mkdtemp(prefix=".lbi-export-", dir=directory))


def publish(staged: Path, directory: Path, names: list[str]) -> list[Path]:
    """Rename the staged files into ``directory`` in order (put the manifest last)."""
    for name in names:
        os.replace(staged / name, directory / name)
    return [directory / name for name in names]
