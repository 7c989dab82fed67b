"""The accepted dataset as records: one per example, read from the analysts' view ``lbi.accepted_dataset``,
so an export and the view call the same things by the same names (docs/schema.md)."""

from __future__ import annotations

from typing import Any, Iterator

import sqlalchemy as sa

SCHEMA_VERSION = "2.0"

# The record's fields in order; every one but schema_version, final_artifacts and verdicts is a column
# of lbi.accepted_dataset of the same name.
VIEW_COLUMNS = (
    "example_id", "environment_id", "kind", "instruction", "summary", "start_observation", "steps", "span_steps",
    "start_step", "end_step", "task", "source_chunk_id", "source_document_id", "source_document_title",
    "source_document_path", "source_document_hash", "trajectory_id", "trajectory_status", "actor_model", "policy",
    "run_id", "accepted_run_id",
)
RECORD_FIELDS = ("schema_version", *VIEW_COLUMNS, "final_artifacts", "verdicts")

_EXAMPLES = sa.text(f"""
    SELECT {', '.join(VIEW_COLUMNS)} FROM lbi.accepted_dataset
    WHERE environment_id = :env AND run_id >= :since
    ORDER BY trajectory_id, start_step, end_step, kind
""")

_VERDICTS = sa.text("""
    SELECT judge, criterion, accept, rationale FROM lbi.verdicts WHERE example_id = :e ORDER BY judge, criterion
""")


def accepted_examples(conn: sa.Connection, *, environment_id: str, since_run: int | None) -> Iterator[dict[str, Any]]:
    """Records in a stable order, so the same store always exports the same bytes."""
    for row in conn.execute(_EXAMPLES, {"env": environment_id, "since": since_run or 0}).mappings():
        steps = row["steps"]
        yield {
            "schema_version": SCHEMA_VERSION,
            **row,
            # what the environment holds after the span (the coding family's diff against the starting commit)
            "final_artifacts": steps[-1]["artifacts"] if steps else {},
            "verdicts": [dict(v) for v in conn.execute(_VERDICTS, {"e": row["example_id"]}).mappings()],
        }
