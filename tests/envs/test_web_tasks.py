"""The shipped Trac task set: every gold replays to success on a fresh episode (so the ids it names are the
ids a fresh copy shows), and a perturbed copy of every gold fails its check (a wrong answer, or the last
action left out)."""

from __future__ import annotations

import pytest

from lbi.envs.registry import make
from lbi.envs.web.checks import Check
from lbi.evaluation.params import default_task_set
from lbi.evaluation.runner import replay_task
from lbi.evaluation.task_set import Task, load_task_set

ENV_ID = "web-trac-v0"
TASKS = load_task_set(default_task_set(ENV_ID), Check)


def perturbed(task: Task) -> list[str]:
    *before, last = task.gold_actions
    if last.startswith("answer("):
        return [*before, "answer('I could not find it')"]
    return before


def test_the_set_is_large_and_mixed() -> None:
    kinds = {task.check.type for task in TASKS}
    assert len(TASKS) >= 40
    assert {"answer_equals", "url", "ticket", "wiki", "milestone"} <= kinds


@pytest.mark.parametrize("task", TASKS, ids=lambda task: task.id)
def test_the_gold_replays_to_success(task: Task) -> None:
    result = replay_task(ENV_ID, task)
    assert result.success, result.detail


@pytest.mark.parametrize("task", TASKS, ids=lambda task: task.id)
def test_a_perturbed_gold_fails(task: Task) -> None:
    with make(ENV_ID) as env:
        env.reset()
        for action in perturbed(task):
            env.step(action)
        verdict = env.check(task.check)
    assert not verdict.success and not verdict.broken_check, verdict.detail
