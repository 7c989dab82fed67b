"""Trajectories and their steps, written together in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Mapping

import sqlalchemy as sa

from lbi.prompts.render import Turn


@dataclass(frozen=True)
class StoredStep:
    idx: int
    reason: str
    action: str
    observation: str
    observation_error: bool
    repeats_previous: bool
    artifacts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredTrajectory:
    id: int
    environment_id: str
    status: str
    initial_observation: str
    steps: list[StoredStep]

    @property
    def clean_steps(self) -> list[StoredStep]:
        """The steps without those repeating the previous (action, observation) exactly."""
        return [s for s in self.steps if not s.repeats_previous]

    def span(self, start_step: int, end_step: int) -> tuple[str, list[Turn]]:
        """The observation before ``start_step`` and the clean turns from it through ``end_step``."""
        before = self.initial_observation if start_step == 1 else self.steps[start_step - 2].observation
        turns = [Turn(s.action, s.observation) for s in self.clean_steps if start_step <= s.idx <= end_step]
        return before, turns


@dataclass(frozen=True)
class ToRollOut:
    instruction: str
    trajectory_id: int | None  # the actor's trajectory of it, when one is stored already


def to_roll_out(conn: sa.Connection, *, instruction_ids: list[int], actor_model: str) -> dict[int, ToRollOut]:
    """Each instruction's text and the trajectory ``actor_model`` already has for it, in one statement."""
    rows = conn.execute(
        sa.text("SELECT i.id, i.text, t.id FROM lbi.instructions i"
                " LEFT JOIN lbi.trajectories t ON t.instruction_id = i.id AND t.actor_model = :m"
                " WHERE i.id = ANY(CAST(:ids AS bigint[]))"),
        {"ids": instruction_ids, "m": actor_model},
    )
    return {instruction_id: ToRollOut(text, trajectory_id) for instruction_id, text, trajectory_id in rows}


def find(conn: sa.Connection, *, instruction_id: int, actor_model: str) -> int | None:
    return conn.execute(
        sa.text("SELECT id FROM lbi.trajectories WHERE instruction_id = :i AND actor_model = :m"),
        {"i": instruction_id, "m": actor_model},
    ).scalar()


def save(conn: sa.Connection, *, instruction_id: int, environment_id: str, actor_model: str, status: str,
         error: str | None, initial_observation: str, steps: list[StoredStep], run_id: int) -> int:
    """Insert a finished trajectory with all its steps; an existing one for the same key wins."""
    trajectory_id = conn.execute(
        sa.text(
            "INSERT INTO lbi.trajectories (instruction_id, environment_id, actor_model, status, error,"
            " initial_observation, n_steps, run_id)"
            " VALUES (:i, :env, :m, :status, :error, :obs, :n, :run)"
            " ON CONFLICT (instruction_id, actor_model) DO NOTHING RETURNING id"
        ),
        {"i": instruction_id, "env": environment_id, "m": actor_model, "status": status, "error": error,
         "obs": initial_observation, "n": len(steps), "run": run_id},
    ).scalar()
    if trajectory_id is None:
        return find(conn, instruction_id=instruction_id, actor_model=actor_model)  # type: ignore[return-value]
    if steps:
        conn.execute(
            sa.text(
                "INSERT INTO lbi.steps (trajectory_id, idx, reason, action, observation, observation_error,"
                " repeats_previous, artifacts) VALUES (:t, :idx, :reason, :action, :obs, :err, :rep,"
                " CAST(:artifacts AS jsonb))"
            ),
            [{"t": trajectory_id, "idx": s.idx, "reason": s.reason, "action": s.action, "obs": s.observation,
              "err": s.observation_error, "rep": s.repeats_previous,
              "artifacts": json.dumps(dict(s.artifacts), ensure_ascii=False)} for s in steps],
        )
    return trajectory_id


def load(conn: sa.Connection, *, trajectory_id: int) -> StoredTrajectory:
    head = conn.execute(
        sa.text("SELECT environment_id, status, initial_observation FROM lbi.trajectories WHERE id = :t"),
        {"t": trajectory_id},
    ).one()
    steps = [
        StoredStep(*row)
        for row in conn.execute(
            sa.text(
                "SELECT idx, reason, action, observation, observation_error, repeats_previous, artifacts"
                " FROM lbi.steps WHERE trajectory_id = :t ORDER BY idx"
            ),
            {"t": trajectory_id},
        )
    ]
    return StoredTrajectory(trajectory_id, head.environment_id, head.status, head.initial_observation, steps)
