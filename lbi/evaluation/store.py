"""The evaluations tables: one row per evaluation run, one per task result (SQL only)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from lbi.evaluation.runner import TaskResult


def create_evaluation(conn: sa.Connection, *, run_id: int | None, environment_id: str, mode: str, task_set: str,
                      task_set_hash: str, actor_model: str | None, params: dict[str, Any]) -> int:
    return conn.execute(sa.text("""
        INSERT INTO lbi.evaluations (run_id, environment_id, mode, task_set, task_set_hash, actor_model, params)
        VALUES (:run, :env, :mode, :task_set, :hash, :actor, CAST(:params AS jsonb)) RETURNING id
    """), {"run": run_id, "env": environment_id, "mode": mode, "task_set": task_set, "hash": task_set_hash,
           "actor": actor_model, "params": json.dumps(params)}).scalar_one()


def add_result(conn: sa.Connection, *, evaluation_id: int, result: TaskResult) -> None:
    conn.execute(sa.text("""
        INSERT INTO lbi.evaluation_results (evaluation_id, task_id, difficulty, success, detail, status, steps,
            model_calls, tokens, retrieval_hits, retrieved, actions)
        VALUES (:e, :task, :difficulty, :success, :detail, :status, :steps, :calls, :tokens, :hits, :retrieved,
            CAST(:actions AS jsonb))
        ON CONFLICT (evaluation_id, task_id) DO NOTHING
    """), {"e": evaluation_id, "task": result.task_id, "difficulty": result.difficulty, "success": result.success,
           "detail": result.detail, "status": result.status, "steps": result.steps, "calls": result.model_calls,
           "tokens": result.tokens, "hits": result.retrieval_hits, "retrieved": result.retrieved,
           "actions": json.dumps(result.actions)})


def finish_evaluation(conn: sa.Connection, *, evaluation_id: int, status: str, message: str | None) -> None:
    """Totals come from the stored results, so the row and its results cannot disagree; the success rate
    leaves out task-set errors (a gold that failed), as the report does."""
    conn.execute(sa.text("""
        UPDATE lbi.evaluations v SET status = :status, message = :message, finished_at = now(),
            tasks = r.tasks, successes = r.successes, success_rate = r.rate, model_calls = r.calls,
            tokens = r.tokens, retrieval_hits = r.hits
        FROM (SELECT count(*) AS tasks, count(*) FILTER (WHERE success) AS successes,
                     avg(success::int) FILTER (WHERE status <> 'task_set_error') AS rate, coalesce(sum(model_calls), 0) AS calls,
                     coalesce(sum(tokens), 0) AS tokens, coalesce(sum(retrieval_hits), 0) AS hits
              FROM lbi.evaluation_results WHERE evaluation_id = :e) AS r
        WHERE v.id = :e
    """), {"e": evaluation_id, "status": status, "message": message})


def list_evaluations(conn: sa.Connection, *, environment_id: str | None, limit: int = 20) -> list[dict[str, Any]]:
    rows = conn.execute(sa.text("""
        SELECT id, environment_id, mode, task_set, actor_model, status, tasks, successes, success_rate,
               model_calls, tokens, retrieval_hits, started_at, finished_at
        FROM lbi.evaluations WHERE CAST(:env AS text) IS NULL OR environment_id = :env
        ORDER BY id DESC LIMIT :limit
    """), {"env": environment_id, "limit": limit}).mappings()
    return [dict(row) for row in rows]
