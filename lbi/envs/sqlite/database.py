"""Where an environment's database file comes from.

``"chinook"`` is built once from the shipped dump into a cache directory; any
other name is a path to the user's own SQLite file, which is only ever read.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sqlite3
import tempfile
from functools import cache
from pathlib import Path

from lbi.errors import ConfigError

SHIPPED = {"chinook": Path(__file__).with_name("data") / "chinook.sql.gz"}
SQLITE_HEADER = b"SQLite format 3\x00"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lbi" / "sqlite"


def is_shipped(database: str) -> bool:
    return database in SHIPPED


def user_database(path: str | os.PathLike[str]) -> Path:
    """Check that ``path`` is a readable SQLite file; return it resolved."""
    resolved = Path(path).expanduser().resolve()
    if not resolved.is_file():
        known = ", ".join(sorted(SHIPPED))
        raise ConfigError(f"database '{path}' is neither a shipped database ({known}) nor a file")
    with resolved.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise ConfigError(f"'{resolved}' is not a SQLite 3 database file")
    return resolved


@cache
def _dump_digest(database: str) -> str:
    """The shipped dump's hash (read once per process: it is part of the package)."""
    return hashlib.sha256(SHIPPED[database].read_bytes()).hexdigest()[:16]


def materialize(database: str, cache_dir: Path | None = None) -> Path:
    """Return a SQLite file for ``database``, building a shipped one on first use.

    The built file's name carries the dump's hash, so a new dump never meets a
    stale cache. Concurrent builders each write a private temp file and rename
    it into place; the rename is atomic and every candidate is identical.
    """
    if not is_shipped(database):
        return user_database(database)
    digest = _dump_digest(database)
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = directory / f"{database}-{digest}.sqlite"
    if target.is_file():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{database}-", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        connection = sqlite3.connect(tmp, isolation_level=None)
        try:
            connection.executescript(gzip.decompress(SHIPPED[database].read_bytes()).decode("utf-8"))
        finally:
            connection.close()
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
