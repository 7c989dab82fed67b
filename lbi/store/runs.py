"""Runs: one row per flow run, with its parameters, budget, status and totals; its model-call counters
in a row of their own (lbi.run_counters: db/migrations/0015_run_counters.sql says why)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa


def create_run(conn: sa.Connection, *, flow: str, environment_id: str | None, params: dict[str, Any],
               max_llm_calls: int | None, max_tokens: int | None, flow_run_id: str | None = None) -> int:
    return conn.execute(
        sa.text(
            "WITH run AS (INSERT INTO lbi.runs (flow, environment_id, params, max_llm_calls, max_tokens, flow_run_id)"
            "             VALUES (:flow, :env, CAST(:params AS jsonb), :calls, :tokens, :frid) RETURNING id),"
            " counters AS (INSERT INTO lbi.run_counters (run_id) SELECT id FROM run)"
            " SELECT id FROM run"
        ),
        {"flow": flow, "env": environment_id, "params": json.dumps(params), "calls": max_llm_calls,
         "tokens": max_tokens, "frid": flow_run_id},
    ).scalar_one()


def finish_run(conn: sa.Connection, *, run_id: int, status: str, message: str | None, totals: dict[str, Any]) -> None:
    conn.execute(
        sa.text(
            "UPDATE lbi.runs SET status = :status, message = :message, totals = CAST(:totals AS jsonb),"
            " finished_at = now() WHERE id = :id"
        ),
        {"id": run_id, "status": status, "message": message, "totals": json.dumps(totals)},
    )


def get_run(conn: sa.Connection, *, run_id: int) -> dict[str, Any]:
    """The run's row with its counters."""
    row = conn.execute(sa.text(
        "SELECT r.*, k.llm_calls, k.tokens, k.cache_hits, k.cached_tokens"
        " FROM lbi.runs r JOIN lbi.run_counters k ON k.run_id = r.id WHERE r.id = :id"),
        {"id": run_id}).mappings().one()
    return dict(row)


def latest_run_id(conn: sa.Connection, *, environment_id: str, since_id: int = 0) -> int | None:
    return conn.execute(
        sa.text("SELECT max(id) FROM lbi.runs WHERE environment_id = :env AND id > :since"),
        {"env": environment_id, "since": since_id},
    ).scalar()


def last_run_id(conn: sa.Connection) -> int:
    return conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM lbi.runs")).scalar_one()
