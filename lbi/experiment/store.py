"""The experiment tables: one row per experiment, one per variant of its table (SQL only)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa


def create_experiment(conn: sa.Connection, *, run_id: int, environment_id: str, task_set: str, task_set_hash: str,
                      params: dict[str, Any]) -> int:
    return conn.execute(sa.text("""
        INSERT INTO lbi.experiments (run_id, environment_id, task_set, task_set_hash, params)
        VALUES (:run, :env, :task_set, :hash, CAST(:params AS jsonb)) RETURNING id
    """), {"run": run_id, "env": environment_id, "task_set": task_set, "hash": task_set_hash,
           "params": json.dumps(params)}).scalar_one()


def add_variant(conn: sa.Connection, *, experiment_id: int, position: int, row: dict[str, Any]) -> None:
    conn.execute(sa.text("""
        INSERT INTO lbi.experiment_variants (experiment_id, variant, position, description, retrieval, corpus_id,
            evaluation_id, examples_kept, tasks, success_rate, model_calls_per_task, tokens_per_task,
            retrieval_hits_per_task)
        VALUES (:x, :variant, :position, :description, :retrieval, :corpus_id, :evaluation_id, :examples_kept,
            :tasks, :success_rate, :model_calls_per_task, :tokens_per_task, :retrieval_hits_per_task)
    """), {"x": experiment_id, "position": position, **row})


def finish_experiment(conn: sa.Connection, *, experiment_id: int, status: str, message: str | None) -> None:
    conn.execute(sa.text("UPDATE lbi.experiments SET status = :s, message = :m, finished_at = now() WHERE id = :x"),
                 {"s": status, "m": message, "x": experiment_id})


def experiment_table(conn: sa.Connection, *, experiment_id: int | None = None,
                     environment_id: str | None = None) -> list[dict[str, Any]]:
    """The rows of one experiment's table; without an id, of the latest completed experiment (of the
    environment, when given)."""
    return [dict(row) for row in conn.execute(sa.text("""
        SELECT * FROM lbi.experiment_table WHERE experiment_id = coalesce(CAST(:x AS bigint),
            (SELECT max(id) FROM lbi.experiments WHERE status = 'completed'
             AND (CAST(:env AS text) IS NULL OR environment_id = :env)))
        ORDER BY position
    """), {"x": experiment_id, "env": environment_id}).mappings()]
