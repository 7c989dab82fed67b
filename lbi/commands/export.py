"""`lbi export`: the accepted dataset to a directory or S3, in an analysis or fine-tuning format."""

from __future__ import annotations

from typing import Optional

from enum import StrEnum

import typer
from rich.console import Console

from lbi.export.writers import FORMATS

Format = StrEnum("Format", [(name, name) for name in FORMATS])  # a choice in --help


def export(
    env: str = typer.Option(..., "--env", help="Environment id."),
    fmt: Format = typer.Option("jsonl", "--format", help="The layout written."),
    to: str = typer.Option(..., "--to", help="A directory, or s3://bucket/prefix (AWS credentials from the usual chain)."),
    since: Optional[int] = typer.Option(None, "--since", min=1, help="Only examples made by this run or later."),
    force: bool = typer.Option(False, "--force", help="Replace a data file already at the destination."),
) -> None:
    """Export accepted examples with a manifest (counts, schema version, content hash)."""
    from lbi import runtime
    from lbi.config import Settings
    from lbi.export.run import export as export_dataset

    result = export_dataset(runtime.store(Settings()), environment_id=env, fmt=fmt.value, destination=to, since_run=since,
                             force=force)
    console = Console()
    console.print(f"{result.records} {fmt.value} records of {env}")
    for location in result.locations:
        console.print(f"  {location}")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
