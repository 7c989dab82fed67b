"""lbi experiment end to end on a small workload: a copy of the session's synthesized store (Prefect,
embedded Postgres, the offline model over HTTP), then the variants evaluated on one held-out task."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lbi.cli import app
from lbi.config import Settings
from lbi.experiment.configured import experiment_configured
from lbi.experiment.params import ExperimentParams
from lbi.experiment.variants import NAMES
from tests.flows.dataset import row_counts

CHINOOK = "sqlite-chinook-v0"
# One judge more than the synthesis's committee (a, b; the offline model serves "offline" too): the
# experiment asks it about every decided example, and b about those a rejected (the synthesis stops asking
# once the decision is settled), so the three policies decide on three verdicts each.
COMMITTEE = ["offline-judge-a", "offline-judge-b", "offline"]
SMALL = dict(env=CHINOOK, limit=1, max_steps=2, m1=2, m2=2, workers=1, no_documents_tasks=1, synthesis_max_steps=2,
             max_span_steps=1)

MISSING_VERDICTS = """
    SELECT count(*) FROM lbi.examples e CROSS JOIN unnest(CAST(:committee AS text[])) AS member(name)
    WHERE e.status <> 'pending'
      AND NOT EXISTS (SELECT 1 FROM lbi.verdicts v WHERE v.example_id = e.id AND v.judge = member.name)
      AND NOT EXISTS (SELECT 1 FROM lbi.failed_generations f WHERE f.stage = 'judge'
                      AND f.subject = 'example:' || e.id AND f.model = member.name)"""
JUDGED_PAIRS = """
    SELECT count(*) FROM lbi.trajectories t JOIN lbi.instructions i ON i.id = t.instruction_id
    WHERE i.origin = 'self_instruct' AND t.n_steps > 0 AND EXISTS (
        SELECT 1 FROM lbi.llm_calls c, jsonb_array_elements(c.request -> 'messages') AS m
        WHERE c.role = 'judge' AND strpos(m ->> 'content', i.text) > 0
          AND strpos(m ->> 'content', (SELECT s.action FROM lbi.steps s WHERE s.trajectory_id = t.id
                                       ORDER BY s.idx DESC LIMIT 1)) > 0)"""
ACCEPTING_JUDGES = """
    SELECT count(*) FROM (SELECT v.example_id FROM lbi.examples e
        JOIN (SELECT example_id, judge FROM lbi.verdicts WHERE judge = ANY(:committee)
              GROUP BY example_id, judge HAVING bool_and(accept)) v ON v.example_id = e.id
        WHERE e.status <> 'pending' GROUP BY v.example_id HAVING count(*) >= :at_least) AS kept"""


def test_every_variant_runs_and_the_table_is_stored(synthesized_store: sa.Engine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    store = synthesized_store
    monkeypatch.setenv("LBI_COMMITTEE", ",".join(COMMITTEE))
    with store.connect() as conn:
        q = lambda sql, **p: conn.execute(sa.text(sql), p)  # noqa: E731
        missing_before = q(MISSING_VERDICTS, committee=COMMITTEE).scalar_one()
        b_not_asked_after_a_rejected = q(MISSING_VERDICTS + " AND member.name = 'offline-judge-b'",
                                         committee=COMMITTEE).scalar_one()
        verdicts_before = q("SELECT count(*) FROM lbi.verdicts").scalar_one()
        decisions_before = q("SELECT id, status, policy, decided_at, accepted_run_id FROM lbi.examples").all()
    dataset_before = row_counts(store)
    assert b_not_asked_after_a_rejected > 0 and missing_before > b_not_asked_after_a_rejected

    report = experiment_configured(ExperimentParams(**SMALL), Settings())

    with store.connect() as conn:
        q = lambda sql, **p: conn.execute(sa.text(sql), p)  # noqa: E731
        table = {row["variant"]: row for row in q("SELECT * FROM lbi.experiment_table WHERE experiment_id = :x",
                                                  x=report.experiment_id).mappings()}
        assert list(table) == NAMES and [r["variant"] for r in report.rows] == NAMES
        assert all(row["tasks"] == 1 and row["evaluation_id"] is not None and row["success_rate"] is not None
                   for row in table.values())
        run_id, status = q("SELECT run_id, status FROM lbi.experiments WHERE id = :x", x=report.experiment_id).one()
        assert status == "completed" and report.status == "completed"

        # the judges the decisions did not need were asked, under the experiment's run; no decision changed
        assert q(MISSING_VERDICTS, committee=COMMITTEE).scalar_one() == 0
        added = q("SELECT count(DISTINCT (example_id, judge)) FROM lbi.verdicts WHERE run_id = :run",
                  run=run_id).scalar_one()
        failed = q("SELECT count(*) FROM lbi.failed_generations WHERE run_id = :run", run=run_id).scalar_one()
        assert added + failed == missing_before and added > 0
        assert q("SELECT count(*) FROM lbi.verdicts WHERE run_id <> :run", run=run_id).scalar_one() == verdicts_before
        assert q("SELECT id, status, policy, decided_at, accepted_run_id FROM lbi.examples").all() == decisions_before
        judge_calls = q("SELECT count(*) FROM lbi.llm_calls WHERE run_id = :run AND role = 'judge'",
                        run=run_id).scalar_one()
        assert judge_calls >= missing_before

        def item(name: str, column: str) -> list:
            return list(q(f"SELECT {column} FROM lbi.corpus_items WHERE corpus_id = :c ORDER BY id",
                          c=table[name]["corpus_id"]).scalars())

        # the three policies on every judge's verdict: as many kept as judges accepting, counted here in SQL
        kept = {name: table[f"policy-{name}"]["examples_kept"] for name in ("strict", "majority", "relaxed")}
        assert kept == {name: q(ACCEPTING_JUDGES, committee=COMMITTEE, at_least=n).scalar_one()
                        for name, n in (("strict", 3), ("majority", 2), ("relaxed", 1))}
        assert kept["relaxed"] >= kept["majority"] >= kept["strict"] and kept["relaxed"] > kept["strict"]
        accepted = q("SELECT count(*) FROM lbi.examples WHERE status = 'accepted'").scalar_one()
        assert 0 < table["full"]["examples_kept"] == accepted <= table["no-committee"]["examples_kept"]
        assert kept["strict"] <= accepted  # a third judge can only take away from a unanimous decision
        assert table["no-committee"]["examples_kept"] == q("SELECT count(*) FROM lbi.examples").scalar_one()
        assert table["retrieval-both"]["evaluation_id"] == table["full"]["evaluation_id"]  # one evaluation, shared

        # without backward construction: the self-instructed tasks with their whole trajectories that the
        # committee accepts (each put to a judge, as the instruction of a trajectory of the task's steps;
        # a pair the synthesis already judged, relabeled to the same words, is answered from the cache)
        pairs = q("SELECT count(*) FROM lbi.trajectories t JOIN lbi.instructions i ON i.id = t.instruction_id"
                  " WHERE i.origin = 'self_instruct' AND t.n_steps > 0").scalar_one()
        assert 0 < table["no-backward-construction"]["examples_kept"] <= pairs
        assert q(JUDGED_PAIRS).scalar_one() == pairs
        assert None not in item("no-backward-construction", "trajectory_id")
        assert set(item("no-backward-construction", "example_id")) == {None}

        # without documents: its own synthesis, kept out of the dataset, which the experiment left as it was
        # (apart from the verdicts it asked for)
        assert table["no-documents"]["corpus_kind"] == "examples"
        assert item("no-documents", "example_id") == [None] * table["no-documents"]["examples_kept"]
        unchanged = {"paid_calls": 0, "verdicts": 0, "failed_generations": 0}
        assert row_counts(store) | unchanged == dataset_before | unchanged

        def evaluation(name: str, column: str) -> list:
            return list(q(f"SELECT {column} FROM lbi.evaluation_results WHERE evaluation_id = :e ORDER BY task_id",
                          e=table[name]["evaluation_id"]).scalars())

        def query_calls(name: str) -> int:
            return q("SELECT count(*) FROM lbi.llm_calls c JOIN lbi.evaluations v ON v.run_id = c.run_id"
                     " WHERE v.id = :e AND c.role = 'query_writer'", e=table[name]["evaluation_id"]).scalar_one()

        # retrieval off: no retrieval at all, and fewer model calls than with the model's queries
        off = table["retrieval-off"]
        assert off["examples_kept"] is None and off["retrieval_hits_per_task"] == 0
        assert evaluation("retrieval-off", "cardinality(retrieved)") == [0] and query_calls("retrieval-off") == 0
        assert table["retrieval-off"]["model_calls_per_task"] < table["full"]["model_calls_per_task"]
        assert query_calls("retrieval-observation") == 0
        assert table["retrieval-observation"]["model_calls_per_task"] < table["retrieval-model"]["model_calls_per_task"]
        # RAG: what it retrieved are documentation chunks of the environment, and it writes no query
        retrieved = {i for ids in evaluation("rag-documentation", "retrieved") for i in ids}
        chunks = dict(zip(item("rag-documentation", "id"), item("rag-documentation", "chunk_id")))
        assert retrieved and retrieved <= set(chunks) and None not in chunks.values()
        assert table["rag-documentation"]["corpus_kind"] == "chunks" and query_calls("rag-documentation") == 0
        full_retrieved = {i for ids in evaluation("full", "retrieved") for i in ids}
        assert full_retrieved and set(item("full", "id")) >= full_retrieved


def test_the_cap_on_model_calls_covers_the_whole_experiment(synthesized_store: sa.Engine) -> None:
    """Five calls: the full variant's evaluation spends at most four (two steps, each an actor's call and a
    query), the no-documents synthesis runs out; the command ends with one line, the row done stays stored."""
    cap = 5
    result = CliRunner().invoke(app, [
        "experiment", "--env", CHINOOK, "--variants", "full,no-documents", "--max-llm-calls", str(cap),
        "--limit", "1", "--max-steps", "2", "--m1", "2", "--m2", "2", "--workers", "1", "--no-documents-tasks", "1",
        "--synthesis-max-steps", "2"])
    assert result.exit_code == 3, result.output
    last = result.output.strip().splitlines()[-1]
    with synthesized_store.connect() as conn:
        q = lambda sql, **p: conn.execute(sa.text(sql), p)  # noqa: E731
        experiment_id, run_id, status, message = q(
            "SELECT x.id, x.run_id, x.status, x.message FROM lbi.experiments x").one()
        assert status == "budget_exhausted"
        assert last == f"stopped: budget spent: {cap} of {cap} model calls; 1 of 2 variants stored in experiment " \
                       f"{experiment_id}; the calls made are cached, so a rerun repeats them at no cost"
        assert message.startswith(last.removeprefix("stopped: "))
        assert list(q("SELECT variant FROM lbi.experiment_table WHERE experiment_id = :x",
                      x=experiment_id).scalars()) == ["full"]
        own, evaluations = q("SELECT sum(k.llm_calls) FILTER (WHERE r.id = :run),"
                             " sum(k.llm_calls) FILTER (WHERE r.id > :run AND r.flow = 'evaluate')"
                             " FROM lbi.runs r JOIN lbi.run_counters k ON k.run_id = r.id",
                             run=run_id).one()
        assert 0 < evaluations <= 4 and own == cap - evaluations  # the no-documents synthesis spent the rest
        paid = q("SELECT count(*) FROM lbi.llm_calls WHERE run_id >= :run AND status <> 'error'",
                 run=run_id).scalar_one()
        assert paid == cap
        assert q("SELECT status FROM lbi.runs WHERE id = :run", run=run_id).scalar_one() == "budget_exhausted"


def test_an_evaluation_cut_short_by_the_cap_is_not_a_row(synthesized_store: sa.Engine) -> None:
    result = CliRunner().invoke(app, ["experiment", "--env", CHINOOK, "--variants", "full", "--max-llm-calls", "1",
                                      "--limit", "1", "--max-steps", "2", "--m1", "2", "--m2", "2", "--json"])
    assert result.exit_code == 3, result.output
    report = json.loads(result.output)
    assert report["status"] == "budget_exhausted" and report["table"] == []
    assert report["message"].startswith("budget spent: 1 of 1 model calls; 0 of 1 variants stored")
    with synthesized_store.connect() as conn:
        assert conn.execute(sa.text("SELECT r.status FROM lbi.evaluations v JOIN lbi.runs r ON r.id = v.run_id"
                                    )).scalars().all() == ["budget_exhausted"]


def test_an_unknown_variant_is_a_one_line_usage_error() -> None:
    result = CliRunner().invoke(app, ["experiment", "--env", CHINOOK, "--variants", "full,no-such-variant"])
    assert result.exit_code == 1
    assert "unknown variant 'no-such-variant'" in result.output and len(result.output.strip().splitlines()) == 1
