"""A database of its own on the tests' server, migrated only up to a given version: for a test of
what a later migration does to a store that already holds data."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa

from lbi.store import embedded
from lbi.store.migrate import available, migrate


@contextmanager
def older_store(pg_info: embedded.PostmasterInfo, tmp_path: Path, *, before: int) -> Iterator[sa.Engine]:
    """A new database with every migration before version ``before`` applied; dropped afterwards."""
    name = f"older_{tmp_path.name}"
    with embedded.admin_connection(pg_info) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = sa.create_engine(embedded.url_for(pg_info, name))
    try:
        older = tmp_path / "older"
        older.mkdir()
        for version, path in available():
            if version < before:
                (older / path.name).write_text(path.read_text())
        migrate(engine, older)
        yield engine
    finally:
        engine.dispose()
        with embedded.admin_connection(pg_info) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def later_migrations(since: int) -> list[str]:
    """The names of the migrations from version ``since`` on, in order (what migrating an older store applies)."""
    return [path.name for version, path in available() if version >= since]
