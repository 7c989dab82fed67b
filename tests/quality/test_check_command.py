"""`lbi check` on demand: passes on a clean store, exits 1 naming each problem on a corrupted one."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from lbi.cli import app

runner = CliRunner()
CORRUPTIONS = {
    "steps_contiguous": "DELETE FROM lbi.steps WHERE idx = 1 AND trajectory_id ="
                        " (SELECT min(id) FROM lbi.trajectories WHERE n_steps >= 2) RETURNING trajectory_id",
    "span_within_trajectory": "UPDATE lbi.examples e SET end_step = t.n_steps + 1 FROM lbi.trajectories t"
                              " WHERE t.id = e.trajectory_id AND e.id = (SELECT min(id) FROM lbi.examples)"
                              " RETURNING e.id",
    "unanimous_accept_has_no_rejection": "UPDATE lbi.examples SET status = 'accepted' WHERE id ="
                                         " (SELECT min(example_id) FROM lbi.verdicts WHERE NOT accept) RETURNING id",
    "task_not_empty": "UPDATE lbi.instructions SET text = '' WHERE id ="
                      " (SELECT min(id) FROM lbi.instructions WHERE origin = 'self_instruct') RETURNING id",
    "instruction_not_empty": "UPDATE lbi.instructions SET text = E'\\n' WHERE id ="
                             " (SELECT min(id) FROM lbi.instructions WHERE origin = 'backward') RETURNING"
                             " (SELECT e.id FROM lbi.examples e WHERE e.instruction_id = lbi.instructions.id)",
}


def test_a_clean_store_passes(synthesized_store: sa.Engine) -> None:
    result = runner.invoke(app, ["check", "--env", "sqlite-chinook-v0"])
    assert result.exit_code == 0, result.output
    assert "quality checks on environment sqlite-chinook-v0" in result.output
    assert "stopped" not in result.output and "STOP" not in result.output
    by_run = runner.invoke(app, ["check", "--run", "1", "--json"])
    assert by_run.exit_code == 0, by_run.output
    outcomes = {o["suite"]: o["outcome"] for o in json.loads(by_run.stdout)}
    assert outcomes == dict.fromkeys(["documents", "instructions", "trajectories", "examples", "verdicts",
                                      "model_calls", "embeddings"], "passed")


def test_a_corrupted_store_fails_naming_each_check_and_its_ids(synthesized_store: sa.Engine) -> None:
    with synthesized_store.begin() as conn:
        offending = {check: conn.execute(sa.text(sql)).scalar_one() for check, sql in CORRUPTIONS.items()}
    result = runner.invoke(app, ["check", "--env", "sqlite-chinook-v0", "--json"])
    assert result.exit_code == 1, result.output
    failures = {f["check"]: f for o in json.loads(result.stdout) for f in o["failures"]}
    for check, offending_id in offending.items():
        assert failures[check]["severity"] == "stop", check
        assert offending_id in failures[check]["sample_ids"], (check, failures[check])
    text = runner.invoke(app, ["check", "--run", "1"])
    printed = " ".join(text.output.split())
    assert text.exit_code == 1
    assert "STOP trajectories: steps_contiguous" in printed
    assert f"trajectory_id {offending['steps_contiguous']}" in printed


def test_an_unknown_run_or_environment_is_an_error(synthesized_store: sa.Engine) -> None:
    result = runner.invoke(app, ["check", "--run", "999"])
    assert result.exit_code == 2 and "no run 999" in result.output
    result = runner.invoke(app, ["check", "--env", "nope-v0"])
    assert result.exit_code == 2 and "no environment nope-v0" in result.output
