"""The click held-out tasks: at least 30, each an issue about a symptom; replay of their gold patches scores
1.0 (through `evaluate`, stored), and every perturbed copy of a gold patch (the fix replaced by a comment)
fails its check without being a broken check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from lbi.envs.coding.checks import Check
from lbi.envs.coding.env import CodingEnv
from lbi.envs.registry import make
from lbi.evaluation.evaluate import evaluate
from lbi.evaluation.params import EvaluateParams, default_task_set
from lbi.evaluation.task_set import Task, load_task_set
from tests.sandbox.backends import needs_bubblewrap

pytestmark = needs_bubblewrap
ENV = "coding-click-v0"
TASKS = load_task_set(default_task_set(ENV), Check)
PERTURBED = json.loads(Path(default_task_set(ENV)).with_name("click-heldout-perturbed.json").read_text())


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CodingEnv]:
    with make(ENV, workdir=tmp_path_factory.mktemp("work")) as environment:
        yield environment


def test_the_task_set_is_large_and_swe_bench_shaped() -> None:
    assert len(TASKS) >= 30 and {task.env for task in TASKS} == {ENV}
    assert set(PERTURBED) == {task.id for task in TASKS}
    for task in TASKS:
        tests, touches = task.check.checks
        assert tests.type == "tests_pass" and tests.fail_to_pass and touches.type == "diff_touches_only"
        assert task.gold_actions[-1] == "submit()" and task.gold_actions[0].startswith("str_replace(")
        assert not any(word in task.instruction for word in ("str_replace", "mutation", "FAIL_TO_PASS"))


def test_replay_scores_one(store: sa.Engine) -> None:
    report = evaluate(engine=store, params=EvaluateParams(env=ENV, mode="replay"))
    assert report.summary()["tasks"] == len(TASKS) and report.summary()["success_rate"] == 1.0, \
        [r for r in report.results if not r.success]


@pytest.mark.parametrize("task", TASKS, ids=lambda task: task.id)
def test_a_perturbed_gold_fails(env: CodingEnv, task: Task) -> None:
    env.reset()
    for action in task.setup:
        assert not env.step(action).observation.error, action
    assert not env.check(task.check).success, "the check passes before any work"
    for action in PERTURBED[task.id]:
        env.step(action)
    verdict = env.check(task.check)
    assert not verdict.success and not verdict.broken_check, verdict.detail
