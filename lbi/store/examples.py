"""Examples (a labeled span of a trajectory), their verdicts, and the committee's decision."""

from __future__ import annotations

import sqlalchemy as sa

from lbi.store.instructions import text_hash


def existing_spans(conn: sa.Connection, *, trajectory_id: int) -> dict[tuple[int, int, str], int]:
    rows = conn.execute(
        sa.text("SELECT start_step, end_step, kind, id FROM lbi.examples WHERE trajectory_id = :t"),
        {"t": trajectory_id},
    )
    return {(r.start_step, r.end_step, r.kind): r.id for r in rows}


def add_example(conn: sa.Connection, *, environment_id: str, trajectory_id: int, start_step: int, end_step: int,
                kind: str, instruction: str, run_id: int) -> int:
    """Store the span's instruction and the example together; an existing example for the span wins."""
    existing = existing_spans(conn, trajectory_id=trajectory_id).get((start_step, end_step, kind))
    if existing is not None:
        return existing
    instruction_id = conn.execute(
        sa.text(
            "INSERT INTO lbi.instructions (environment_id, origin, text, text_hash, trajectory_id, run_id)"
            " VALUES (:env, 'backward', :text, :hash, :t, :run) RETURNING id"
        ),
        {"env": environment_id, "text": instruction, "hash": text_hash(instruction), "t": trajectory_id,
         "run": run_id},
    ).scalar_one()
    example_id = conn.execute(
        sa.text(
            "INSERT INTO lbi.examples (trajectory_id, start_step, end_step, kind, instruction_id, run_id)"
            " VALUES (:t, :s, :e, :k, :i, :run) ON CONFLICT (trajectory_id, start_step, end_step, kind)"
            " DO NOTHING RETURNING id"
        ),
        {"t": trajectory_id, "s": start_step, "e": end_step, "k": kind, "i": instruction_id, "run": run_id},
    ).scalar()
    if example_id is None:  # a concurrent run labeled this span first
        conn.execute(sa.text("DELETE FROM lbi.instructions WHERE id = :i"), {"i": instruction_id})
        return existing_spans(conn, trajectory_id=trajectory_id)[(start_step, end_step, kind)]
    return example_id


def example_ids(conn: sa.Connection, *, trajectory_id: int) -> list[int]:
    return list(conn.execute(
        sa.text("SELECT id FROM lbi.examples WHERE trajectory_id = :t ORDER BY start_step, end_step, kind"),
        {"t": trajectory_id},
    ).scalars())


def example_for_judging(conn: sa.Connection, *, example_id: int) -> sa.Row:
    return conn.execute(
        sa.text(
            "SELECT e.id, e.trajectory_id, e.start_step, e.end_step, e.kind, e.status, i.text AS instruction"
            " FROM lbi.examples e JOIN lbi.instructions i ON i.id = e.instruction_id WHERE e.id = :id"
        ),
        {"id": example_id},
    ).one()


def judged_by(conn: sa.Connection, *, example_id: int) -> set[str]:
    return set(conn.execute(
        sa.text("SELECT DISTINCT judge FROM lbi.verdicts WHERE example_id = :e"), {"e": example_id}
    ).scalars())


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


def decide(conn: sa.Connection, *, example_id: int, status: str, policy: str) -> None:
    conn.execute(
        sa.text("UPDATE lbi.examples SET status = :s, policy = :p, decided_at = now() WHERE id = :e"),
        {"e": example_id, "s": status, "p": policy},
    )
