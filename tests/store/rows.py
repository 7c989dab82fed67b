"""Bare rows the store tests hang their subject on: an environment, one task and its trajectory."""

from __future__ import annotations

import sqlalchemy as sa


def a_trajectory(conn: sa.Connection, environment_id: str, *, n_steps: int) -> int:
    """A new environment with one self-instruct task and a completed trajectory of it (no steps); its id."""
    conn.execute(sa.text("INSERT INTO lbi.environments (id, family, description, action_language)"
                         " VALUES (:e, 'kv', 'd', 'l')"), {"e": environment_id})
    instruction = conn.execute(sa.text(
        "INSERT INTO lbi.instructions (environment_id, origin, text, text_hash) VALUES (:e, 'self_instruct',"
        " 'x', 'h') RETURNING id"), {"e": environment_id}).scalar_one()
    return conn.execute(sa.text(
        "INSERT INTO lbi.trajectories (instruction_id, environment_id, actor_model, status, initial_observation,"
        " n_steps) VALUES (:i, :e, 'a', 'completed', 'o', :n) RETURNING id"),
        {"i": instruction, "e": environment_id, "n": n_steps}).scalar_one()
