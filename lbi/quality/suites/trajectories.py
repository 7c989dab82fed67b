"""Trajectories and their steps, after rollout."""

from __future__ import annotations

from lbi.quality.config import GateConfig
from lbi.quality.scope import Scope
from lbi.quality.suite import BATCH, Check, Suite, between, in_set, no_rows, not_null

STATUSES = ["completed", "max_steps", "errored"]


def rows(scope: Scope) -> str:
    return f"""
        SELECT t.id AS trajectory_id, t.instruction_id, t.environment_id, t.status, t.n_steps,
               count(s.idx) AS steps, min(s.idx) AS first_idx, max(s.idx) AS last_idx
        FROM lbi.trajectories t
        LEFT JOIN lbi.steps s ON s.trajectory_id = t.id
        WHERE {scope.trajectories("t.id")}
        GROUP BY t.id
    """


def checks(config: GateConfig) -> list[Check]:
    return [
        not_null("trajectory_has_task", "every trajectory names the task it rolled out", "instruction_id"),
        in_set("trajectory_status_known", "a trajectory is completed, cut at max_steps, or errored",
               "status", STATUSES),
        between("trajectory_step_count_non_negative", "n_steps is not negative", "n_steps", min_value=0),
        no_rows(
            "steps_contiguous", "a trajectory's steps are numbered 1..n_steps without a gap",
            f"SELECT trajectory_id, n_steps, steps, first_idx, last_idx FROM {BATCH}"
            " WHERE steps <> n_steps OR (steps > 0 AND (first_idx <> 1 OR last_idx <> n_steps))",
            id_column="trajectory_id",
        ),
        in_set("rollouts_mostly_not_errored", "at least half of the trajectories did not end in an error",
               "status", ["completed", "max_steps"], mostly=0.5, severity="warn"),
    ]


SUITE = Suite(name="trajectories", key="trajectory_id", rows=rows, checks=checks)
