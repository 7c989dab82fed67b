"""Evaluation end to end: the real environment and checker, the store, the offline model over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from lbi.cli import app
from lbi.evaluation.evaluate import ModelAccess, RetrievalSetup, evaluate
from lbi.evaluation.params import EvaluateParams, default_task_set
from lbi.models.client import ClientOptions
from tests.retrieval.seeding import Seed, seed_examples, seed_run

CHINOOK = "sqlite-chinook-v0"
FAX_TASK = {"id": "fax", "instruction": "How many customers have no fax number on record?", "difficulty": "easy",
            "gold_actions": ["SELECT count(*) FROM Customer WHERE Fax IS NULL"],
            "check": {"type": "sql_rows", "gold_sql": "SELECT count(*) FROM Customer WHERE Fax IS NULL"}}


def _task_set(tmp_path: Path, *tasks: dict) -> str:
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    return str(path)


def test_replay_scores_one_on_the_shipped_task_set_and_is_stored(store: sa.Engine) -> None:
    report = evaluate(engine=store, params=EvaluateParams(env=CHINOOK, mode="replay"))
    assert report.summary()["tasks"] >= 40 and report.summary()["success_rate"] == 1.0, \
        [r for r in report.results if not r.success]
    with store.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM lbi.evaluations")).mappings().one()
        stored = conn.execute(sa.text("SELECT count(*) FILTER (WHERE success), count(*) "
                                      "FROM lbi.evaluation_results WHERE evaluation_id = :e"), {"e": row["id"]}).one()
    assert (row["mode"], row["status"], row["success_rate"]) == ("replay", "completed", 1.0)
    assert row["task_set"] == str(default_task_set(CHINOOK)) and len(row["task_set_hash"]) == 64
    assert report.warnings == [] and report.task_set_errors() == []
    assert tuple(stored) == (row["tasks"], row["tasks"])


def test_a_gold_that_fails_in_replay_is_a_task_set_error_not_a_failure(store: sa.Engine, tmp_path: Path) -> None:
    wrong = {**FAX_TASK, "id": "wrong", "gold_actions": ["SELECT count(*) FROM Customer"]}
    broken = {**FAX_TASK, "id": "broken", "check": {"type": "sql_rows", "gold_sql": "SELECT nothing FROM nowhere"}}
    report = evaluate(engine=store, params=EvaluateParams(env=CHINOOK, mode="replay",
                                                          tasks=_task_set(tmp_path, FAX_TASK, wrong, broken)))
    assert {r.task_id: r.status for r in report.results} == {"fax": "replayed", "wrong": "task_set_error",
                                                              "broken": "task_set_error"}
    assert "the gold fails its own check: mismatch" in report.results[1].detail
    assert "gold query failed" in report.results[2].detail
    assert report.summary()["success_rate"] == 1.0 and report.summary()["task_set_errors"] == 2
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT success_rate FROM lbi.evaluations WHERE id = :e"),
                            {"e": report.evaluation_id}).scalar_one() == 1.0


def test_a_task_whose_gold_is_empty_is_reported_weak(store: sa.Engine, tmp_path: Path) -> None:
    empty = {**FAX_TASK, "id": "empty", "gold_actions": ["SELECT Name FROM Artist WHERE Name = 'Nobody'"],
             "check": {"type": "sql_rows", "gold_sql": "SELECT Name FROM Artist WHERE Name = 'Nobody'"}}
    report = evaluate(engine=store, params=EvaluateParams(env=CHINOOK, mode="replay",
                                                          tasks=_task_set(tmp_path, FAX_TASK, empty)))
    assert report.warnings == ["weak task empty: the gold result is empty, so any query returning no rows passes"]
    assert report.as_dict()["warnings"] == report.warnings


def test_retrieval_brings_a_stored_example_to_the_actor(store: sa.Engine, offline_model: str, embedder,
                                                       tmp_path: Path) -> None:
    """The offline actor cannot answer this task alone; a stored example of the same task shows it how."""
    seed_examples(store, seed_run(store), [Seed("How many customers have no fax number on file?",
                                                ("SELECT count(*) FROM Customer WHERE Fax IS NULL",)),
                                           Seed("List every genre.", ("SELECT Name FROM Genre",))])
    models = ModelAccess(base_url=offline_model, api_key="offline", options=ClientOptions(concurrency=2),
                         actor_model="offline-actor", query_model="offline-actor")
    tasks = _task_set(tmp_path, FAX_TASK)
    baseline = evaluate(engine=store, params=EvaluateParams(env=CHINOOK, mode="baseline", tasks=tasks), models=models)
    retrieval = evaluate(engine=store, params=EvaluateParams(env=CHINOOK, mode="retrieval", tasks=tasks), models=models,
                         retrieval=RetrievalSetup(embedder=embedder, m1=1, m2=1))
    [before], [after] = baseline.results, retrieval.results
    assert not before.success and after.success, (before, after)
    assert before.retrieval_hits == 0 and after.retrieval_hits == 2 * (after.steps + 1), "m1 + m2 per step"
    assert after.model_calls == 2 * (after.steps + 1), "per step: one query, one action (and the final STOP)"
    assert after.tokens > before.tokens > 0
    with store.connect() as conn:
        roles = conn.execute(sa.text("SELECT role, count(*) FROM lbi.llm_calls WHERE run_id = :r GROUP BY role"),
                             {"r": retrieval.run_id}).all()
    assert dict(roles) == {"actor": after.steps + 1, "query_writer": after.steps + 1}


def test_the_command_line_prints_json_and_lists_stored_evaluations(lbi_env: dict) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["evaluate", "--env", CHINOOK, "--mode", "replay", "--limit", "4", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"]["tasks"] == 4 and report["summary"]["success_rate"] == 1.0
    listed = runner.invoke(app, ["evaluations", "--json"])
    assert [row["id"] for row in json.loads(listed.output)] == [report["evaluation_id"]]
    named = str(default_task_set(CHINOOK))
    table = runner.invoke(app, ["evaluate", "--tasks", named, "--mode", "replay", "--limit", "2"])
    assert table.exit_code == 0 and "100.0%" in table.output, "the environment comes from the task set"
    assert runner.invoke(app, ["evaluate", "--env", CHINOOK, "--mode", "guess"]).exit_code == 2, "a usage error"


def test_the_command_line_refuses_a_missing_or_mismatched_environment(lbi_env: dict, tmp_path: Path) -> None:
    runner = CliRunner()
    unnamed = _task_set(tmp_path, FAX_TASK)
    for args, message in [([], "name the environment (--env ENV)"),
                          (["--tasks", unnamed], "names no environment"),
                          (["--env", "shell-project-v0", "--tasks", str(default_task_set(CHINOOK))], "does not match")]:
        result = runner.invoke(app, ["evaluate", "--mode", "replay", *args])
        assert result.exit_code == 1 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1, "one line"


def test_the_command_line_names_a_broken_gold_and_exits_2(lbi_env: dict, tmp_path: Path) -> None:
    wrong = {**FAX_TASK, "id": "wrong", "gold_actions": ["SELECT count(*) FROM Customer"]}
    result = CliRunner().invoke(app, ["evaluate", "--env", CHINOOK, "--mode", "replay", "--tasks",
                                      _task_set(tmp_path, FAX_TASK, wrong)])
    assert result.exit_code == 2
    assert "task-set error: wrong: the gold fails its own check: mismatch" in result.output
