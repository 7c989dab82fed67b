"""`lbi evaluate` and `lbi evaluations`: run an agent on a task set; list stored evaluations to compare them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, get_args

from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from lbi.evaluation.params import Mode

Modes = StrEnum("Modes", [(name, name) for name in get_args(Mode)])  # a choice in --help
console = Console()


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
    app.command("evaluations")(evaluations)


def evaluate(
    env: Optional[str] = typer.Option(None, "--env", help="Environment id (see `lbi envs`); default: the one "
                                      "the task set names."),
    tasks: Optional[Path] = typer.Option(None, "--tasks", help="Task set (JSONL); default: the environment's "
                                         "shipped held-out set."),
    mode: Modes = typer.Option("retrieval", "--mode",
                             help="baseline: no examples; retrieval: Algorithm 2; replay: the gold actions."),
    max_steps: int = typer.Option(8, "--max-steps", min=1, max=50),
    m1: Optional[int] = typer.Option(None, "--m1", min=0, help="Examples by observation per step (LBI_RETRIEVAL_M1)."),
    m2: Optional[int] = typer.Option(None, "--m2", min=0, help="Examples by model query per step (LBI_RETRIEVAL_M2)."),
    workers: int = typer.Option(4, "--workers", min=1, max=64, help="Tasks run at once."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N tasks."),
    max_llm_calls: Optional[int] = typer.Option(None, "--max-llm-calls", min=0),
    per_task: bool = typer.Option(False, "--per-task", help="Also print one line per task."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Run an agent on every task and check each outcome in the environment; the result is stored.

    Exits 2 when a task's gold fails (a task-set error, named one per line), 1 on a usage error.
    """
    from pydantic import ValidationError

    from lbi.config import Settings
    from lbi.errors import ConfigError
    from lbi.evaluation.configured import evaluate_configured
    from lbi.evaluation.params import EvaluateParams
    from lbi.evaluation.target import resolve
    from lbi.evaluation.task_set import TaskSetError

    if tasks is not None and not tasks.is_file():
        _fail(f"--tasks {tasks}: no such file")
    try:
        params = EvaluateParams(env=env, tasks=str(tasks.resolve()) if tasks else None, mode=mode.value,
                                max_steps=max_steps, m1=m1, m2=m2, workers=workers, limit=limit,
                                max_llm_calls=max_llm_calls)
    except ValidationError as error:
        _fail("; ".join(f"--{'-'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))
    try:
        resolve(params)  # a wrong or missing environment fails here, before the store is touched
        report = evaluate_configured(params, Settings())
    except (ConfigError, TaskSetError) as error:
        _fail(str(error))
    broken = report.task_set_errors()
    if json_out:
        print(json.dumps(report.as_dict(), indent=2, default=str, ensure_ascii=False))
    else:
        console.print(summary_table(report))
        if per_task:
            console.print(task_table(report))
        if report.message:
            console.print(f"[yellow]note:[/yellow] {report.message}")
        for warning in report.warnings:
            console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)
    for result in broken:
        typer.echo(f"task-set error: {result.task_id}: {result.detail}", err=True)
    if broken:
        raise typer.Exit(2)


def evaluations(
    env: Optional[str] = typer.Option(None, "--env", help="Only this environment."),
    limit: int = typer.Option(20, "--limit", min=1),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Stored evaluations, newest first, to compare runs."""
    from lbi import runtime
    from lbi.config import Settings
    from lbi.evaluation.store import list_evaluations
    from lbi.store.migrate import migrate

    engine = runtime.store(Settings())
    migrate(engine)
    with engine.connect() as conn:
        rows = list_evaluations(conn, environment_id=env, limit=limit)
    if json_out:
        print(json.dumps(rows, indent=2, default=str))
        return
    table = Table("id", "environment", "mode", "actor", "tasks", "success rate", "calls/task", "tokens/task",
                  "hits/task", "finished", title="evaluations")
    for row in rows:
        n = row["tasks"] or 0
        table.add_row(str(row["id"]), row["environment_id"], row["mode"], row["actor_model"] or "-", str(n),
                      _rate(row["success_rate"]), _per(row["model_calls"], n), _per(row["tokens"], n),
                      _per(row["retrieval_hits"], n), str(row["finished_at"] or row["status"])[:19])
    console.print(table)


def summary_table(report: Any) -> Table:
    table = Table("difficulty", "tasks", "success", "success rate", "calls/task", "tokens/task", "hits/task",
                  title=f"evaluation {report.evaluation_id}: {report.environment_id}, mode {report.mode}, "
                        f"{Path(report.task_set).name}")
    rows = {**report.by_difficulty(), "all": report.summary()}
    for label, s in rows.items():
        table.add_row(label, str(s["tasks"]), str(s["successes"]), _rate(s["success_rate"]),
                      str(s["model_calls_per_task"]), str(s["tokens_per_task"]), str(s["retrieval_hits_per_task"]),
                      end_section=label == list(rows)[-2])
    return table


def task_table(report: Any) -> Table:
    table = Table("task", "difficulty", "ok", "status", "steps", "calls", "tokens", "hits", "detail")
    for r in report.results:
        table.add_row(r.task_id, r.difficulty or "-", "yes" if r.success else "no", r.status, str(r.steps),
                      str(r.model_calls), str(r.tokens), str(r.retrieval_hits), r.detail[:80])
    return table


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def _per(total: int, n: int) -> str:
    return f"{total / n:.1f}" if n else "-"


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)
