"""A transport process started ahead of its client (``prestart``): the next client takes it, it serves
that client's arguments, and one started with another environment, or never taken, ends."""

from __future__ import annotations

import json

import pytest

from lbi.models import transport
from lbi.models.transport import Transport
from tests.children import ended
from tests.eventually import eventually
from tests.models.scripted_server import Reply, scripted


def _spare_pid() -> int:
    assert transport._spare is not None, "no transport process was started ahead"
    return transport._spare[0].pid


def _answer(client: Transport) -> str:
    reply = client.exchange(json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode(), 0)
    return json.loads(reply.payload)["choices"][0]["message"]["content"]


def test_the_next_client_takes_the_process_started_ahead() -> None:
    transport.prestart()
    ahead = _spare_pid()
    with scripted([Reply(content="from the one ahead")]) as (url, seen):
        client = Transport(base_url=url, api_key="key-1", concurrency=2, timeout_s=5)
        try:
            assert client._process.popen.pid == ahead and transport._spare is None
            assert _answer(client) == "from the one ahead"
            assert seen[0]["authorization"] == "Bearer key-1"
        finally:
            client.close()
    assert ended(ahead)


def test_a_process_started_when_other_proxies_were_named_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    transport.prestart()
    ahead = _spare_pid()
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # it would have read the proxy from the old one
    monkeypatch.setenv("NO_PROXY", "*")
    with scripted([Reply(content="from a new one")]) as (url, _):
        client = Transport(base_url=url, api_key="k", concurrency=1, timeout_s=5)
        try:
            assert client._process.popen.pid != ahead
            assert _answer(client) == "from a new one"
        finally:
            client.close()
    assert eventually(lambda: ended(ahead), 10), "the process started ahead was left running"


def test_a_process_never_taken_ends_with_its_input() -> None:
    transport.prestart()
    ahead = _spare_pid()
    transport._end_spare()
    assert transport._spare is None
    assert eventually(lambda: ended(ahead), 10), "a process started ahead outlived its input"
