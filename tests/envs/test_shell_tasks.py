"""The shell environment's held-out tasks: each one's gold actions pass its check, and doing nothing does not."""

from __future__ import annotations

from typing import Iterator

import pytest

from lbi.envs.registry import make
from lbi.envs.shell.env import ShellEnv
from lbi.envs.shell.checks import Check
from lbi.evaluation.params import default_task_set
from lbi.evaluation.task_set import Task, load_task_set
from tests.sandbox.backends import needs_bubblewrap

TASKS = default_task_set("shell-project-v0")
pytestmark = needs_bubblewrap


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShellEnv]:
    with make("shell-project-v0", workdir=tmp_path_factory.mktemp("work")) as environment:
        yield environment


def test_the_task_set_is_large_and_varied() -> None:
    tasks = load_task_set(TASKS, Check)
    kinds = {task.check.type for task in tasks}
    assert len(tasks) >= 30 and {task.env for task in tasks} == {"shell-project-v0"}
    assert kinds == {"output_equals", "output_regex", "output_empty", "same_output_as", "state", "all_of"}
    assert {task.difficulty for task in tasks} == {"easy", "medium", "hard"}
    assert all(task.gold_actions for task in tasks)


@pytest.mark.parametrize("task", load_task_set(TASKS, Check), ids=lambda task: task.id)
def test_the_gold_actions_pass_and_doing_nothing_fails(env: ShellEnv, task: Task) -> None:
    env.reset()
    for action in task.setup:
        assert not env.step(action).observation.error, action
    assert not env.check(task.check).success, "the check passes before any work"
    for action in task.gold_actions:
        observation = env.step(action).observation
        assert not observation.error, (action, observation.text)
    verdict = env.check(task.check)
    assert verdict.success, verdict.detail
