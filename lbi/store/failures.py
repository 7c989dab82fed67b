"""Model answers that did not follow their role's contract, one row per stage, subject and model.

A failure is final for the run that recorded it. Later runs of the same environment ask
again until the unit has failed ``retries`` + 1 times (LBI_RETRY_FAILED_GENERATIONS, default 1:
one more attempt); ``clear`` (``lbi failures clear``) forgets failures, so their units are asked again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lbi.store.ledger import storable_text

# A failure still standing (SQL over ``f``, needing :retries): it failed too often, or no later run
# of its environment has begun.
STANDING = """(f.attempts > :retries OR NOT EXISTS (
    SELECT 1 FROM lbi.runs later WHERE later.id > coalesce(f.run_id, 0) AND later.flow = 'synthesize'
      AND (f.run_id IS NULL OR later.environment_id IS NOT DISTINCT FROM
           (SELECT failing.environment_id FROM lbi.runs failing WHERE failing.id = f.run_id))))"""


def configured_retries() -> int:
    """LBI_RETRY_FAILED_GENERATIONS. Read here so that the stage tasks consult failures alone."""
    from lbi.config import Settings

    return Settings().retry_failed_generations


def record_failed_generation(conn: sa.Connection, *, stage: str, subject: str, model: str, reason: str,
                             answer: str, run_id: int) -> None:
    """Store a broken answer; a later run's failure for the same unit counts one more attempt."""
    conn.execute(
        sa.text(
            "INSERT INTO lbi.failed_generations AS f (stage, subject, model, reason, answer, run_id)"
            " VALUES (:stage, :subject, :model, :reason, :answer, :run)"
            " ON CONFLICT (stage, subject, model) DO UPDATE SET attempts = f.attempts + 1, reason = EXCLUDED.reason,"
            " answer = EXCLUDED.answer, run_id = EXCLUDED.run_id, created_at = now()"
            " WHERE f.run_id IS DISTINCT FROM EXCLUDED.run_id"
        ),
        {"stage": stage, "subject": subject, "model": model, "reason": storable_text(reason),
         "answer": storable_text(answer[:20_000]), "run": run_id},
    )


def failed_models(conn: sa.Connection, *, stage: str, subjects: list[str],
                  retries: int | None = None) -> dict[str, set[str]]:
    """For each of the subjects with any, the models whose answer for it broke the contract and are not
    to be asked again now."""
    rows = conn.execute(
        sa.text(f"SELECT f.subject, f.model FROM lbi.failed_generations f WHERE f.stage = :stage"
                f" AND f.subject = ANY(CAST(:subjects AS text[])) AND {STANDING}"),
        {"stage": stage, "subjects": subjects, "retries": retries_now(retries)},
    )
    models: dict[str, set[str]] = {}
    for subject, model in rows:
        models.setdefault(subject, set()).add(model)
    return models


def failed_subjects(conn: sa.Connection, *, stage: str, subject_prefix: str,
                    retries: int | None = None) -> set[tuple[str, str]]:
    """(subject, model) of the standing broken answers of ``stage`` whose subject starts with the prefix."""
    rows = conn.execute(
        sa.text(f"SELECT f.subject, f.model FROM lbi.failed_generations f WHERE f.stage = :stage"
                f" AND starts_with(f.subject, :prefix) AND {STANDING}"),
        {"stage": stage, "prefix": subject_prefix, "retries": retries_now(retries)},
    )
    return {(subject, model) for subject, model in rows}


def clear(conn: sa.Connection, *, environment_id: str | None, stage: str | None) -> int:
    """Forget the failures (of one environment's runs, of one stage); returns how many."""
    return conn.execute(
        sa.text(
            "DELETE FROM lbi.failed_generations f"
            " WHERE (CAST(:stage AS text) IS NULL OR f.stage = :stage)"
            " AND (CAST(:env AS text) IS NULL"
            "      OR f.run_id IN (SELECT r.id FROM lbi.runs r WHERE r.environment_id = :env))"
        ),
        {"stage": stage, "env": environment_id},
    ).rowcount


def counts(conn: sa.Connection, *, environment_id: str | None) -> list[dict[str, Any]]:
    """Failures per environment, stage and model, with the most attempts any of them took."""
    rows = conn.execute(sa.text(
        "SELECT r.environment_id AS environment, f.stage, f.model, count(*) AS failures,"
        " max(f.attempts) AS most_attempts"
        " FROM lbi.failed_generations f LEFT JOIN lbi.runs r ON r.id = f.run_id"
        " WHERE CAST(:env AS text) IS NULL OR r.environment_id = :env"
        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"), {"env": environment_id}).mappings()
    return [dict(row) for row in rows]


def retries_now(retries: int | None) -> int:
    return configured_retries() if retries is None else retries
