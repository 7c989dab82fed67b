"""Examples (a labeled span of a trajectory), their verdicts, and the committee's decision."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lbi.store import failures
from lbi.store.instructions import text_hash


def existing_spans(conn: sa.Connection, *, trajectory_id: int) -> dict[tuple[int, int, str], int]:
    rows = conn.execute(
        sa.text("SELECT start_step, end_step, kind, id FROM lbi.examples WHERE trajectory_id = :t"),
        {"t": trajectory_id},
    )
    return {(r.start_step, r.end_step, r.kind): r.id for r in rows}


@dataclass(frozen=True)
class Label:
    """A span's instruction, as the labeler wrote it, with its step-by-step ``summary``."""

    start_step: int
    end_step: int
    kind: str
    instruction: str
    summary: tuple[str, ...] = ()


def add_example(conn: sa.Connection, *, environment_id: str, trajectory_id: int, run_id: int,
                **label: Any) -> int | None:
    """``add_examples`` for one span (``Label``'s fields); None when another span's example has its content."""
    ids = add_examples(conn, environment_id=environment_id, trajectory_id=trajectory_id, run_id=run_id,
                       labels=[Label(**label)])
    return ids[0] if ids else None


def add_examples(conn: sa.Connection, *, environment_id: str, trajectory_id: int, run_id: int,
                 labels: list[Label]) -> list[int]:
    """Store each span's instruction and example together (one statement, in the caller's
    transaction), with the labeler's step-by-step summary (replicate examples); an existing example
    for a span wins, and a label whose content another span's example has (stored meanwhile, by
    another process) is dropped. The examples' ids, in the order of ``labels`` (none for a dropped label)."""
    if not labels:
        return []
    rows = conn.execute(
        sa.text(
            "WITH label AS (SELECT l.*, (SELECT id FROM lbi.examples x WHERE x.trajectory_id = :t"
            "               AND x.start_step = l.s AND x.end_step = l.e AND x.kind = l.k) AS existing"
            "               FROM unnest(CAST(:s AS int[]), CAST(:e AS int[]), CAST(:k AS text[]),"
            "               CAST(:text AS text[]), CAST(:hash AS text[]), CAST(:summary AS jsonb[]))"
            "               WITH ORDINALITY AS l(s, e, k, text, hash, summary, n)),"
            " fresh AS (SELECT label.*, nextval(pg_get_serial_sequence('lbi.instructions', 'id')) AS instruction"
            "           FROM label WHERE existing IS NULL),"
            " instruction AS (INSERT INTO lbi.instructions (id, environment_id, origin, text, text_hash,"
            "                 trajectory_id, run_id) SELECT instruction, :env, 'backward', text, hash, :t, :run"
            "                 FROM fresh ORDER BY n),"
            " example AS (INSERT INTO lbi.examples (trajectory_id, start_step, end_step, kind, instruction_id, run_id,"
            "             summary, content_key) SELECT :t, s, e, k, instruction, :run, summary,"
            "             lbi.example_content_key(:t, s, e, k) FROM fresh ORDER BY n"
            "             ON CONFLICT DO NOTHING"
            "             RETURNING id, instruction_id)"
            " SELECT label.n, coalesce(label.existing, example.id) AS id, fresh.instruction"
            " FROM label LEFT JOIN fresh ON fresh.n = label.n LEFT JOIN example ON example.instruction_id = fresh.instruction"
            " ORDER BY label.n"
        ),
        {"t": trajectory_id, "env": environment_id, "run": run_id,
         "s": [label.start_step for label in labels], "e": [label.end_step for label in labels],
         "k": [label.kind for label in labels], "text": [label.instruction for label in labels],
         "hash": [text_hash(label.instruction) for label in labels],
         "summary": [json.dumps(list(label.summary)) if label.summary else None for label in labels]},
    ).all()
    lost = [row.instruction for row in rows if row.id is None]
    if not lost:
        return [row.id for row in rows]
    # a concurrent run labeled these spans first (use its examples), or another span's example has the
    # content: drop our instructions
    conn.execute(sa.text("DELETE FROM lbi.instructions WHERE id = ANY(:i)"), {"i": lost})
    spans = existing_spans(conn, trajectory_id=trajectory_id)
    found = (row.id or spans.get((label.start_step, label.end_step, label.kind)) for row, label in zip(rows, labels))
    return [example_id for example_id in found if example_id is not None]


