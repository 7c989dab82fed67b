"""Tasks whose checks cannot tell a right answer from a wrong one well, found when a task set is validated
against its environment (an environment says why through an optional ``weakness(check)``)."""

from __future__ import annotations

from lbi.envs import registry
from lbi.evaluation.task_set import Task


def weak_tasks(env_id: str, tasks: list[Task]) -> list[str]:
    """One line per weak task, naming it and why (say, a gold result that is empty: any empty answer passes)."""
    env = registry.make(env_id)
    with env:
        weakness = getattr(env, "weakness", None)
        if weakness is None:
            return []
        return [f"weak task {task.id}: {why}" for task in tasks if (why := weakness(task.check))]
