"""The report's numbers, read from the analysts' views (so the report shows what psql shows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lbi.experiment import store as experiments

_ENV = "(CAST(:env AS text) IS NULL OR environment_id = :env)"


@dataclass(frozen=True)
class Figures:
    environment_id: str | None
    funnel: list[tuple[str, int]]
    stage_keep_rates: list[dict[str, Any]]
    criterion_keep_rates: list[tuple[str, float | None]]
    judge_keep_rates: list[tuple[str, float | None]]
    span_lengths: list[tuple[int, int, int]]  # (steps, accepted, rejected)
    run_costs: list[dict[str, Any]]
    gates: list[dict[str, Any]] = field(default_factory=list)  # the latest run's quality gates
    experiment: list[dict[str, Any]] = field(default_factory=list)  # the latest experiment's table (ablations)

    @property
    def accepted(self) -> int:
        return dict(self.funnel).get("accepted", 0)

    @property
    def priced(self) -> bool:
        return any(run["estimated_usd"] is not None for run in self.run_costs)

    def cost_per_accepted(self) -> tuple[float | None, str]:
        """Everything paid for this dataset over its accepted examples: dollars when prices are set, else tokens."""
        key, unit = ("estimated_usd", "USD") if self.priced else ("tokens", "tokens")
        spent = sum(float(run[key] or 0) for run in self.run_costs)
        return (spent / self.accepted if self.accepted else None), unit


def collect(conn: sa.Connection, *, environment_id: str | None) -> Figures:
    env = {"env": environment_id}
    rows = lambda sql: conn.execute(sa.text(sql), env).mappings().all()  # noqa: E731
    funnel = [(r["stage"], int(r["items"])) for r in rows(
        f"SELECT stage, min(position) AS position, sum(items) AS items FROM lbi.dataset_funnel WHERE {_ENV}"
        " GROUP BY stage ORDER BY 2")]
    stages = [{**r, "considered": int(r["considered"]), "kept": int(r["kept"])} for r in rows(
        "SELECT stage, min(position) AS position, sum(considered) AS considered, sum(kept) AS kept,"
        " round(sum(kept)::numeric / nullif(sum(considered), 0), 4) AS keep_rate, min(meaning) AS meaning"
        f" FROM lbi.stage_keep_rates WHERE {_ENV} GROUP BY stage ORDER BY 2")]
    criteria = [(r["criterion"], _float(r["keep_rate"])) for r in rows(
        "SELECT criterion, round(sum(accepting)::numeric / nullif(sum(verdicts), 0), 4) AS keep_rate"
        f" FROM lbi.criterion_keep_rates WHERE {_ENV} GROUP BY criterion ORDER BY criterion")]
    judges = [(r["judge"], _float(r["keep_rate"])) for r in rows(
        "SELECT judge, round(sum(examples_accepted)::numeric / nullif(sum(examples_judged), 0), 4) AS keep_rate"
        f" FROM lbi.judge_keep_rates WHERE {_ENV} GROUP BY judge ORDER BY judge")]
    spans = [(int(r["span_steps"]), int(r["accepted"]), int(r["rejected"])) for r in rows(
        "SELECT span_steps, sum(accepted) AS accepted, sum(rejected) AS rejected"
        f" FROM lbi.span_lengths WHERE {_ENV} GROUP BY span_steps ORDER BY span_steps")]
    costs = [dict(r) for r in rows(
        "SELECT run_id, environment_id, status, paid_calls, cached_calls, tokens, estimated_usd, unpriced_calls,"
        f" newly_accepted, tokens_per_newly_accepted, usd_per_newly_accepted FROM lbi.run_costs WHERE flow = 'synthesize' AND {_ENV}"
        " ORDER BY run_id")]
    gates = [dict(r) for r in rows(
        "SELECT run_id, stage, suite, outcome, rows_checked, failed_check, severity, message FROM lbi.quality_gates"
        f" WHERE run_id = (SELECT max(run_id) FROM lbi.gate_results g JOIN lbi.runs r ON r.id = g.run_id"
        f" WHERE {_ENV.replace('environment_id', 'r.environment_id')}) ORDER BY checked_at, suite")]
    experiment = experiments.experiment_table(conn, environment_id=environment_id)
    return Figures(environment_id, funnel, stages, criteria, judges, spans, costs, gates, experiment)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
