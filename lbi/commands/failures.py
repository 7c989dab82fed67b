"""`lbi failures list | clear`: model answers that broke their role's contract, and forgetting them
so that the next run asks for those units again (later runs also retry them on their own, up to
LBI_RETRY_FAILED_GENERATIONS times)."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from lbi.method.stages import Stage

console = Console()
failures_app = typer.Typer(help="Model answers that broke their role's contract.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(failures_app, name="failures")


def _store():  # noqa: ANN202 - the store's engine, migrated
    from lbi import runtime
    from lbi.config import Settings
    from lbi.store.migrate import migrate

    engine = runtime.store(Settings())
    migrate(engine)
    return engine


@failures_app.command("list")
def list_failures(
    env: Optional[str] = typer.Option(None, "--env", help="Only this environment's runs."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Failures per environment, stage and model."""
    from lbi.store import failures

    with _store().connect() as conn:
        rows = failures.counts(conn, environment_id=env)
    if json_out:
        print(json.dumps(rows, indent=2))
        return
    table = Table("environment", "stage", "model", "failures", "most attempts")
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table)


@failures_app.command("clear")
def clear_failures(
    env: Optional[str] = typer.Option(None, "--env", help="Only failures recorded by this environment's runs."),
    stage: Optional[Stage] = typer.Option(None, "--stage", help="Only this stage's failures."),
) -> None:
    """Forget failures: the next run asks for their units again."""
    from lbi.store import failures

    with _store().begin() as conn:
        cleared = failures.clear(conn, environment_id=env, stage=stage.value if stage else None)
    console.print(f"cleared {cleared} failed generation{'s' if cleared != 1 else ''}"
                  + (f" of {env}" if env else "") + "; the next run asks for their units again")
