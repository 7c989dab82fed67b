"""The analysts' views agree with the rows they summarize and with how the code reads a span."""

from __future__ import annotations

import sqlalchemy as sa

from lbi.store import trajectories


def _rows(conn: sa.Connection, sql: str, **params: object) -> list[sa.RowMapping]:
    return list(conn.execute(sa.text(sql), params).mappings())


def test_the_accepted_dataset_is_every_accepted_example_with_its_sub_trajectory(synthesized_store: sa.Engine) -> None:
    with synthesized_store.connect() as conn:
        rows = _rows(conn, "SELECT * FROM lbi.accepted_dataset ORDER BY example_id")
        accepted = conn.execute(sa.text("SELECT count(*) FROM lbi.examples WHERE status = 'accepted'")).scalar()
        assert len(rows) == accepted > 0
        for row in rows:
            start, turns = trajectories.load(conn, trajectory_id=row["trajectory_id"]).span(
                row["start_step"], row["end_step"])
            assert row["trajectory"]["start_observation"] == start
            assert [(s["action"], s["observation"]) for s in row["trajectory"]["steps"]] == \
                [(t.action, t.observation) for t in turns]
            assert row["span_steps"] == len(turns) >= 1
            assert row["instruction"] and row["task"] and row["source_document_title"]
            assert row["environment_id"] == "sqlite-chinook-v0" and row["run_id"] == 1


def test_the_lineage_of_an_example_leads_back_to_the_chunks_that_proposed_its_task(
    synthesized_store: sa.Engine,
) -> None:
    with synthesized_store.connect() as conn:
        for example in conn.execute(sa.text("SELECT example_id FROM lbi.accepted_dataset")).scalars():
            rows = _rows(conn, "SELECT * FROM lbi.example_lineage WHERE example_id = :e", e=example)
            proposed = _rows(conn, "SELECT c.id, c.text, c.document_id FROM lbi.instruction_sources x"
                                   " JOIN lbi.doc_chunks c ON c.id = x.chunk_id WHERE x.instruction_id = :t",
                             t=rows[0]["task_id"])
            assert sorted((r["chunk_id"], r["chunk_text"], r["document_id"]) for r in rows) == \
                sorted((p["id"], p["text"], p["document_id"]) for p in proposed)
            for row in rows:
                assert row["document_path"].endswith(".md")
                assert row["trajectory_status"] in ("completed", "max_steps")
                assert {row["example_run_id"], row["trajectory_run_id"], row["task_run_id"]} == {1}


def test_funnel_and_keep_rates_agree_with_the_run(synthesized_store: sa.Engine) -> None:
    with synthesized_store.connect() as conn:
        totals = conn.execute(sa.text("SELECT totals FROM lbi.runs WHERE id = 1")).scalar_one()
        funnel = {r["stage"]: r["items"] for r in _rows(conn, "SELECT * FROM lbi.dataset_funnel")}
        stages = {r["stage"]: r for r in _rows(conn, "SELECT * FROM lbi.stage_keep_rates")}
        criteria = _rows(conn, "SELECT * FROM lbi.criterion_keep_rates")
        judges = _rows(conn, "SELECT * FROM lbi.judge_keep_rates")
        spans = _rows(conn, "SELECT * FROM lbi.span_lengths")
    assert funnel == {"documents": totals["documents"], "chunks": totals["chunks"], "tasks": totals["instructions"],
                      "trajectories": totals["trajectories"], "examples": totals["examples"],
                      "judged": totals["examples"], "accepted": totals["accepted"]}
    judge = stages["judge"]
    assert (judge["considered"], judge["kept"]) == (totals["examples"], totals["accepted"])
    assert float(judge["keep_rate"]) == totals["keep_rate"]
    assert sum(r["verdicts"] for r in criteria) == totals["verdicts"] and len(criteria) == 4
    assert all(0 <= r["keep_rate"] <= 1 for r in criteria)
    assert {r["judge"] for r in judges} == {"offline-judge-a", "offline-judge-b"}
    first, second = sorted(judges, key=lambda r: r["judge"])
    assert first["examples_judged"] == totals["examples"], "the first judge rates every example"
    assert second["examples_judged"] == first["examples_accepted"], "the second only those the first accepted"
    assert sum(r["accepted"] for r in spans) == totals["accepted"]
    assert max(r["span_steps"] for r in spans) <= 2, "SMALL labels spans of at most two steps"


def test_run_costs_come_from_the_ledger_and_dollars_from_the_prices(synthesized_store: sa.Engine) -> None:
    query = "SELECT * FROM lbi.run_costs WHERE run_id = 1"
    with synthesized_store.begin() as conn:
        before = _rows(conn, query)[0]
        prompt, completion = conn.execute(sa.text(
            "SELECT sum(prompt_tokens), sum(completion_tokens) FROM lbi.llm_calls WHERE run_id = 1")).one()
        conn.execute(sa.text("INSERT INTO lbi.model_prices SELECT DISTINCT model, 1.0, 4.0 FROM lbi.llm_calls"))
        after = _rows(conn, query)[0]
    assert before["estimated_usd"] is None and before["unpriced_calls"] == before["paid_calls"] > 0
    assert before["tokens"] == prompt + completion and before["accepted"] > 0
    assert float(after["estimated_usd"]) == round((prompt * 1.0 + completion * 4.0) / 1e6, 6)
    assert after["unpriced_calls"] == 0
    assert float(after["usd_per_accepted"]) == round(float(after["estimated_usd"]) / after["accepted"], 6)
