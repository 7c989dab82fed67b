"""A family added in one package and one registration (tests/envs/kv) gets everything a family has: it is
listed, its spec is read without building it, the offline model acts in it, synthesis keeps examples that
replay in it, its task set loads typed and replays at 1.0, and the registry-driven suites check it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.envs import families, registry
from lbi.evaluation.evaluate import evaluate
from lbi.evaluation.params import EvaluateParams
from tests.envs.kv.env import KvEnv

ENV = "kv-colors-v0"


def test_the_registration_is_all_it_takes() -> None:
    assert ENV in registry.builtin() and "kv" in families.names()
    spec = registry.spec(ENV)
    assert spec.family == "kv" and spec.docs and spec.task_set and spec.task_set.is_file()
    assert families.family("kv").check_type() is KvEnv.check_type


@pytest.mark.usefixtures("prefect_api", "lbi_env")
def test_synthesis_in_the_new_family_keeps_examples_that_replay(store: sa.Engine) -> None:
    result = synthesize(SynthesizeParams(env=ENV, instructions_per_doc=3, max_steps=4))
    assert result["status"] == "completed" and result["totals"]["accepted"] > 0
    with store.connect() as conn:
        spans = conn.execute(sa.text(
            "SELECT e.id, array_agg(s.action ORDER BY s.idx), bool_or(s.observation_error)"
            " FROM lbi.examples e JOIN lbi.steps s ON s.trajectory_id = e.trajectory_id"
            " AND s.idx BETWEEN e.start_step AND e.end_step WHERE e.status = 'accepted' GROUP BY e.id")).all()
    assert spans and not any(errored for _, _, errored in spans)
    for _, actions, _ in spans:
        with registry.make(ENV) as env:
            env.reset()
            assert not any(env.step(action).observation.error for action in actions), actions


def test_the_task_set_replays_at_one(store: sa.Engine) -> None:
    report = evaluate(engine=store, params=EvaluateParams(env=ENV, mode="replay"))
    assert report.summary()["tasks"] == 3 and report.summary()["success_rate"] == 1.0
