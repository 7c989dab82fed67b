"""The model-call ledger and cache (table lbi.llm_calls) and the run's budget counters."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # Postgres text holds no NUL; UTF-8 holds no lone surrogate


def storable_text(text: str) -> str:
    """``text`` with what Postgres cannot store (NUL, lone surrogates) replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


@dataclass(frozen=True)
class CachedAnswer:
    call_id: int
    text: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Lookup:
    cached: CachedAnswer | None  # the first successful answer to the request, if there is one
    reserved: bool  # no answer, and a call was counted against the run's budget (False: budget spent)


def serve_or_reserve(conn: sa.Connection, *, request_hash: str, run_id: int | None) -> Lookup:
    """The first successful answer to this request, counted as a cache hit of the run; when there
    is none, one call counted against the run's budget. One statement."""
    row = conn.execute(
        sa.text(
            "WITH hit AS (SELECT id, response_text, prompt_tokens, completion_tokens FROM lbi.llm_calls"
            "             WHERE request_hash = :h AND status = 'ok' ORDER BY id LIMIT 1),"
            " counted AS (UPDATE lbi.runs SET cache_hits = cache_hits + (SELECT count(*) FROM hit),"
            "             cached_tokens = cached_tokens"
            "                             + coalesce((SELECT prompt_tokens + completion_tokens FROM hit), 0),"
            "             llm_calls = llm_calls + 1 - (SELECT count(*) FROM hit)"
            "             WHERE id = :r AND (EXISTS (SELECT 1 FROM hit)"
            "                   OR ((max_llm_calls IS NULL OR llm_calls < max_llm_calls)"
            "                       AND (max_tokens IS NULL OR tokens < max_tokens)))"
            "             RETURNING id)"
            " SELECT hit.id, hit.response_text, hit.prompt_tokens, hit.completion_tokens,"
            "        EXISTS (SELECT 1 FROM counted) AS counted"
            " FROM (SELECT 1) AS one LEFT JOIN hit ON true"
        ),
        {"h": request_hash, "r": run_id},
    ).one()
    if row.id is not None:
        return Lookup(CachedAnswer(row.id, row.response_text, row.prompt_tokens, row.completion_tokens), False)
    return Lookup(None, run_id is None or row.counted)


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
    request_json: str,
    status: str,
    response_text: str | None = None,
    error: str | None = None,
    http_status: int | None = None,
    attempt: int = 1,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    latency_ms: int = 0,
) -> int:
    """Write one ledger row and count its tokens against the run (one statement);
    the first success for a request is the one the cache serves. Text Postgres cannot store
    is replaced (``storable_text``), so a paid call always gets its row."""
    return conn.execute(
        sa.text(
            "WITH call AS (INSERT INTO lbi.llm_calls (request_hash, run_id, role, model, status, request,"
            " response_text, error, http_status, attempt, prompt_tokens, completion_tokens, latency_ms)"
            " VALUES (:h, :r, :role, :model, :status, CAST(:request AS jsonb), :text, :error, :http, :attempt,"
            " :pt, :ct, :lat) RETURNING id),"
            " spent AS (UPDATE lbi.runs SET tokens = tokens + :pt + :ct WHERE id = :r AND :status <> 'error')"
            " SELECT id FROM call"
        ),
        {
            "h": request_hash, "r": run_id, "role": role, "model": model, "status": status,
            "request": storable_text(request_json), "text": _storable(response_text), "error": _storable(error),
            "http": http_status,
            "attempt": attempt, "pt": prompt_tokens, "ct": completion_tokens, "lat": latency_ms,
        },
    ).scalar_one()


def _storable(text: str | None) -> str | None:
    return None if text is None else storable_text(text)
