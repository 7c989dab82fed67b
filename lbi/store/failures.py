"""Model answers that did not follow their role's contract, one row per stage, subject and model."""

from __future__ import annotations

import sqlalchemy as sa


def record_failed_generation(conn: sa.Connection, *, stage: str, subject: str, model: str, reason: str,
                             answer: str, run_id: int) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO lbi.failed_generations (stage, subject, model, reason, answer, run_id)"
            " VALUES (:stage, :subject, :model, :reason, :answer, :run) ON CONFLICT DO NOTHING"
        ),
        {"stage": stage, "subject": subject, "model": model, "reason": reason, "answer": answer[:20_000],
         "run": run_id},
    )


def failed_models(conn: sa.Connection, *, stage: str, subject: str) -> set[str]:
    """Models whose answer for this subject broke the contract (their work is done, as failed)."""
    return set(conn.execute(
        sa.text("SELECT model FROM lbi.failed_generations WHERE stage = :stage AND subject = :subject"),
        {"stage": stage, "subject": subject},
    ).scalars())


def failed_subjects(conn: sa.Connection, *, stage: str, subject_prefix: str) -> set[tuple[str, str]]:
    """(subject, model) of the broken answers of ``stage`` whose subject starts with the prefix."""
    rows = conn.execute(
        sa.text("SELECT subject, model FROM lbi.failed_generations WHERE stage = :stage"
                " AND starts_with(subject, :prefix)"),
        {"stage": stage, "prefix": subject_prefix},
    )
    return {(subject, model) for subject, model in rows}
