"""The model-call ledger and cache (table lbi.llm_calls) and the run's budget counters."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class CachedAnswer:
    call_id: int
    text: str
    prompt_tokens: int
    completion_tokens: int


def cached_answer(conn: sa.Connection, *, request_hash: str) -> CachedAnswer | None:
    row = conn.execute(
        sa.text(
            "SELECT id, response_text, prompt_tokens, completion_tokens FROM lbi.llm_calls"
            " WHERE request_hash = :h AND status = 'ok' ORDER BY id LIMIT 1"
        ),
        {"h": request_hash},
    ).first()
    return CachedAnswer(*row) if row else None


def record_cache_hit(conn: sa.Connection, *, run_id: int | None, tokens: int) -> None:
    if run_id is None:
        return
    conn.execute(
        sa.text("UPDATE lbi.runs SET cache_hits = cache_hits + 1, cached_tokens = cached_tokens + :t WHERE id = :r"),
        {"r": run_id, "t": tokens},
    )


def reserve_call(conn: sa.Connection, *, run_id: int | None) -> bool:
    """Count one call against the run's budget; False when the budget is spent."""
    if run_id is None:
        return True
    row = conn.execute(
        sa.text(
            "UPDATE lbi.runs SET llm_calls = llm_calls + 1 WHERE id = :r"
            " AND (max_llm_calls IS NULL OR llm_calls < max_llm_calls)"
            " AND (max_tokens IS NULL OR tokens < max_tokens) RETURNING id"
        ),
        {"r": run_id},
    ).first()
    return row is not None


def budget_state(conn: sa.Connection, *, run_id: int) -> tuple[int, int | None, int, int | None]:
    """(calls made, call cap, tokens used, token cap) of a run."""
    row = conn.execute(
        sa.text("SELECT llm_calls, max_llm_calls, tokens, max_tokens FROM lbi.runs WHERE id = :r"), {"r": run_id}
    ).one()
    return tuple(row)  # type: ignore[return-value]


def record_call(
    conn: sa.Connection,
    *,
    request_hash: str,
    run_id: int | None,
    role: str,
    model: str,
    request: dict,
    status: str,
    response_text: str | None = None,
    error: str | None = None,
    http_status: int | None = None,
    attempt: int = 1,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    latency_ms: int = 0,
) -> int:
    """Write one ledger row; the first success for a request is the one the cache serves."""
    call_id = conn.execute(
        sa.text(
            "INSERT INTO lbi.llm_calls (request_hash, run_id, role, model, status, request, response_text, error,"
            " http_status, attempt, prompt_tokens, completion_tokens, latency_ms)"
            " VALUES (:h, :r, :role, :model, :status, CAST(:request AS jsonb), :text, :error, :http, :attempt,"
            " :pt, :ct, :lat)"
            " RETURNING id"
        ),
        {
            "h": request_hash, "r": run_id, "role": role, "model": model, "status": status,
            "request": json.dumps(request), "text": response_text, "error": error, "http": http_status,
            "attempt": attempt, "pt": prompt_tokens, "ct": completion_tokens, "lat": latency_ms,
        },
    ).scalar_one()
    if run_id is not None and status != "error":
        conn.execute(
            sa.text("UPDATE lbi.runs SET tokens = tokens + :t WHERE id = :r"),
            {"r": run_id, "t": prompt_tokens + completion_tokens},
        )
    return call_id
