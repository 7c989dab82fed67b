"""What each variant's corpus holds, read from the stored dataset (SQL only; nothing is written).

- examples under a decision: the stored one (``accepted``), none (every relabeled example, before the
  filter), or the stored verdicts under another committee policy (lbi.experiment.missing_verdicts asks
  the judges a decision did not need first);
- original pairs: each self-instructed task with the whole clean trajectory it was rolled out for;
- documentation chunks of the environment, in the chunking its synthesis used.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from lbi.method import committee as decision


def accepted_examples(conn: sa.Connection, *, environment_id: str) -> list[int]:
    """The examples the committee accepted when they were judged (each under its run's policy)."""
    return list(conn.execute(sa.text("""
        SELECT e.id FROM lbi.examples e JOIN lbi.trajectories t ON t.id = e.trajectory_id
        WHERE t.environment_id = :env AND e.status = 'accepted' ORDER BY e.id
    """), {"env": environment_id}).scalars())


def all_examples(conn: sa.Connection, *, environment_id: str) -> list[int]:
    """Every relabeled example, judged or not: the data before the filter."""
    return list(conn.execute(sa.text("""
        SELECT e.id FROM lbi.examples e JOIN lbi.trajectories t ON t.id = e.trajectory_id
        WHERE t.environment_id = :env ORDER BY e.id
    """), {"env": environment_id}).scalars())


def judge_acceptances(conn: sa.Connection, *, environment_id: str) -> dict[int, dict[str, bool]]:
    """Per judged example, per judge: whether that judge accepted every criterion."""
    rows = conn.execute(sa.text("""
        SELECT v.example_id, v.judge, bool_and(v.accept) AS accepted
        FROM lbi.verdicts v JOIN lbi.examples e ON e.id = v.example_id
        JOIN lbi.trajectories t ON t.id = e.trajectory_id
        WHERE t.environment_id = :env GROUP BY 1, 2
    """), {"env": environment_id})
    acceptance: dict[int, dict[str, bool]] = defaultdict(dict)
    for example_id, judge, accepted in rows:
        acceptance[example_id][judge] = accepted
    return dict(acceptance)


def examples_under_policy(acceptance: dict[int, dict[str, bool]], *, policy: str, committee: list[str]) -> list[int]:
    """The judged examples the committee's stored verdicts accept under ``policy`` (a judge who gave no
    verdict counts as not accepting, as in the committee's own decision)."""
    return sorted(e for e, by_judge in acceptance.items() if decision.accepts(policy, committee, by_judge))


def incompletely_judged(acceptance: dict[int, dict[str, bool]], *, committee: list[str]) -> int:
    """Judged examples some committee member gave no usable verdict on (not asked, or a broken answer)."""
    return sum(1 for by_judge in acceptance.values() if not set(committee) <= set(by_judge))


def self_instructed_trajectories(conn: sa.Connection, *, environment_id: str) -> list[tuple[int, str]]:
    """(trajectory id, the self-instructed task it was rolled out for) of every trajectory with steps."""
    return [tuple(row) for row in conn.execute(sa.text("""
        SELECT t.id, i.text FROM lbi.trajectories t JOIN lbi.instructions i ON i.id = t.instruction_id
        WHERE t.environment_id = :env AND i.origin = 'self_instruct' AND t.n_steps > 0 ORDER BY t.id
    """), {"env": environment_id})]


def documentation_chunks(conn: sa.Connection, *, environment_id: str) -> list[sa.Row]:
    """(id, title, text) of the environment's documentation chunks, in the chunkings its tasks came from."""
    return list(conn.execute(sa.text("""
        SELECT c.id, d.title, c.text FROM lbi.doc_chunks c
        JOIN lbi.documents d ON d.id = c.document_id
        JOIN lbi.environment_documents ed ON ed.document_id = c.document_id AND ed.environment_id = :env
        WHERE c.chunking IN (SELECT DISTINCT used.chunking FROM lbi.instruction_sources s
                             JOIN lbi.doc_chunks used ON used.id = s.chunk_id
                             JOIN lbi.instructions i ON i.id = s.instruction_id
                             WHERE i.environment_id = :env)
        ORDER BY c.id
    """), {"env": environment_id}))
