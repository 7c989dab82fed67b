"""`lbi deploy`: register the deployments of prefect.yaml and serve them with their schedules."""

from __future__ import annotations

from typing import Optional

import typer


def deploy(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Keep running and execute scheduled runs."),
    model_call_limit: int = typer.Option(16, "--model-call-limit", min=1, envvar="LBI_MODEL_GLOBAL_LIMIT",
                                         help="Model calls in flight across all flow runs at once."),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Deployment names to include; repeatable."),
) -> None:
    """Register deployments (needs PREFECT_API_URL pointing at a Prefect server)."""
    from lbi.deployments import deploy as deploy_all

    names = deploy_all(serve=serve, model_call_limit=model_call_limit, only=only)
    typer.echo("registered: " + ", ".join(names))


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
