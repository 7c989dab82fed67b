"""Read a store back as content (ids aside), to compare runs made in different databases."""

from __future__ import annotations

import sqlalchemy as sa

DATA_TABLES = ("documents", "environment_documents", "doc_chunks", "instructions", "instruction_sources",
               "trajectories", "steps", "examples", "verdicts", "failed_generations", "skipped_documents")


def row_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM lbi.{t}")).scalar_one() for t in DATA_TABLES}
        counts["paid_calls"] = conn.execute(sa.text("SELECT count(*) FROM lbi.llm_calls WHERE status = 'ok'")).scalar_one()
    return counts


def examples(engine: sa.Engine) -> set[tuple]:
    """Every example as (kind, instruction, status, content): not by the task and span it came from,
    since of the trajectories sharing a span's content the one labeled first holds its example."""
    with engine.connect() as conn:
        return set(conn.execute(sa.text("""
            SELECT e.kind, i.text, e.status, lbi.span_content(e.trajectory_id, e.start_step, e.end_step)::text
            FROM lbi.examples e
            JOIN lbi.instructions i ON i.id = e.instruction_id
        """)).all())


def trajectories(engine: sa.Engine) -> set[tuple]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text("""
            SELECT i.text, t.status, string_agg(s.action || ' => ' || s.observation, ' || ' ORDER BY s.idx)
            FROM lbi.trajectories t JOIN lbi.instructions i ON i.id = t.instruction_id
            LEFT JOIN lbi.steps s ON s.trajectory_id = t.id GROUP BY i.text, t.status
        """)).all())


def assert_same_dataset(engine: sa.Engine, url_of_reference: str, *, same_row_counts: bool = False) -> None:
    """The store at ``engine`` holds the same trajectories and examples as the one at the URL
    (and, when asked, as many rows in every data table: nothing duplicated)."""
    reference = sa.create_engine(url_of_reference)
    try:
        assert trajectories(engine) == trajectories(reference)
        assert examples(engine) == examples(reference)
        if same_row_counts:
            ours, theirs = row_counts(engine), row_counts(reference)
            for table in DATA_TABLES:
                assert ours[table] == theirs[table], table
    finally:
        reference.dispose()