@dataclass(frozen=True)
class SpanKey:
    key: str  # lbi.example_content_key
    taken: bool  # an example of the environment has this content


def span_keys(conn: sa.Connection, *, trajectory_id: int,
              spans: list[tuple[int, int, str]]) -> dict[tuple[int, int, str], SpanKey]:
    """Each of ``spans`` (first step, last step, kind) with its content key, and whether an example of the
    environment already has it (then it is not labeled again)."""
    if not spans:
        return {}
    firsts, lasts, kinds = (list(column) for column in zip(*spans))
    rows = conn.execute(
        sa.text(
            "SELECT s, e, k, key, EXISTS (SELECT FROM lbi.examples x WHERE x.content_key = key) AS taken"
            " FROM unnest(CAST(:s AS int[]), CAST(:e AS int[]), CAST(:k AS text[])) AS l(s, e, k),"
            " LATERAL lbi.example_content_key(:t, s, e, k) AS key"
        ),
        {"t": trajectory_id, "s": firsts, "e": lasts, "k": kinds},
    )
    return {(row.s, row.e, row.k): SpanKey(row.key, row.taken) for row in rows}


def to_judge(conn: sa.Connection, *, trajectory_id: int, retries: int | None = None) -> list[sa.Row]:
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
        {"t": trajectory_id, "retries": failures.retries_now(retries)},
    ))


def add_verdicts(conn: sa.Connection, *, verdicts: list[tuple[int, str, str, bool, str]], run_id: int) -> None:
    """Store (example id, judge, criterion, accept, rationale) rows, all in one statement."""
    if not verdicts:
        return
    example_ids, judges, criteria, accepts, rationales = (list(column) for column in zip(*verdicts))
    conn.execute(
        sa.text(
            "INSERT INTO lbi.verdicts (example_id, judge, criterion, accept, rationale, run_id)"
            " SELECT e, j, c, a, r, :run FROM unnest(CAST(:e AS bigint[]), CAST(:j AS text[]), CAST(:c AS text[]),"
            "                                  CAST(:a AS boolean[]), CAST(:r AS text[])) AS v(e, j, c, a, r)"
            " ON CONFLICT DO NOTHING"
        ),
        {"e": example_ids, "j": judges, "c": criteria, "a": accepts, "r": rationales, "run": run_id},
    )


def judge_acceptance(conn: sa.Connection, *, example_id: int) -> dict[str, bool]:
    """Per judge: True when that judge accepted every criterion."""
    rows = conn.execute(
        sa.text("SELECT judge, bool_and(accept) FROM lbi.verdicts WHERE example_id = :e GROUP BY judge"),
        {"e": example_id},
    )
    return {judge: accepted for judge, accepted in rows}


def decide(conn: sa.Connection, *, decisions: list[tuple[int, str]], policy: str, run_id: int | None = None) -> None:
    """Record the (example id, status) decisions, in one statement; an example a decision newly accepts is
    credited to ``run_id`` (``accepted_run_id``), one accepted again keeps the run that first accepted it."""
    if not decisions:
        return
    example_ids, statuses = (list(column) for column in zip(*decisions))
    conn.execute(
        sa.text(
            "UPDATE lbi.examples x SET status = d.s, policy = :p, decided_at = now(),"
            " accepted_run_id = CASE WHEN d.s <> 'accepted' THEN NULL"
            "                        WHEN x.status = 'accepted' THEN coalesce(x.accepted_run_id, :run) ELSE :run END"
            " FROM unnest(CAST(:e AS bigint[]), CAST(:s AS text[])) AS d(e, s)"
            " WHERE x.id = d.e"
        ),
        {"e": example_ids, "s": statuses, "p": policy, "run": run_id},
    )
