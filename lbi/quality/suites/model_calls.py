"""The run's model calls (the ledger), after every stage that calls a model."""

from __future__ import annotations

from lbi.quality.config import GateConfig
from lbi.quality.scope import Scope
from lbi.quality.suite import BATCH, Check, Suite, between, in_set, no_rows


def rows(scope: Scope) -> str:
    return f"""
        SELECT l.id AS call_id, l.run_id, l.role, l.model, l.status, l.prompt_tokens, l.completion_tokens,
               l.latency_ms, l.response_text IS NOT NULL AS answered
        FROM lbi.llm_calls l
        WHERE {scope.runs("l.run_id")}
    """


def checks(config: GateConfig) -> list[Check]:
    return [
        in_set("call_status_known", "a call is ok, error or invalid", "status", ["ok", "error", "invalid"]),
        between("prompt_tokens_non_negative", "prompt token counts are not negative", "prompt_tokens", min_value=0),
        between("completion_tokens_non_negative", "completion token counts are not negative",
                "completion_tokens", min_value=0),
        between("latency_non_negative", "latencies are not negative", "latency_ms", min_value=0, severity="warn"),
        no_rows(
            "ok_call_has_answer", "a successful call (what the cache serves) has its answer's text",
            f"SELECT call_id FROM {BATCH} WHERE status = 'ok' AND NOT answered", id_column="call_id",
        ),
        no_rows(
            "run_tokens_match_ledger", "a run's token counter equals the tokens of its paid calls in the ledger",
            "SELECT k.run_id, k.tokens, sum(b.prompt_tokens + b.completion_tokens) AS ledger_tokens"
            f" FROM {BATCH} b JOIN lbi.run_counters k ON k.run_id = b.run_id WHERE b.status <> 'error'"
            " GROUP BY k.run_id, k.tokens HAVING k.tokens <> sum(b.prompt_tokens + b.completion_tokens)",
            id_column="run_id", severity="warn",
        ),
    ]


SUITE = Suite(name="model_calls", key="call_id", rows=rows, checks=checks)
