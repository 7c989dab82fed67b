"""Counts per stage, keep rate and model usage: for one run's scope, or for a whole environment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lbi.store import runs


def _scalar(conn: sa.Connection, sql: str, **params: Any) -> Any:
    return conn.execute(sa.text(sql), params).scalar()


def keep_rate(accepted: int, rejected: int) -> float | None:
    decided = accepted + rejected
    return round(accepted / decided, 4) if decided else None


def run_totals(conn: sa.Connection, *, run_id: int, chunk_ids: list[int], instruction_ids: list[int],
               trajectory_ids: list[int]) -> dict[str, Any]:
    """Everything a run covered (made now or found done by an earlier run), and what it cost."""
    t = {"t": trajectory_ids}
    statuses = dict(conn.execute(
        sa.text("SELECT status, count(*) FROM lbi.examples WHERE trajectory_id = ANY(:t) GROUP BY status"), t
    ).all())
    run = runs.get_run(conn, run_id=run_id)
    calls = dict(conn.execute(
        sa.text("SELECT status, count(*) FROM lbi.llm_calls WHERE run_id = :r GROUP BY status"), {"r": run_id}
    ).all())
    accepted, rejected = statuses.get("accepted", 0), statuses.get("rejected", 0)
    return {
        "documents": _scalar(conn, "SELECT count(DISTINCT document_id) FROM lbi.doc_chunks WHERE id = ANY(:c)",
                             c=chunk_ids),
        "skipped_documents": _scalar(conn, "SELECT count(*) FROM lbi.skipped_documents WHERE run_id = :r", r=run_id),
        "chunks": len(chunk_ids),
        "instructions": len(instruction_ids),
        "trajectories": len(trajectory_ids),
        "steps": _scalar(conn, "SELECT coalesce(sum(n_steps), 0) FROM lbi.trajectories WHERE id = ANY(:t)", **t),
        "examples": sum(statuses.values()),
        "verdicts": _scalar(conn, "SELECT count(*) FROM lbi.verdicts v JOIN lbi.examples e ON e.id = v.example_id"
                                  " WHERE e.trajectory_id = ANY(:t)", **t),
        "accepted": accepted,
        "rejected": rejected,
        "pending": statuses.get("pending", 0),
        "keep_rate": keep_rate(accepted, rejected),
        "failed_generations": _scalar(conn, "SELECT count(*) FROM lbi.failed_generations WHERE run_id = :r",
                                      r=run_id),
        "model_calls": calls.get("ok", 0),
        "failed_model_calls": calls.get("error", 0),
        "cached_calls": run["cache_hits"],
        "tokens": run["tokens"],
        "cached_tokens": run["cached_tokens"],
    }


def environment_stats(conn: sa.Connection, *, environment_id: str | None) -> list[dict[str, Any]]:
    """One row per environment: rows per stage, keep rate, and the model usage of its synthesize
    runs (evaluation runs apart, in ``evaluation_*``). Every number is a JSON number."""
    rows = conn.execute(sa.text("""
        WITH usage AS (
          SELECT r.environment_id, r.flow, count(*) AS runs,
            coalesce(sum(k.cache_hits), 0) AS cached_calls, coalesce(sum(k.tokens), 0) AS paid_tokens,
            coalesce(sum(k.cached_tokens), 0) AS cached_tokens,
            coalesce(sum((SELECT count(*) FROM lbi.llm_calls l WHERE l.run_id = r.id AND l.status <> 'error')), 0)
              AS paid_calls,
            coalesce(sum((SELECT count(*) FROM lbi.llm_calls l WHERE l.run_id = r.id AND l.status = 'invalid')), 0)
              AS invalid_calls,
            coalesce(sum((SELECT count(*) FROM lbi.llm_calls l WHERE l.run_id = r.id AND l.status = 'error')), 0)
              AS failed_calls
          FROM lbi.runs r JOIN lbi.run_counters k ON k.run_id = r.id GROUP BY r.environment_id, r.flow)
        SELECT e.id AS environment,
          (SELECT count(*) FROM lbi.environment_documents d WHERE d.environment_id = e.id) AS documents,
          (SELECT count(*) FROM lbi.skipped_documents s WHERE s.environment_id = e.id) AS skipped_documents,
          (SELECT count(*) FROM lbi.doc_chunks c JOIN lbi.environment_documents d ON d.document_id = c.document_id
             WHERE d.environment_id = e.id) AS chunks,
          (SELECT count(*) FROM lbi.instructions i WHERE i.environment_id = e.id AND i.origin = 'self_instruct')
             AS instructions,
          (SELECT count(*) FROM lbi.trajectories t WHERE t.environment_id = e.id) AS trajectories,
          (SELECT coalesce(sum(n_steps), 0) FROM lbi.trajectories t WHERE t.environment_id = e.id) AS steps,
          (SELECT count(*) FROM lbi.examples x JOIN lbi.trajectories t ON t.id = x.trajectory_id
             WHERE t.environment_id = e.id) AS examples,
          (SELECT count(*) FROM lbi.verdicts v JOIN lbi.examples x ON x.id = v.example_id
             JOIN lbi.trajectories t ON t.id = x.trajectory_id WHERE t.environment_id = e.id) AS verdicts,
          (SELECT count(*) FROM lbi.examples x JOIN lbi.trajectories t ON t.id = x.trajectory_id
             WHERE t.environment_id = e.id AND x.status = 'accepted') AS accepted,
          (SELECT count(*) FROM lbi.examples x JOIN lbi.trajectories t ON t.id = x.trajectory_id
             WHERE t.environment_id = e.id AND x.status = 'rejected') AS rejected,
          coalesce(s.runs, 0) AS runs, coalesce(s.paid_calls, 0) AS paid_calls,
          coalesce(s.invalid_calls, 0) AS invalid_calls, coalesce(s.failed_calls, 0) AS failed_calls,
          coalesce(s.cached_calls, 0) AS cached_calls, coalesce(s.paid_tokens, 0) AS paid_tokens,
          coalesce(s.cached_tokens, 0) AS cached_tokens,
          coalesce(v.runs, 0) AS evaluation_runs, coalesce(v.paid_calls, 0) AS evaluation_paid_calls,
          coalesce(v.paid_tokens, 0) AS evaluation_paid_tokens
        FROM lbi.environments e
        LEFT JOIN usage s ON s.environment_id = e.id AND s.flow = 'synthesize'
        LEFT JOIN usage v ON v.environment_id = e.id AND v.flow = 'evaluate'
        WHERE CAST(:env AS text) IS NULL OR e.id = :env
        ORDER BY e.id
    """), {"env": environment_id}).mappings().all()
    result = []
    for row in rows:
        item = {key: int(value) if isinstance(value, Decimal) else value for key, value in row.items()}
        item["keep_rate"] = keep_rate(item["accepted"], item["rejected"])
        result.append(item)
    return result
