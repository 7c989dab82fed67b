"""`lbi experiment`: the paper's ablations side by side on one held-out task set; the table is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def register(app: typer.Typer) -> None:
    app.command("experiment")(experiment)


def experiment(
    env: Optional[str] = typer.Option(None, "--env", help="Environment id (see `lbi envs`); default: the one "
                                      "the task set names."),
    tasks: Optional[Path] = typer.Option(None, "--tasks", help="Held-out task set (JSONL); default: the "
                                         "environment's shipped one."),
    variants: Optional[str] = typer.Option(None, "--variants", help="Comma-separated variants (default: all): "
                                           "full, no-backward-construction, no-documents, no-committee, "
                                           "policy-strict, policy-majority, policy-relaxed, retrieval-off, "
                                           "retrieval-observation, retrieval-model, retrieval-both, "
                                           "rag-documentation."),
    max_steps: int = typer.Option(8, "--max-steps", min=1, max=50, help="Actions per task at evaluation."),
    m1: Optional[int] = typer.Option(None, "--m1", min=0, help="Examples by observation per step (LBI_RETRIEVAL_M1)."),
    m2: Optional[int] = typer.Option(None, "--m2", min=0, help="Examples by model query per step (LBI_RETRIEVAL_M2)."),
    workers: int = typer.Option(4, "--workers", min=1, max=64, help="Tasks run at once."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N tasks."),
    max_llm_calls: Optional[int] = typer.Option(
        None, "--max-llm-calls", min=0, help="Cap on the experiment's model calls, its evaluations and the "
        "no-documents synthesis included; when spent, the variants done stay stored (exit code 3)."),
    no_documents_tasks: Optional[int] = typer.Option(
        None, "--no-documents-tasks", min=1, help="Tasks the no-documents synthesis proposes (default: as many "
        "as the dataset's self-instructed trajectories)."),
    synthesis_max_steps: int = typer.Option(5, "--synthesis-max-steps", min=1, max=50,
                                            help="Actions per rollout of the no-documents synthesis."),
    max_span_steps: Optional[int] = typer.Option(None, "--max-span-steps", min=1,
                                                 help="Longest span the no-documents synthesis relabels."),
    json_out: bool = typer.Option(False, "--json", help="Print the table as JSON."),
) -> None:
    """Run every variant (or those named) on the task set with the environment's stored dataset and store
    one table: examples kept, success rate, model calls and tokens per task."""
    from pydantic import ValidationError

    from lbi.cli import EXIT_BUDGET
    from lbi.config import Settings
    from lbi.errors import ConfigError
    from lbi.evaluation.task_set import TaskSetError
    from lbi.experiment.configured import experiment_configured
    from lbi.experiment.params import ExperimentParams

    if tasks is not None and not tasks.is_file():
        _fail(f"--tasks {tasks}: no such file")
    try:
        params = ExperimentParams(
            env=env, tasks=str(tasks.resolve()) if tasks else None,
            variants=[v.strip() for v in variants.split(",") if v.strip()] if variants else [],
            max_steps=max_steps, m1=m1, m2=m2, workers=workers, limit=limit, max_llm_calls=max_llm_calls,
            no_documents_tasks=no_documents_tasks, synthesis_max_steps=synthesis_max_steps,
            max_span_steps=max_span_steps)
    except ValidationError as error:
        _fail("; ".join(f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in error.errors()))
    try:
        report = experiment_configured(params, Settings())
    except (ConfigError, TaskSetError) as error:
        _fail(str(error))
    if json_out:
        print(json.dumps(report.as_dict(), indent=2, default=str, ensure_ascii=False))
    else:
        console.print(experiment_table(report.experiment_id, report.environment_id, report.task_set, report.rows))
        for note in report.notes:
            if note != report.message:
                console.print(f"[yellow]note:[/yellow] {note}", highlight=False, soft_wrap=True)
    if report.status == "budget_exhausted":
        if not json_out:
            console.print(f"[yellow]stopped:[/yellow] {report.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BUDGET)


def experiment_table(experiment_id: int, environment_id: str, task_set: str, rows: list[dict[str, Any]]) -> Table:
    table = Table("variant", "retrieval", "examples kept", "success rate", "calls/task", "tokens/task", "hits/task",
                  "evaluation", title=f"experiment {experiment_id}: {environment_id}, {Path(task_set).name}")
    for row in rows:
        table.add_row(row["variant"], row["retrieval"], _value(row["examples_kept"]),
                      "-" if row["success_rate"] is None else f"{row['success_rate']:.1%}",
                      _value(row["model_calls_per_task"]), _value(row["tokens_per_task"]),
                      _value(row["retrieval_hits_per_task"]), str(row["evaluation_id"]))
    return table


def _value(value: Any) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)
