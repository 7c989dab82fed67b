"""Examples (a labeled span of a trajectory), their verdicts, and the committee's decision."""

from __future__ import annotations

import json

import sqlalchemy as sa

from lbi.store import failures
from lbi.store.instructions import text_hash


def existing_spans(conn: sa.Connection, *, trajectory_id: int) -> dict[tuple[int, int, str], int]:
    rows = conn.execute(
        sa.text("SELECT start_step, end_step, kind, id FROM lbi.examples WHERE trajectory_id = :t"),
        {"t": trajectory_id},
    )
    return {(r.start_step, r.end_step, r.kind): r.id for r in rows}


def add_example(conn: sa.Connection, *, environment_id: str, trajectory_id: int, start_step: int, end_step: int,
                kind: str, instruction: str, run_id: int, summary: tuple[str, ...] = ()) -> int:
    """Store the span's instruction and the example together (one statement, in the caller's
    transaction), with the labeler's step-by-step ``summary`` (replicate examples); an existing example
    for the span wins."""
    row = conn.execute(
        sa.text(
            "WITH existing AS (SELECT id FROM lbi.examples"
            "                  WHERE trajectory_id = :t AND start_step = :s AND end_step = :e AND kind = :k),"
            " instruction AS (INSERT INTO lbi.instructions (environment_id, origin, text, text_hash, trajectory_id,"
            "                 run_id) SELECT :env, 'backward', :text, :hash, :t, :run"
            "                 WHERE NOT EXISTS (SELECT 1 FROM existing) RETURNING id),"
            " example AS (INSERT INTO lbi.examples (trajectory_id, start_step, end_step, kind, instruction_id, run_id,"
            "             summary) SELECT :t, :s, :e, :k, id, :run, CAST(:summary AS jsonb) FROM instruction"
            "             ON CONFLICT (trajectory_id, start_step, end_step, kind) DO NOTHING RETURNING id)"
            " SELECT (SELECT id FROM existing) AS existing, (SELECT id FROM example) AS example,"
            "        (SELECT id FROM instruction) AS instruction"
        ),
        {"t": trajectory_id, "s": start_step, "e": end_step, "k": kind, "env": environment_id, "text": instruction,
         "hash": text_hash(instruction), "run": run_id, "summary": json.dumps(list(summary)) if summary else None},
    ).one()
    if row.existing is not None or row.example is not None:
        return row.existing if row.existing is not None else row.example
    # a concurrent run labeled this span first: drop our instruction, use its example
    conn.execute(sa.text("DELETE FROM lbi.instructions WHERE id = :i"), {"i": row.instruction})
    return existing_spans(conn, trajectory_id=trajectory_id)[(start_step, end_step, kind)]


def to_judge(conn: sa.Connection, *, trajectory_id: int) -> list[sa.Row]:
    """The trajectory's examples in span order, each with its instruction, its status and the judges
    already done with it: ``judged`` (verdicts stored; ``accepted_by`` those that accepted every
    criterion) and ``failed`` (an answer that broke the contract, not to be asked again now: see failures)."""
    return list(conn.execute(
        sa.text(
            "SELECT e.id, e.start_step, e.end_step, e.status, i.text AS instruction,"
            " ARRAY(SELECT DISTINCT v.judge FROM lbi.verdicts v WHERE v.example_id = e.id) AS judged,"
            " ARRAY(SELECT v.judge FROM lbi.verdicts v WHERE v.example_id = e.id"
            "       GROUP BY v.judge HAVING bool_and(v.accept)) AS accepted_by,"
            " ARRAY(SELECT f.model FROM lbi.failed_generations f"
            f"       WHERE f.stage = 'judge' AND f.subject = 'example:' || e.id AND {failures.STANDING}) AS failed"
            " FROM lbi.examples e JOIN lbi.instructions i ON i.id = e.instruction_id"
            " WHERE e.trajectory_id = :t ORDER BY e.start_step, e.end_step, e.kind"
        ),
        {"t": trajectory_id, "retries": failures.retries_now(None)},
    ))


def add_verdicts(conn: sa.Connection, *, example_id: int, judge: str,
                 verdicts: list[tuple[str, bool, str]], run_id: int) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO lbi.verdicts (example_id, judge, criterion, accept, rationale, run_id)"
            " VALUES (:e, :j, :c, :a, :r, :run) ON CONFLICT DO NOTHING"
        ),
        [{"e": example_id, "j": judge, "c": c, "a": a, "r": r, "run": run_id} for c, a, r in verdicts],
    )


def judge_acceptance(conn: sa.Connection, *, example_id: int) -> dict[str, bool]:
    """Per judge: True when that judge accepted every criterion."""
    rows = conn.execute(
        sa.text("SELECT judge, bool_and(accept) FROM lbi.verdicts WHERE example_id = :e GROUP BY judge"),
        {"e": example_id},
    )
    return {judge: accepted for judge, accepted in rows}


def decide(conn: sa.Connection, *, example_id: int, status: str, policy: str, run_id: int | None = None) -> None:
    """Record the decision; an example the decision newly accepts is credited to ``run_id``
    (``accepted_run_id``), one accepted again keeps the run that first accepted it."""
    conn.execute(
        sa.text(
            "UPDATE lbi.examples SET status = :s, policy = :p, decided_at = now(),"
            " accepted_run_id = CASE WHEN :s <> 'accepted' THEN NULL"
            "                        WHEN status = 'accepted' THEN coalesce(accepted_run_id, :run) ELSE :run END"
            " WHERE id = :e"
        ),
        {"e": example_id, "s": status, "p": policy, "run": run_id},
    )
