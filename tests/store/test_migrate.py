from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from lbi.errors import StoreError
from lbi.store.migrate import available, migrate


def test_migrating_again_applies_nothing(store: sa.Engine) -> None:
    assert migrate(store) == []
    with store.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM lbi.schema_migrations ORDER BY version")).scalars().all()
    assert versions == [v for v, _ in available()]


def test_pgvector_and_schema_are_there(store: sa.Engine) -> None:
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).scalar()
        tables = set(conn.execute(sa.text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'lbi'"
        )).scalars())
    assert {"documents", "doc_chunks", "instructions", "trajectories", "steps", "examples", "verdicts",
            "llm_calls", "runs"} <= tables


def test_an_edited_applied_migration_is_refused(store: sa.Engine, tmp_path: Path) -> None:
    for version, path in available():
        (tmp_path / path.name).write_text(path.read_text() + ("\n-- edited" if version == 1 else ""))
    with pytest.raises(StoreError, match="changed after it was applied"):
        migrate(store, tmp_path)


def test_a_new_migration_is_applied_once(store: sa.Engine, tmp_path: Path) -> None:
    for _, path in available():
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "9999_probe.sql").write_text("CREATE TABLE lbi.probe (x int);")
    assert migrate(store, tmp_path) == ["9999_probe.sql"]
    assert migrate(store, tmp_path) == []
