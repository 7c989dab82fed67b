"""`lbi export`: the accepted dataset to a directory or S3, in an analysis or fine-tuning format."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from enum import StrEnum

import typer
from rich.console import Console

from lbi.export.reasons import Reasons
from lbi.export.writers import FORMATS

Format = StrEnum("Format", [(name, name) for name in FORMATS])  # a choice in --help


def export(
    env: str = typer.Option(..., "--env", help="Environment id."),
    fmt: Format = typer.Option("jsonl", "--format", help="The layout written (docs/schema.md)."),
    to: str = typer.Option(..., "--to", help="A directory, or s3://bucket/prefix (AWS credentials from the usual chain)."),
    since: Optional[int] = typer.Option(None, "--since", min=1, help="Only examples made by this run or later."),
    force: bool = typer.Option(False, "--force", help="Replace data already at the destination."),
    reasons: Reasons = typer.Option(
        "omit", "--reasons",
        help="Sample formats: targets without a REASON line (omit), or with one written for the example's "
             "instruction by the reason model (regenerate; model calls, cached)."),
    reason_model: Optional[str] = typer.Option(None, "--reason-model", help="The reason model (default: the generator's)."),
    validation_share: float = typer.Option(
        0.1, "--validation-share", min=0.0, max=0.99,
        help="hf-dataset: share of source documents whose examples form the validation split."),
    push_to_hub: Optional[str] = typer.Option(
        None, "--push-to-hub", metavar="REPO",
        help="hf-dataset: also push to this Hub dataset repository (needs a configured token)."),
) -> None:
    """Export accepted examples with a manifest (counts, schema version, how samples were made, content hashes)."""
    from lbi import runtime
    from lbi.config import Settings
    from lbi.errors import ConfigError
    from lbi.export.run import ExportOptions
    from lbi.export.run import export as export_dataset

    if push_to_hub and (fmt.value != "hf-dataset" or to.startswith("s3://")):
        raise ConfigError("--push-to-hub needs --format hf-dataset and a local --to directory")
    settings = Settings()
    result = export_dataset(
        runtime.store(settings), environment_id=env, fmt=fmt.value, destination=to, since_run=since, force=force,
        options=ExportOptions(reasons=reasons, reason_model=reason_model, validation_share=validation_share),
        settings=settings,
    )
    console = Console()
    console.print(f"{result.records} {fmt.value} records of {env}")
    for location in result.locations:
        console.print(f"  {location}")
    if push_to_hub:
        from lbi.export.hf import push

        console.print(f"  {push(Path(to), push_to_hub)}")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
