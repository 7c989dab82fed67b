"""Export the accepted dataset of one environment in one format, to a directory or to S3."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from lbi.envs.base import EnvSpec
from lbi.errors import ConfigError
from lbi.export import s3
from lbi.export.manifest import write_manifest
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
           since_run: int | None = None) -> ExportResult:
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format '{fmt}' (one of: {', '.join(FORMATS)})")
    to_s3 = destination.startswith("s3://")
    if to_s3:
        s3.parse_s3_url(destination)
    with tempfile.TemporaryDirectory(prefix="lbi-export-") as scratch:
        directory = Path(scratch) if to_s3 else Path(destination)
        directory.mkdir(parents=True, exist_ok=True)
        final = directory / FILE_NAMES[fmt]
        partial = directory / f".{final.name}.partial"
        with engine.connect() as conn, conn.begin():  # one snapshot for data and manifest
            conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            spec = _spec(conn, environment_id)
            records = WRITERS[fmt](accepted_examples(conn, environment_id=environment_id, since_run=since_run),
                                   partial, spec)
        os.replace(partial, final)
        fields = {"schema_version": SCHEMA_VERSION, "format": fmt, "environment": environment_id,
                  "since_run": since_run}
        manifest_path = write_manifest(directory, fields=fields, data_file=final, records=records)
        manifest = json.loads(manifest_path.read_text())
        locations = s3.upload([final, manifest_path], destination) if to_s3 else [str(final), str(manifest_path)]
    return ExportResult(records=records, locations=locations, manifest=manifest)
