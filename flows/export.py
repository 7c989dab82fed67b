"""The export flow: the accepted dataset of one environment, in one format, to a path or S3."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from prefect import flow
from prefect.artifacts import create_link_artifact, create_table_artifact
from pydantic import BaseModel, Field

from lbi import runtime
from lbi.config import Settings
from lbi.export.reasons import Reasons
from lbi.export.run import ExportOptions
from lbi.export.manifest import MANIFEST
from lbi.export.run import export as export_dataset
from tasks.report import artifact_key


class ExportParams(BaseModel):
    env: str = Field("sqlite-chinook-v0", description="Environment id.")
    format: Literal["jsonl", "parquet", "openai-chat", "sft-steps", "conversations", "hf-dataset"] = "jsonl"
    to: str = Field(..., description="A directory, or s3://bucket/prefix.")
    since_run: int | None = Field(None, ge=1, description="Only examples made by this run or later.")
    reasons: Reasons = Field(Reasons.OMIT, description="Sample formats: omit REASON lines, or regenerate them.")
    reason_model: str | None = Field(None, description="The reason model (default: the generator's).")
    validation_share: float = Field(0.1, ge=0, lt=1, description="hf-dataset: share of documents in validation.")
    force: bool = Field(False, description="Replace data already at the destination.")


@flow(name="export")
def export(params: ExportParams) -> dict[str, Any]:
    settings = Settings()
    engine = runtime.store(settings)
    result = export_dataset(engine, environment_id=params.env, fmt=params.format, destination=params.to,
                            since_run=params.since_run, force=params.force, settings=settings,
                            options=ExportOptions(reasons=params.reasons, reason_model=params.reason_model,
                                                  validation_share=params.validation_share))
    create_table_artifact(
        key=artifact_key("export", params.env, params.format, engine=engine),
        table=[{"location": location} for location in result.locations],
        description=f"{result.records} {params.format} records of {params.env}",
    )
    manifest = next(location for location in result.locations if location.endswith(MANIFEST))
    create_link_artifact(
        key=artifact_key("export-manifest", params.env, params.format, engine=engine),
        link=manifest if "://" in manifest else Path(manifest).resolve().as_uri(),
        link_text=f"{params.env} {params.format} export manifest",
        description=f"Manifest of the export of {result.records} records to {params.to}",
    )
    return {"records": result.records, "locations": result.locations, "manifest": result.manifest}
