"""Hostile model answers over real HTTP: text Postgres cannot store, usage figures not to be
believed, the API key echoed back, waits a server asks for. Every paid answer gets its
ledger row, nothing stored holds the key, and no call waits longer than its caps."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from lbi.errors import ModelError
from lbi.models.client import UNSTORABLE_ANSWER, ClientOptions, ModelClient
from lbi.prompts.parsing import ParseFailure
from lbi.store import runs
from tests.models.scripted_server import Reply, scripted

MESSAGES = [{"role": "user", "content": "hi"}]
FAST = ClientOptions(concurrency=2, timeout_s=5, max_retries=3, max_invalid_answers=1, backoff_base_s=0.01,
                     backoff_max_s=0.05)
SECRET = "sk-live-0123456789abcdef"


def _body(content: Any, usage: Any = None) -> bytes:
    body: dict[str, Any] = {"id": "x", "object": "chat.completion",
                            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
    if usage is not None:
        body["usage"] = usage
    return json.dumps(body).encode()


def _run(store: sa.Engine) -> int:
    with store.begin() as conn:
        return runs.create_run(conn, flow="test", environment_id=None, params={}, max_llm_calls=None, max_tokens=None)


def _client(store: sa.Engine, url: str, run_id: int, options: ClientOptions = FAST) -> ModelClient:
    return ModelClient(engine=store, base_url=url, api_key=SECRET, run_id=run_id, options=options)


def _ledger(store: sa.Engine) -> list[sa.Row]:
    with store.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM lbi.llm_calls ORDER BY id")).all()


@pytest.mark.parametrize("content", ["before\x00after", "lone \ud800 surrogate", "\udfff", "\x00"])
def test_an_unstorable_answer_is_stored_sanitised_as_invalid_and_never_paid_twice(store: sa.Engine,
                                                                                  content: str) -> None:
    run_id = _run(store)
    with scripted([Reply(raw_body=_body(content, {"prompt_tokens": 3, "completion_tokens": 2}))]) as (url, seen):
        client = _client(store, url, run_id)
        answer = client.complete(role="r", model="m", messages=MESSAGES)
        client.close()
    assert isinstance(answer.parsed, ParseFailure) and answer.parsed.reason == UNSTORABLE_ANSWER
    assert "\x00" not in answer.text and "\ufffd" in answer.text
    rows = _ledger(store)
    assert len(rows) == len(seen) == 1 + FAST.max_invalid_answers, "every paid answer has its row"
    assert {(r.status, r.error) for r in rows} == {("invalid", UNSTORABLE_ANSWER)}
    assert all("\ufffd" in r.response_text for r in rows)
    with store.connect() as conn:
        assert runs.get_run(conn, run_id=run_id)["tokens"] == 5 * len(rows)


@pytest.mark.parametrize("content", ["a\x00b", "\ud800"])
def test_unstorable_text_in_the_request_is_stored_and_posted_the_same(store: sa.Engine, content: str) -> None:
    run_id = _run(store)
    with scripted([Reply(content="fine")]) as (url, seen):
        client = _client(store, url, run_id)
        answer = client.complete(role="r", model="m", messages=[{"role": "user", "content": content}])
        client.close()
    assert answer.text == "fine"
    [row] = _ledger(store)
    assert row.status == "ok" and row.request["messages"] == seen[0]["body"]["messages"]
    assert "\ufffd" in seen[0]["body"]["messages"][0]["content"]


@pytest.mark.parametrize("usage", [
    {"prompt_tokens": -50, "completion_tokens": -7},
    {"prompt_tokens": 10**30, "completion_tokens": 2**63},
    {"prompt_tokens": "many", "completion_tokens": True},
    {"prompt_tokens": 1e300, "completion_tokens": 3.5},
    {"prompt_tokens": float("nan"), "completion_tokens": float("-inf")},
    "not an object",
    [1, 2],
])
def test_usage_figures_not_to_be_believed_are_estimated(store: sa.Engine, usage: Any) -> None:
    run_id = _run(store)
    with scripted([Reply(raw_body=_body("answer", usage))]) as (url, _seen):
        client = _client(store, url, run_id)
        answer = client.complete(role="r", model="m", messages=MESSAGES)
        client.close()
    assert 0 < answer.prompt_tokens < 1000 and 0 < answer.completion_tokens < 1000
    [row] = _ledger(store)
    assert row.status == "ok" and (row.prompt_tokens, row.completion_tokens) == (answer.prompt_tokens,
                                                                                 answer.completion_tokens)
    with store.connect() as conn:
        assert runs.get_run(conn, run_id=run_id)["tokens"] == row.prompt_tokens + row.completion_tokens


def _dump(store: sa.Engine) -> str:
    with store.connect() as conn:
        return " ".join(conn.execute(sa.text(
            "SELECT coalesce(string_agg(t::text, ' '), '') FROM lbi.llm_calls t"
            " UNION ALL SELECT coalesce(string_agg(t::text, ' '), '') FROM lbi.runs t")).scalars())


def test_the_api_key_is_scrubbed_from_answers_errors_and_requests(store: sa.Engine) -> None:
    run_id = _run(store)
    echo = f"your key is {SECRET}, and again: Bearer {SECRET}"
    error_body = json.dumps({"error": {"message": f"key {SECRET} is rate limited"}}).encode()
    replies = [Reply(status=503, raw_body=error_body), Reply(raw_body=_body(echo, {"prompt_tokens": 1,
                                                                                    "completion_tokens": 1}))]
    with scripted(replies) as (url, seen):
        client = _client(store, url, run_id)
        answer = client.complete(role="r", model="m", messages=[{"role": "user", "content": f"env: KEY={SECRET}"}])
        again = client.complete(role="r", model="m", messages=[{"role": "user", "content": f"env: KEY={SECRET}"}])
        client.close()
    assert seen[0]["authorization"] == f"Bearer {SECRET}", "the key still reaches the server"
    assert SECRET not in answer.text and answer.text.count("***") == 2
    assert again.cached and again.text == answer.text
    assert SECRET not in json.dumps([s["body"] for s in seen]), "nor is it sent in a prompt"
    dump = _dump(store)
    assert "rate limited" in dump and SECRET not in dump


def test_a_short_placeholder_key_is_not_scrubbed_from_answers(store: sa.Engine) -> None:
    run_id = _run(store)
    with scripted([Reply(content="offline-judge-a says offline")]) as (url, _seen):
        client = ModelClient(engine=store, base_url=url, api_key="offline", run_id=run_id, options=FAST)
        assert client.complete(role="r", model="m", messages=MESSAGES).text == "offline-judge-a says offline"
        client.close()


@pytest.mark.parametrize("headers", [{"retry-after-ms": "2000000000"}, {"Retry-After": "99999999"},
                                     {"retry-after-ms": "inf"}, {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}])
def test_every_wait_a_server_asks_for_is_capped(store: sa.Engine, headers: dict[str, str]) -> None:
    run_id = _run(store)
    options = ClientOptions(concurrency=1, timeout_s=5, max_retries=3, max_retry_after_s=0.2)
    with scripted([Reply(status=429, headers=headers), Reply(content="ok")]) as (url, _seen):
        client = _client(store, url, run_id, options)
        started = time.monotonic()
        answer = client.complete(role="r", model="m", messages=MESSAGES)
        waited = time.monotonic() - started
        client.close()
    assert answer.text == "ok" and 0.2 <= waited < 5


def test_the_total_wait_of_a_call_is_capped(store: sa.Engine) -> None:
    run_id = _run(store)
    options = ClientOptions(concurrency=1, timeout_s=5, max_retries=100, max_total_wait_s=1.0)
    with scripted([Reply(status=503, headers={"Retry-After": "0.4"})]) as (url, seen):
        client = _client(store, url, run_id, options)
        started = time.monotonic()
        with pytest.raises(ModelError, match=r"would wait 1s in all \(cap 1s\)"):
            client.complete(role="r", model="m", messages=MESSAGES)
        waited = time.monotonic() - started
        client.close()
    assert len(seen) == 3 and waited < 2


def test_a_stop_ends_a_wait_at_once(store: sa.Engine) -> None:
    run_id = _run(store)
    options = ClientOptions(concurrency=1, timeout_s=5, max_retries=3)
    with scripted([Reply(status=429, headers={"Retry-After": "60"})]) as (url, _seen):
        client = _client(store, url, run_id, options)
        threading.Timer(0.5, client.stop, args=("a gate stopped the run",)).start()
        started = time.monotonic()
        with pytest.raises(Exception, match="a gate stopped the run"):
            client.complete(role="r", model="m", messages=MESSAGES)
        assert time.monotonic() - started < 5
        client.close()
