"""Bare rows the store tests hang their subject on: an environment, one task and its trajectory."""

from __future__ import annotations

import sqlalchemy as sa


def a_trajectory(conn: sa.Connection, environment_id: str, *, n_steps: int, new_environment: bool = True) -> int:
    """A self-instruct task and a completed trajectory of it, steps 1..n each with an action and an
    observation of its own ("step i", "observation i"; the same in every trajectory made here), in a
    new environment unless told otherwise; the trajectory's id."""
    if new_environment:
        conn.execute(sa.text("INSERT INTO lbi.environments (id, family, description, action_language)"
                             " VALUES (:e, 'kv', 'd', 'l')"), {"e": environment_id})
    instruction = conn.execute(sa.text(
        "INSERT INTO lbi.instructions (environment_id, origin, text, text_hash) SELECT :e, 'self_instruct',"
        " 'task ' || n, 'h' || n FROM (SELECT count(*) AS n FROM lbi.instructions WHERE environment_id = :e) c"
        " RETURNING id"), {"e": environment_id}).scalar_one()
    trajectory = conn.execute(sa.text(
        "INSERT INTO lbi.trajectories (instruction_id, environment_id, actor_model, status, initial_observation,"
        " n_steps) VALUES (:i, :e, 'a', 'completed', 'o', :n) RETURNING id"),
        {"i": instruction, "e": environment_id, "n": n_steps}).scalar_one()
    conn.execute(sa.text("INSERT INTO lbi.steps (trajectory_id, idx, action, observation)"
                         " SELECT :t, i, 'step ' || i, 'observation ' || i FROM generate_series(1, :n) AS i"),
                 {"t": trajectory, "n": n_steps})
    return trajectory
