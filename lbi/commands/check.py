"""`lbi check`: run the quality suites on demand; exit 1 when a stopping check fails."""

from __future__ import annotations

import json
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

EXIT_STOPPED, EXIT_UNKNOWN = 1, 2


def check(
    env: Optional[str] = typer.Option(None, "--env", help="Only this environment's rows (default: every environment)."),
    run: Optional[int] = typer.Option(None, "--run", min=1, help="Only the rows this run covered, stage by stage."),
    json_out: bool = typer.Option(False, "--json", help="Print every suite's outcome as JSON."),
) -> None:
    """Validate the store with the quality suites the synthesize flow gates on."""
    from lbi import runtime
    from lbi.config import Settings
    from lbi.quality.config import GateConfig
    from lbi.quality.runner import resolve_scope, validate_scope
    from lbi.quality.scope import UnknownScope
    from lbi.store.migrate import migrate

    settings = Settings()
    engine = runtime.store(settings)
    migrate(engine)
    console = Console()
    try:
        with engine.connect() as conn:
            scope = resolve_scope(conn, environment_id=env, run_id=run)
    except UnknownScope as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(EXIT_UNKNOWN) from None
    outcomes = validate_scope(engine, scope, GateConfig.from_settings(settings))
    if json_out:
        print(json.dumps([{"suite": o.suite, "scope": o.scope, "outcome": o.outcome, "rows": o.rows,
                           "failures": [c.as_record() for c in o.failures]} for o in outcomes], indent=2, default=str))
    else:
        console.print(_table(outcomes, scope.describe()))
        for outcome in outcomes:
            for failed in outcome.failures:
                label = "[red]STOP[/red]" if failed.severity == "stop" else "[yellow]WARN[/yellow]"
                console.print(f"{label} {outcome.suite}: {failed.describe()}", highlight=False)
    if any(o.stopping for o in outcomes):
        raise typer.Exit(EXIT_STOPPED)


def _table(outcomes: list[Any], scope: str) -> Table:
    table = Table(title=f"quality checks on {scope}")
    for column in ("suite", "rows", "checks", "outcome", "failed checks"):
        table.add_column(column, justify="right" if column in ("rows", "checks") else "left")
    style = {"passed": "green", "warned": "yellow", "stopped": "red"}
    for outcome in outcomes:
        table.add_row(outcome.suite, str(outcome.rows), str(len(outcome.checks)),
                      f"[{style[outcome.outcome]}]{outcome.outcome}[/]", ", ".join(c.check for c in outcome.failures))
    return table


def register(app: typer.Typer) -> None:
    app.command("check")(check)
