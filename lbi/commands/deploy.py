"""`lbi deploy`: register every deployment of prefect.yaml as written, then run a worker for them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer


def deploy(
    file: Optional[Path] = typer.Option(None, "--file", help="The deployment file (default: ./prefect.yaml, "
                                        "else the one beside the installed package)."),
    worker: bool = typer.Option(True, "--worker/--no-worker", help="Then run a Prefect worker on the lbi pool."),
    worker_limit: Optional[int] = typer.Option(None, "--worker-limit", min=1,
                                               help="Flow runs this worker runs at once (default: no limit)."),
    model_call_limit: int = typer.Option(16, "--model-call-limit", min=1, envvar="LBI_MODEL_GLOBAL_LIMIT",
                                         help="Model calls in flight across all flow runs at once."),
) -> None:
    """Register the lbi work pool, the shared model-call limit and every deployment (needs PREFECT_API_URL
    pointing at a Prefect server); then become the worker that runs them."""
    from lbi.cli import operator_environment
    from lbi.deployments import deploy as register_all
    from lbi.deployments import worker_command

    env = operator_environment()
    names = register_all(path=file, model_call_limit=model_call_limit, env=env)
    typer.echo("registered: " + ", ".join(names))
    if worker:
        command = worker_command(limit=worker_limit)
        os.execve(command[0], command, env)  # the worker replaces this process: its signals, its exit code


def deployment(
    env: str = typer.Argument(..., metavar="ENV", help="A registered environment (see `lbi envs`)."),
    cron: str = typer.Option("0 2 * * *", "--cron", help="When it runs."),
    timezone: str = typer.Option("UTC", "--timezone"),
) -> None:
    """Print the prefect.yaml entry of a nightly synthesize deployment for ENV (append it under deployments:)."""
    import yaml

    from lbi.deployments import synthesize_deployment
    from lbi.envs import registry

    entry = synthesize_deployment(registry.spec(env), cron=cron, timezone=timezone)
    typer.echo(yaml.safe_dump([entry], sort_keys=False).rstrip())


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("deployment")(deployment)
