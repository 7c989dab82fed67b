"""Requests and tokens per minute per model, honoured against the offline model over HTTP."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from lbi.models.client import ClientOptions, ModelClient


def _timed_calls(client: ModelClient, model: str, contents: list[str]) -> float:
    started = time.monotonic()
    with ThreadPoolExecutor(len(contents)) as pool:
        list(pool.map(lambda text: client.complete(role="r", model=model, messages=[{"role": "user", "content": text}]),
                      contents))
    return time.monotonic() - started


def _tokens_by_call(store: sa.Engine, model: str) -> list[int]:
    with store.connect() as conn:
        return list(conn.execute(sa.text("SELECT prompt_tokens + completion_tokens FROM lbi.llm_calls"
                                         " WHERE model = :m AND status = 'ok'"), {"m": model}).scalars())


def test_requests_per_minute_spaces_a_models_calls_and_leaves_other_models_alone(
        store: sa.Engine, offline_model: str) -> None:
    options = ClientOptions(concurrency=8, timeout_s=20, requests_per_minute={"offline-limited": 120})
    client = ModelClient(engine=store, base_url=offline_model, api_key="offline", run_id=None, options=options)
    try:
        unlimited = _timed_calls(client, "offline-free", [f"free {i}" for i in range(8)])
        limited = _timed_calls(client, "offline-limited", [f"limited {i}" for i in range(8)])
    finally:
        client.close()
    # 120 a minute is 2 a second, at most one second's worth at once: 2 at the start, then one every 0.5 s
    assert limited >= 0.95 * 3.0, f"8 calls at 120 requests a minute took only {limited:.2f}s"
    assert limited < 15
    assert unlimited < 2.5, f"a model with no limit waited ({unlimited:.2f}s for 8 calls)"


def test_tokens_per_minute_bounds_the_tokens_a_model_uses(store: sa.Engine, offline_model: str) -> None:
    tokens_per_minute = 6000  # 100 a second
    options = ClientOptions(concurrency=6, timeout_s=20, max_tokens=None, tokens_per_minute={"*": tokens_per_minute})
    client = ModelClient(engine=store, base_url=offline_model, api_key="offline", run_id=None, options=options)
    try:
        elapsed = _timed_calls(client, "offline-tpm", [f"question {i}: " + "word " * 80 for i in range(6)])
    finally:
        client.close()
    used = _tokens_by_call(store, "offline-tpm")
    per_second = tokens_per_minute / 60
    # whatever was sent by the end fits in one second's allowance plus what refilled since (the last call may overdraw)
    least = (sum(used) - max(used) - per_second) / per_second
    assert len(used) == 6 and least > 2, f"the calls used too few tokens to test the limit: {used}"
    assert elapsed >= 0.95 * least, f"{sum(used)} tokens in {elapsed:.2f}s at {tokens_per_minute} a minute"
    assert elapsed < 30
