"""Broken answers are retried by later runs up to LBI_RETRY_FAILED_GENERATIONS times, and
`lbi failures clear` forgets them."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lbi.cli import app
from lbi.store import failures, runs
from tests.store.rows import a_trajectory

ENV, OTHER = "failing-env-v0", "other-env-v0"


def _run(store: sa.Engine, env: str = ENV) -> int:
    with store.begin() as conn:
        return runs.create_run(conn, flow="synthesize", environment_id=env, params={}, max_llm_calls=None,
                               max_tokens=None)


def _fail(store: sa.Engine, run_id: int, subject: str = "chunk:1", stage: str = "self_instruct") -> None:
    with store.begin() as conn:
        failures.record_failed_generation(conn, stage=stage, subject=subject, model="m", reason="no JSON",
                                          answer="rambling", run_id=run_id)


def _standing(store: sa.Engine, retries: int | None = 1) -> tuple[set[str], set[tuple[str, str]]]:
    with store.connect() as conn:
        return (failures.failed_models(conn, stage="self_instruct", subjects=["chunk:1", "chunk:2"],
                                       retries=retries).get("chunk:1", set()),
                failures.failed_subjects(conn, stage="self_instruct", subject_prefix="chunk:", retries=retries))


def test_a_later_run_asks_again_until_the_retries_are_spent(store: sa.Engine) -> None:
    first = _run(store)
    _fail(store, first)
    _fail(store, first)  # the same run again: still one attempt
    assert _standing(store) == ({"m"}, {("chunk:1", "m")}), "final for the run that recorded it"
    _run(store, OTHER)
    assert _standing(store)[0] == {"m"}, "another environment's run does not release it"
    second = _run(store)
    assert _standing(store) == (set(), set()), "a later run asks again"
    assert _standing(store, retries=0)[0] == {"m"}, "unless retries are off"
    _fail(store, second)
    _run(store)
    assert _standing(store)[0] == {"m"}, "failed twice: one retry spent"
    assert _standing(store, retries=2)[0] == set()
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT attempts, run_id FROM lbi.failed_generations")).one() == (2, second)


def test_the_retries_come_from_the_setting(store: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail(store, _run(store))
    _run(store)
    assert _standing(store, retries=None)[0] == set()
    monkeypatch.setenv("LBI_RETRY_FAILED_GENERATIONS", "0")
    assert _standing(store, retries=None)[0] == {"m"}


def test_an_unstorable_broken_answer_is_stored_sanitised(store: sa.Engine) -> None:
    with store.begin() as conn:
        failures.record_failed_generation(conn, stage="rollout", subject="instruction:1:step:1", model="m",
                                          reason="bad \x00", answer="a\x00b\ud800", run_id=_run(store))
        assert conn.execute(sa.text("SELECT answer FROM lbi.failed_generations")).scalar() == "a\ufffdb\ufffd"


@pytest.mark.usefixtures("store_url")
def test_failures_clear_forgets_an_environments_failures(store: sa.Engine) -> None:
    _fail(store, _run(store), subject="chunk:1")
    _fail(store, _run(store), subject="trajectory:1:1-1:task", stage="backward")
    _fail(store, _run(store, OTHER), subject="chunk:2")
    runner = CliRunner()
    listed = runner.invoke(app, ["failures", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert {(r["environment"], r["stage"], r["failures"]) for r in json.loads(listed.stdout)} == {
        (ENV, "self_instruct", 1), (ENV, "backward", 1), (OTHER, "self_instruct", 1)}
    bad_stage = runner.invoke(app, ["failures", "clear", "--stage", "nope"])
    assert bad_stage.exit_code == 2 and "nope" in bad_stage.output
    cleared = runner.invoke(app, ["failures", "clear", "--env", ENV, "--stage", "backward"])
    assert cleared.exit_code == 0 and "cleared 1 failed generation of" in cleared.output
    cleared = runner.invoke(app, ["failures", "clear", "--env", ENV])
    assert "cleared 1 failed generation of" in cleared.output
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT subject FROM lbi.failed_generations")).scalars().all() == ["chunk:2"]


def test_a_judge_failure_is_asked_again_by_a_later_run(store: sa.Engine) -> None:
    from lbi.store import examples

    with store.begin() as conn:
        trajectory = a_trajectory(conn, ENV, n_steps=1)
        example = examples.add_example(conn, trajectory_id=trajectory, start_step=1, end_step=1, kind="task",
                                       environment_id=ENV, instruction="do it", run_id=None)
    _fail(store, _run(store), subject=f"example:{example}", stage="judge")
    with store.connect() as conn:
        assert examples.to_judge(conn, trajectory_id=trajectory)[0].failed == ["m"]
    _run(store)
    with store.connect() as conn:
        assert examples.to_judge(conn, trajectory_id=trajectory)[0].failed == []
