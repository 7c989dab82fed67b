"""The report's figures as Prefect artifacts: one table per figure, and a markdown page with text bars."""

from __future__ import annotations

import re
from typing import Any, Callable

from lbi.report.figures import Figures

BAR_WIDTH = 30


def publish(figures: Figures, *, store: str, post: Callable[..., Any] | None = None) -> list[str]:
    """Create (or add a version to) each keyed artifact, by ``post(create, **arguments)`` (at once by
    default); returns the keys. Keys end with ``store`` (the store's short identity, tasks/report.py),
    so two stores on one Prefect server keep theirs."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    post = post or (lambda create, **arguments: create(**arguments))
    suffix = re.sub(r"[^a-z0-9-]+", "-", f"{figures.environment_id or 'all'}-{store}".lower())
    where = figures.environment_id or "every environment"
    cost, unit = figures.cost_per_accepted()
    tables = {
        f"dataset-funnel-{suffix}": ([{"stage": s, "rows": n} for s, n in figures.funnel],
                                     f"Rows per stage, documents to accepted examples ({where})"),
        f"keep-rate-per-criterion-{suffix}": (
            [{"criterion": c, "keep rate": r} for c, r in figures.criterion_keep_rates]
            + [{"judge": j, "keep rate": r} for j, r in figures.judge_keep_rates],
            f"Share of verdicts accepting, per criterion and per judge ({where})"),
        f"span-lengths-{suffix}": ([{"steps": n, "accepted": a, "rejected": r} for n, a, r in figures.span_lengths],
                                   f"Examples by span length ({where})"),
        f"cost-per-accepted-example-{suffix}": ([_cost_row(run) for run in figures.run_costs],
                                                f"Cost per accepted example: {cost if cost is None else round(cost, 4)}"
                                                f" {unit} over every run ({where})"),
    }
    for key, (table, description) in tables.items():
        post(create_table_artifact, key=key, table=table, description=description)
    report_key = f"dataset-report-{suffix}"
    post(create_markdown_artifact, key=report_key, markdown=markdown(figures), description=f"Dataset report ({where})")
    return [*tables, report_key]


def markdown(figures: Figures) -> str:
    lines = [f"# Dataset: {figures.environment_id or 'every environment'}", "",
             "## From documents to accepted examples", ""]
    lines += _bars(("stage", "rows"), [(s, float(n)) for s, n in figures.funnel], lambda v: f"{v:,.0f}")
    lines += ["", "## Keep rate per criterion", ""]
    lines += _bars(("criterion", "keep rate"), [(c, r or 0.0) for c, r in figures.criterion_keep_rates],
                   lambda v: f"{v:.1%}", top=1.0)
    lines += ["", "## Span length", ""]
    lines += _bars(("steps in the span", "accepted examples"),
                   [(str(n), float(a)) for n, a, _ in figures.span_lengths], lambda v: f"{v:,.0f}")
    cost, unit = figures.cost_per_accepted()
    shown = "-" if cost is None else f"{cost:,.4f}" if unit == "USD" else f"{cost:,.0f}"
    lines += ["", "## Cost per accepted example", "", f"{shown} {unit} per accepted example over every run."]
    return "\n".join(lines)


def _bars(head: tuple[str, str], items: list[tuple[str, float]], label: Any, top: float | None = None) -> list[str]:
    peak = top or max((v for _, v in items), default=0) or 1
    rows = [f"| {head[0]} | {head[1]} | |", "|---|---:|---|"]
    return rows + [f"| {name} | {label(value)} | `{'█' * round(BAR_WIDTH * value / peak)}` |"
                   for name, value in items]


def _cost_row(run: dict[str, Any]) -> dict[str, Any]:
    return {"run": run["run_id"], "status": run["status"], "paid calls": run["paid_calls"],
            "cached calls": run["cached_calls"], "tokens": run["tokens"],
            "newly accepted": run["newly_accepted"], "tokens per newly accepted": _plain(run["tokens_per_newly_accepted"]),
            "USD": _plain(run["estimated_usd"]), "USD per newly accepted": _plain(run["usd_per_newly_accepted"])}


def _plain(value: Any) -> float | None:
    return None if value is None else float(value)
