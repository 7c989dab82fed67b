"""The model client against real HTTP: cache, ledger, retries, budget, secrets."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from lbi import progress
from lbi.errors import BudgetExhausted, ModelError
from lbi.models.client import ClientOptions, ModelClient
from lbi.prompts.parsing import ParseFailure
from lbi.store import runs
from tests.models.scripted_server import Reply, scripted

MESSAGES = [{"role": "user", "content": "hi"}]
FAST = ClientOptions(concurrency=2, timeout_s=2, max_retries=3, backoff_base_s=0.01, backoff_max_s=0.05)


def _run(store: sa.Engine, **caps: int | None) -> int:
    with store.begin() as conn:
        return runs.create_run(conn, flow="test", environment_id=None, params={},
                               max_llm_calls=caps.get("calls"), max_tokens=caps.get("tokens"))


def _client(store: sa.Engine, base_url: str, run_id: int, api_key: str = "sk-test-secret") -> ModelClient:
    return ModelClient(engine=store, base_url=base_url, api_key=api_key, run_id=run_id, options=FAST)


def _ledger(store: sa.Engine) -> list[sa.Row]:
    with store.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM lbi.llm_calls ORDER BY id")).all()


def test_second_identical_request_is_served_from_the_store(store: sa.Engine) -> None:
    run_id = _run(store)
    with scripted([Reply(content="first answer")]) as (url, seen):
        client = _client(store, url, run_id)
        first = client.complete(role="r", model="m", messages=MESSAGES)
        second = client.complete(role="r", model="m", messages=MESSAGES)
    assert (first.text, first.cached) == ("first answer", False)
    assert (second.text, second.cached, second.call_id) == ("first answer", True, first.call_id)
    assert len(seen) == 1
    with store.connect() as conn:
        run = runs.get_run(conn, run_id=run_id)
    assert (run["llm_calls"], run["cache_hits"], run["tokens"], run["cached_tokens"]) == (1, 1, 15, 15)


def test_429_with_retry_after_then_success(store: sa.Engine) -> None:
    run_id = _run(store)
    replies = [Reply(status=429, headers={"Retry-After": "0.3"}), Reply(content="ok now")]
    with scripted(replies) as (url, seen):
        started = time.monotonic()
        answer = _client(store, url, run_id).complete(role="r", model="m", messages=MESSAGES)
        waited = time.monotonic() - started
    assert answer.text == "ok now" and len(seen) == 2
    assert waited >= 0.3, "Retry-After was not honoured"
    rows = _ledger(store)
    assert [(r.status, r.http_status, r.attempt) for r in rows] == [("error", 429, 1), ("ok", None, 2)]


def test_failures_are_never_cached_as_answers(store: sa.Engine) -> None:
    run_id = _run(store)
    with scripted([Reply(status=500)]) as (url, _):
        with pytest.raises(ModelError, match="failed 4 times"):
            _client(store, url, run_id).complete(role="r", model="m", messages=MESSAGES)
    with scripted([Reply(content="recovered")]) as (url, seen):
        answer = _client(store, url, run_id).complete(role="r", model="m", messages=MESSAGES)
    assert answer.text == "recovered" and not answer.cached and len(seen) == 1


def test_truncated_body_is_retried(store: sa.Engine) -> None:
    run_id = _run(store)
    with scripted([Reply(raw_body=b'{"id": "x", "choi'), Reply(content="whole")]) as (url, _):
        answer = _client(store, url, run_id).complete(role="r", model="m", messages=MESSAGES)
    assert answer.text == "whole"
    assert [r.status for r in _ledger(store)] == ["error", "ok"]


def test_client_error_is_not_retried_and_names_the_model(store: sa.Engine) -> None:
    run_id = _run(store)
    with scripted([Reply(status=404)]) as (url, seen):
        with pytest.raises(ModelError, match="'m' refused the request: HTTP 404"):
            _client(store, url, run_id).complete(role="r", model="m", messages=MESSAGES)
    assert len(seen) == 1


def test_budget_cap_stops_before_the_call(store: sa.Engine) -> None:
    run_id = _run(store, calls=2)
    with scripted([Reply(content="a")]) as (url, seen):
        client = _client(store, url, run_id)
        client.complete(role="r", model="m", messages=[{"role": "user", "content": "1"}])
        client.complete(role="r", model="m", messages=[{"role": "user", "content": "2"}])
        with pytest.raises(BudgetExhausted, match=r"2 model calls \(cap 2\)"):
            client.complete(role="r", model="m", messages=[{"role": "user", "content": "3"}])
        cached = client.complete(role="r", model="m", messages=[{"role": "user", "content": "1"}])
    assert len(seen) == 2 and cached.cached
    with store.connect() as conn:
        run = runs.get_run(conn, run_id=run_id)
    assert (run["llm_calls"], run["cache_hits"]) == (2, 1), "a refused call was counted, or the cache hit was not"


def test_token_cap(store: sa.Engine) -> None:
    run_id = _run(store, tokens=20)
    with scripted([Reply(content="a")]) as (url, _):
        client = _client(store, url, run_id)
        client.complete(role="r", model="m", messages=[{"role": "user", "content": "1"}])
        client.complete(role="r", model="m", messages=[{"role": "user", "content": "2"}])
        with pytest.raises(BudgetExhausted, match="30 tokens"):
            client.complete(role="r", model="m", messages=[{"role": "user", "content": "3"}])


def test_api_key_reaches_the_server_but_never_the_store(store: sa.Engine) -> None:
    run_id = _run(store)
    with scripted([Reply(status=401), Reply(content="x")]) as (url, seen):
        with pytest.raises(ModelError):
            _client(store, url, run_id, api_key="sk-very-secret-key").complete(role="r", model="m", messages=MESSAGES)
    assert seen[0]["authorization"] == "Bearer sk-very-secret-key"
    with store.connect() as conn:
        dump = conn.execute(sa.text("SELECT string_agg(t::text, ' ') FROM lbi.llm_calls t")).scalar()
        runs_dump = conn.execute(sa.text("SELECT string_agg(t::text, ' ') FROM lbi.runs t")).scalar()
    assert "sk-very-secret-key" not in dump and "sk-very-secret-key" not in runs_dump


def _strict(text: str) -> str | ParseFailure:
    return text if text.startswith("OK") else ParseFailure("does not start with OK", text)


def test_an_answer_that_breaks_the_contract_is_asked_for_again(store: sa.Engine) -> None:
    run_id = _run(store)
    with scripted([Reply(content="rambling"), Reply(content="OK fine")]) as (url, seen):
        client = _client(store, url, run_id)
        answer = client.complete(role="r", model="m", messages=MESSAGES, parse=_strict)
        again = client.complete(role="r", model="m", messages=MESSAGES, parse=_strict)
    assert answer.parsed == "OK fine" and again.cached and again.parsed == "OK fine"
    assert len(seen) == 2
    assert [(r.status, r.error) for r in _ledger(store)] == [("invalid", "does not start with OK"), ("ok", None)]


def test_a_persistently_broken_answer_is_a_parse_failure_never_cached(store: sa.Engine) -> None:
    run_id = _run(store)
    with scripted([Reply(content="rambling")]) as (url, seen):
        client = _client(store, url, run_id)
        answer = client.complete(role="r", model="m", messages=MESSAGES, parse=_strict)
        assert isinstance(answer.parsed, ParseFailure) and answer.parsed.answer == "rambling"
        assert len(seen) == 1 + FAST.max_invalid_answers
        client.complete(role="r", model="m", messages=MESSAGES, parse=_strict)
    assert len(seen) == 2 * (1 + FAST.max_invalid_answers), "an invalid answer was served from the cache"
    assert {r.status for r in _ledger(store)} == {"invalid"}


def test_the_ledger_counts_paid_cached_and_failed_calls_with_their_tokens(store: sa.Engine) -> None:
    run_id = _run(store)
    other = [{"role": "user", "content": "another question"}]
    with store.connect() as conn:
        assert progress.calls_since(conn, run_id, progress.LedgerMark()) == (progress.Calls(), progress.LedgerMark())
    with scripted([Reply(status=500), Reply(content="answer")]) as (url, _):
        client = _client(store, url, run_id)
        client.complete(role="r", model="m", messages=MESSAGES)
        client.complete(role="r", model="m", messages=MESSAGES)
        client.complete(role="r", model="m", messages=other)
    with store.connect() as conn:
        counted, mark = progress.calls_since(conn, run_id, progress.LedgerMark())
        assert counted == progress.Calls(paid=2, failed=1, cached=1, prompt_tokens=20, completion_tokens=10)
        assert mark.cache_hits == 1
        assert progress.calls_since(conn, run_id, mark) == (progress.Calls(), mark), "nothing since"


def test_an_attempt_s_row_holds_how_long_it_took(store: sa.Engine) -> None:
    from lbi.models.offline.server import running

    run_id = _run(store)
    with running(latency_ms=150) as url:
        client = _client(store, url, run_id)
        answer = client.complete(role="r", model="offline", messages=MESSAGES)
        client.close()
    [row] = [row for row in _ledger(store) if row.id == answer.call_id]
    assert 150 <= row.latency_ms < 5000
