"""Export the accepted dataset of one environment in one format, to a directory or to S3."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from lbi.envs.base import EnvSpec
from lbi.errors import ConfigError
from lbi.export import s3
from lbi.export.destination import prepared, publish, staging
from lbi.fs import remove_tree
from lbi.export.manifest import MANIFEST, write_manifest
from lbi.export.records import SCHEMA_VERSION, accepted_examples
from lbi.export.writers import FILE_NAMES, FORMATS, WRITERS


@dataclass(frozen=True)
class ExportResult:
    records: int
    locations: list[str]
    manifest: dict[str, Any]


def _spec(conn: sa.Connection, environment_id: str) -> EnvSpec:
    row = conn.execute(
        sa.text("SELECT id, family, description, action_language FROM lbi.environments WHERE id = :id"),
        {"id": environment_id},
    ).mappings().first()
    if row is None:
        raise ConfigError(f"no data for environment '{environment_id}' in the store (run `lbi synthesize` first)")
    return EnvSpec(id=row["id"], family=row["family"], description=row["description"],
                   action_language=row["action_language"])


def export(engine: sa.Engine, *, environment_id: str, fmt: str, destination: str,
           since_run: int | None = None, force: bool = False) -> ExportResult:
    """Write the export; a local data file already there is refused unless ``force`` (destination.py)."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format '{fmt}' (one of: {', '.join(FORMATS)})")
    to_s3 = destination.startswith("s3://")
    if to_s3:
        s3.parse_s3_url(destination)
        with tempfile.TemporaryDirectory(prefix="lbi-export-") as scratch:
            final, manifest_path, records = _write(engine, Path(scratch), environment_id, fmt, since_run)
            manifest = json.loads(manifest_path.read_text())
            locations = s3.upload([final, manifest_path], destination)
        return ExportResult(records=records, locations=locations, manifest=manifest)
    directory = prepared(Path(destination), FILE_NAMES[fmt], force=force)
    staged = staging(directory)
    try:
        final, manifest_path, records = _write(engine, staged, environment_id, fmt, since_run)
        manifest = json.loads(manifest_path.read_text())
        placed = publish(staged, directory, [final.name, MANIFEST])
    finally:
        remove_tree(staged)
    return ExportResult(records=records, locations=[str(p) for p in placed], manifest=manifest)


def _write(engine: sa.Engine, directory: Path, environment_id: str, fmt: str,
           since_run: int | None) -> tuple[Path, Path, int]:
    """The data file and its manifest, written in ``directory``."""
    final = directory / FILE_NAMES[fmt]
    with engine.connect() as conn, conn.begin():  # one snapshot for data and manifest
        conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        spec = _spec(conn, environment_id)
        records = WRITERS[fmt](accepted_examples(conn, environment_id=environment_id, since_run=since_run),
                               final, spec)
    fields = {"schema_version": SCHEMA_VERSION, "format": fmt, "environment": environment_id, "since_run": since_run}
    return final, write_manifest(directory, fields=fields, data_file=final, records=records), records
