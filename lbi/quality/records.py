"""The gates' rows in the store: what each stage of a run covered, and each gate's result."""

from __future__ import annotations

import json

import sqlalchemy as sa

from lbi.method.stages import Stage
from lbi.quality.outcome import SuiteOutcome


def record_stage_ids(conn: sa.Connection, *, run_id: int, stage: str, ids: list[int]) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO lbi.run_stage_ids (run_id, stage, ids) VALUES (:run, :stage, :ids)"
            " ON CONFLICT (run_id, stage) DO UPDATE SET ids = EXCLUDED.ids, recorded_at = now()"
        ),
        {"run": run_id, "stage": stage, "ids": list(ids)},
    )


def recorded_stages(conn: sa.Connection, *, run_id: int) -> list[Stage]:
    """The stages the run recorded, in stage order."""
    recorded = set(conn.execute(
        sa.text("SELECT stage FROM lbi.run_stage_ids WHERE run_id = :run"), {"run": run_id}
    ).scalars())
    return [stage for stage in Stage if stage in recorded]


def save_result(conn: sa.Connection, *, run_id: int, stage: str, outcome: SuiteOutcome) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO lbi.gate_results (run_id, suite, stage, outcome, rows_checked, checks, failures, result)"
            " VALUES (:run, :suite, :stage, :outcome, :rows, :checks, CAST(:failures AS jsonb),"
            " CAST(:result AS jsonb))"
            " ON CONFLICT (run_id, suite) DO UPDATE SET stage = EXCLUDED.stage, outcome = EXCLUDED.outcome,"
            " rows_checked = EXCLUDED.rows_checked, checks = EXCLUDED.checks, failures = EXCLUDED.failures,"
            " result = EXCLUDED.result, checked_at = now()"
        ),
        {"run": run_id, "suite": outcome.suite, "stage": stage, "outcome": outcome.outcome, "rows": outcome.rows,
         "checks": len(outcome.checks), "failures": json.dumps([c.as_record() for c in outcome.failures], default=str),
         "result": json.dumps(outcome.result, default=str)},
    )


def embeddings_exist(conn: sa.Connection) -> bool:
    return conn.execute(sa.text("SELECT to_regclass('lbi.embeddings') IS NOT NULL")).scalar_one()


def environment_exists(conn: sa.Connection, *, environment_id: str) -> bool:
    found = conn.execute(sa.text("SELECT 1 FROM lbi.environments WHERE id = :e"), {"e": environment_id}).first()
    return found is not None


def run_environment(conn: sa.Connection, *, run_id: int) -> tuple[bool, str | None]:
    """Whether the run exists, and its environment."""
    row = conn.execute(sa.text("SELECT environment_id FROM lbi.runs WHERE id = :r"), {"r": run_id}).first()
    return (row is not None, row.environment_id if row else None)
