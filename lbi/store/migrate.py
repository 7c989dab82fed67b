"""Applies the numbered SQL files in db/migrations once each, in order, under a lock."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import sqlalchemy as sa

from lbi.errors import StoreError

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_KEY = 0x1B1_0001


def migrations_dir() -> Path:
    configured = os.environ.get("LBI_MIGRATIONS_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "db" / "migrations"


def available(directory: Path | None = None) -> list[tuple[int, Path]]:
    directory = directory or migrations_dir()
    if not directory.is_dir():
        raise StoreError(f"migrations directory not found: {directory} (set LBI_MIGRATIONS_DIR)")
    found = []
    for path in sorted(directory.iterdir()):
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


def migrate(engine: sa.Engine, directory: Path | None = None) -> list[str]:
    """Apply pending migrations; return the names applied (empty when up to date)."""
    applied_now = []
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS lbi"))
        conn.execute(sa.text(
            "CREATE TABLE IF NOT EXISTS lbi.schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        ))
        done = dict(conn.execute(sa.text("SELECT version, checksum FROM lbi.schema_migrations")).all())
        for version, path in available(directory):
            sql = path.read_text()
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if version in done:
                if done[version] != checksum:
                    raise StoreError(f"migration {path.name} changed after it was applied; add a new migration instead")
                continue
            conn.exec_driver_sql(sql)
            conn.execute(
                sa.text("INSERT INTO lbi.schema_migrations (version, name, checksum) VALUES (:v, :n, :c)"),
                {"v": version, "n": path.name, "c": checksum},
            )
            applied_now.append(path.name)
    return applied_now
