"""Export the accepted dataset of one environment in one format, to a directory or to S3."""

from __future__ import annotations

import json
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from lbi.config import Settings
from lbi.envs.base import EnvSpec
from lbi.errors import ConfigError
from lbi.export import s3
from lbi.export.destination import prepared, publish, staging
from lbi.export.manifest import MANIFEST, files_of, write_manifest
from lbi.export.reason_writer import reason_writer
from lbi.export.reasons import Reasons
from lbi.export.records import SCHEMA_VERSION, accepted_examples
from lbi.export.samples import RecordSamples
from lbi.export.writers import FORMATS, OUTPUTS, SAMPLE_FORMATS, WRITERS, ExportContext
from lbi.fs import remove_tree


@dataclass(frozen=True)
class ExportResult:
    records: int
    locations: list[str]
    manifest: dict[str, Any]


@dataclass(frozen=True)
class ExportOptions:
    """How samples and the Hugging Face dataset are made (recorded in the manifest)."""

    reasons: Reasons = Reasons.OMIT  # sample formats: targets without a reason, or with one written anew
    reason_model: str | None = None  # the reason role's model (default: the generator's)
    validation_share: float = 0.1  # hf-dataset: about this share of source documents go to validation


def _spec(conn: sa.Connection, environment_id: str) -> EnvSpec:
    row = conn.execute(
        sa.text("SELECT id, family, description, action_language FROM lbi.environments WHERE id = :id"),
        {"id": environment_id},
    ).mappings().first()
    if row is None:
        raise ConfigError(f"no data for environment '{environment_id}' in the store (run `lbi synthesize` first)")
    return EnvSpec(id=row["id"], family=row["family"], description=row["description"],
                   action_language=row["action_language"])


def export(engine: sa.Engine, *, environment_id: str, fmt: str, destination: str, since_run: int | None = None,
           force: bool = False, options: ExportOptions = ExportOptions(), settings: Settings | None = None,
           ) -> ExportResult:
    """Write the export; a local data file already there is refused unless ``force`` (destination.py)."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format '{fmt}' (one of: {', '.join(FORMATS)})")
    if not 0 <= options.validation_share < 1:
        raise ConfigError(f"validation share must be at least 0 and below 1 (got {options.validation_share})")
    if destination.startswith("s3://"):
        s3.parse_s3_url(destination)
        with tempfile.TemporaryDirectory(prefix="lbi-export-") as scratch:
            records, manifest_path = _write(engine, Path(scratch), environment_id, fmt, since_run, options, settings)
            manifest = json.loads(manifest_path.read_text())
            files = [Path(scratch) / name for name in files_of(Path(scratch), OUTPUTS[fmt])] + [manifest_path]
            locations = s3.upload(files, destination, base=Path(scratch))
        return ExportResult(records=records, locations=locations, manifest=manifest)
    directory = prepared(Path(destination), OUTPUTS[fmt], directories=fmt == "hf-dataset", force=force)
    staged = staging(directory)
    try:
        records, manifest_path = _write(engine, staged, environment_id, fmt, since_run, options, settings)
        manifest = json.loads(manifest_path.read_text())
        placed = publish(staged, directory, [*OUTPUTS[fmt], MANIFEST])
    finally:
        remove_tree(staged)
    return ExportResult(records=records, locations=[str(p) for p in placed], manifest=manifest)


def _write(engine: sa.Engine, directory: Path, environment_id: str, fmt: str, since_run: int | None,
           options: ExportOptions, settings: Settings | None) -> tuple[int, Path]:
    """The data and its manifest, written in ``directory``."""
    fields: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "format": fmt, "environment": environment_id,
                              "since_run": since_run}
    regenerate = fmt in SAMPLE_FORMATS and options.reasons == Reasons.REGENERATE
    if fmt in SAMPLE_FORMATS:
        fields["reasons"] = {"source": options.reasons.value}
    if fmt == "hf-dataset":
        fields["validation_share"] = options.validation_share
    with engine.connect() as conn, ExitStack() as stack:
        conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))  # one snapshot
        spec = _spec(conn, environment_id)
        reasons = None
        if regenerate:
            reasons = stack.enter_context(reason_writer(engine, settings or Settings(), spec, options.reason_model))
            fields["reasons"]["model"] = reasons.model
        context = ExportContext(conn, spec, RecordSamples(spec, reasons), fields)
        records = WRITERS[fmt](accepted_examples(conn, environment_id=environment_id, since_run=since_run),
                               directory, context)
        if reasons is not None:
            fields["reasons"]["failed"] = reasons.failed  # targets left without a reason: their answer broke the contract
        conn.rollback()
    return records, write_manifest(directory, fields=fields, outputs=OUTPUTS[fmt], records=records)
