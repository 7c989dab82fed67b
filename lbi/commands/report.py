"""`lbi report`: the dataset as an HTML page of figures, and the same figures as Prefect artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console


def report(
    env: Optional[str] = typer.Option(None, "--env", help="Only this environment (default: every environment)."),
    out: Path = typer.Option(Path("lbi-report"), "--out", help="Directory to write index.html into."),
    artifacts: Optional[bool] = typer.Option(
        None, "--artifacts/--no-artifacts",
        help="Publish the figures to Prefect (default: when a Prefect API is configured).",
    ),
) -> None:
    """Write an HTML report: the funnel, keep rate per criterion, span lengths, cost per accepted example."""
    from lbi import runtime
    from lbi.config import Settings
    from lbi.report.build import write_report
    from lbi.store.migrate import migrate

    engine = runtime.store(Settings())
    migrate(engine)
    path, data = write_report(engine, environment_id=env, out_dir=out)
    console = Console()
    console.print(f"report: {path.resolve()} ({data.accepted} accepted examples)")
    if artifacts is None:
        from prefect.settings import PREFECT_API_URL

        artifacts = bool(PREFECT_API_URL.value())
    if artifacts:
        from tasks.dataset_figures import publish_dataset_figures

        console.print("Prefect artifacts: " + ", ".join(publish_dataset_figures(env)))


def register(app: typer.Typer) -> None:
    app.command("report")(report)
