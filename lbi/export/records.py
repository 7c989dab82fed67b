"""The accepted dataset as records: one per example, with its sub-trajectory and provenance."""

from __future__ import annotations

from typing import Any, Iterator

import sqlalchemy as sa

from lbi.store import trajectories

SCHEMA_VERSION = "1.0"

_EXAMPLES = sa.text("""
    SELECT e.id, e.trajectory_id, e.start_step, e.end_step, e.kind, e.run_id, i.text AS instruction,
           t.environment_id, t.actor_model, t.status AS trajectory_status, src.text AS source_task,
           d.title AS document_title, d.content_hash AS document_hash, s.chunk_id
    FROM lbi.examples e
    JOIN lbi.instructions i ON i.id = e.instruction_id
    JOIN lbi.trajectories t ON t.id = e.trajectory_id
    JOIN lbi.instructions src ON src.id = t.instruction_id
    LEFT JOIN LATERAL (SELECT min(chunk_id) AS chunk_id FROM lbi.instruction_sources
                       WHERE instruction_id = src.id) s ON true
    LEFT JOIN lbi.doc_chunks c ON c.id = s.chunk_id
    LEFT JOIN lbi.documents d ON d.id = c.document_id
    WHERE e.status = 'accepted' AND t.environment_id = :env AND e.run_id >= :since
    ORDER BY e.trajectory_id, e.start_step, e.end_step, e.kind
""")

_VERDICTS = sa.text("""
    SELECT judge, criterion, accept, rationale FROM lbi.verdicts WHERE example_id = :e ORDER BY judge, criterion
""")


def accepted_examples(conn: sa.Connection, *, environment_id: str, since_run: int | None) -> Iterator[dict[str, Any]]:
    """Records in a stable order, so the same store always exports the same bytes."""
    loaded: dict[int, trajectories.StoredTrajectory] = {}
    rows = conn.execute(_EXAMPLES, {"env": environment_id, "since": since_run or 0}).mappings().all()
    for row in rows:
        if row["trajectory_id"] not in loaded:
            loaded.clear()  # rows come grouped by trajectory
            loaded[row["trajectory_id"]] = trajectories.load(conn, trajectory_id=row["trajectory_id"])
        trajectory = loaded[row["trajectory_id"]]
        start, turns = trajectory.span(row["start_step"], row["end_step"])
        errors = {s.idx: s.observation_error for s in trajectory.steps}
        reasons = {s.idx: s.reason for s in trajectory.steps}
        artifacts = {s.idx: dict(s.artifacts) for s in trajectory.steps}
        indices = [s.idx for s in trajectory.clean_steps if row["start_step"] <= s.idx <= row["end_step"]]
        yield {
            "schema_version": SCHEMA_VERSION,
            "example_id": row["id"],
            "environment": row["environment_id"],
            "instruction": row["instruction"],
            "kind": row["kind"],
            "span": {"start_step": row["start_step"], "end_step": row["end_step"], "length": len(turns)},
            "initial_observation": start,
            "steps": [
                {"action": turn.action, "observation": turn.observation, "error": errors[idx], "reason": reasons[idx],
                 "artifacts": artifacts[idx]}
                for idx, turn in zip(indices, turns)
            ],
            # what the environment holds after the span (the coding family's diff against the starting commit)
            "final_artifacts": artifacts[indices[-1]] if indices else {},
            "provenance": {
                "trajectory_id": row["trajectory_id"],
                "trajectory_status": row["trajectory_status"],
                "source_task": row["source_task"],
                "actor_model": row["actor_model"],
                "document_title": row["document_title"],
                "document_hash": row["document_hash"],
                "chunk_id": row["chunk_id"],
                "run_id": row["run_id"],
                "verdicts": [dict(v) for v in conn.execute(_VERDICTS, {"e": row["id"]}).mappings()],
            },
        }
