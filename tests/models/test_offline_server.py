"""The offline model's HTTP surface: protocol, determinism, latency and injected faults, over real HTTP."""

from __future__ import annotations

import base64
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import openai
import pytest

from lbi.models.offline.faults import FORCE_HEADER, KINDS, FaultPicker
from lbi.models.offline.server import running

HELLO = [{"role": "user", "content": "Hello there"}]


def _post(base_url: str, body: dict, **kwargs: object) -> httpx.Response:
    return httpx.post(base_url + "/chat/completions", json=body, **kwargs)


def test_a_completion_has_the_openai_shape_and_echoes_the_model(offline_model: str) -> None:
    client = openai.OpenAI(base_url=offline_model, api_key="offline")
    response = client.chat.completions.create(model="offline-judge-a", messages=HELLO, temperature=0.7)
    assert response.object == "chat.completion"
    assert response.id.startswith("chatcmpl-")
    assert response.model == "offline-judge-a"
    choice = response.choices[0]
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.finish_reason == "stop"
    usage = response.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_models_health_and_stats_answer(offline_model: str) -> None:
    root = offline_model.removesuffix("/v1")
    assert httpx.get(root + "/health").json() == {"status": "ok"}
    models = httpx.get(offline_model + "/models").json()
    assert models["object"] == "list" and "offline-judge-b" in [m["id"] for m in models["data"]]
    stats = httpx.get(root + "/stats").json()
    assert set(stats["faults"]) == set(KINDS)


@pytest.mark.parametrize("body, param", [
    ({"model": "offline"}, "messages"),
    ({"model": "offline", "messages": []}, "messages"),
    ({"messages": HELLO}, "model"),
    ({"model": "offline", "messages": [{"content": "no role"}]}, "messages[0]"),
    ({"model": "offline", "messages": HELLO, "stream": True}, "stream"),
])
def test_an_invalid_request_gets_400_with_an_openai_style_error(offline_model: str, body: dict, param: str) -> None:
    response = _post(offline_model, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param and error["message"]


def test_embeddings_come_as_numbers_or_as_base64_float32s_as_asked(offline_model: str) -> None:
    asked = {"model": "offline-embedder", "input": ["albums by AC/DC", "customers in Brazil"], "dimensions": 8}
    as_numbers = httpx.post(offline_model + "/embeddings", json=asked).json()["data"]
    as_base64 = httpx.post(offline_model + "/embeddings", json={**asked, "encoding_format": "base64"}).json()["data"]
    assert [len(item["embedding"]) for item in as_numbers] == [8, 8]
    for numbers, packed in zip(as_numbers, as_base64, strict=True):
        decoded = np.frombuffer(base64.b64decode(packed["embedding"]), dtype="<f4")
        assert decoded.shape == (8,) and np.allclose(decoded, numbers["embedding"], atol=1e-7)
    sdk = openai.OpenAI(base_url=offline_model, api_key="offline")  # asks for base64 and decodes it
    vectors = [item.embedding for item in sdk.embeddings.create(**asked).data]
    assert np.allclose(vectors, [item["embedding"] for item in as_numbers], atol=1e-7)
    refused = httpx.post(offline_model + "/embeddings", json={**asked, "encoding_format": "float16"})
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "encoding_format"


def test_a_body_that_is_not_json_gets_400(offline_model: str) -> None:
    response = httpx.post(offline_model + "/chat/completions", content=b"{not json",
                          headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_the_answer_depends_only_on_seed_model_and_messages() -> None:
    body = {"model": "offline", "messages": HELLO}
    with running(seed=3) as first, running(seed=3) as second:
        answers = {_post(url, body).json()["choices"][0]["message"]["content"] for url in (first, second, first)}
    assert len(answers) == 1


@pytest.mark.serial  # a wall-clock bound: alone, not beside another worker's tests
def test_latency_is_honoured_and_requests_overlap() -> None:
    bodies = [{"model": "offline", "messages": [{"role": "user", "content": f"request {i}"}]} for i in range(16)]
    with running(latency_ms=200) as base_url:
        with httpx.Client(limits=httpx.Limits(max_connections=16)) as client:
            started = time.monotonic()
            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(lambda b: client.post(base_url + "/chat/completions", json=b).status_code,
                                         bodies))
            elapsed = time.monotonic() - started
    assert statuses == [200] * 16
    assert 0.2 <= elapsed < 0.8, f"16 requests at 200 ms took {elapsed:.2f} s"


@pytest.mark.serial  # a wall-clock bound: alone, not beside another worker's tests
def test_the_latency_includes_the_model_s_own_work() -> None:
    """A request the model needs tens of milliseconds for still answers at the set latency."""
    # encoded once here: the client's encoding (tens of milliseconds) happens before the request arrives
    body = json.dumps({"model": "offline-judge-a",
                       "messages": [{"role": "user", "content": "many words " * 1_000_000}]}).encode()

    def fastest(latency_ms: float) -> float:
        with running(latency_ms=latency_ms) as base_url, httpx.Client(timeout=10) as client:
            client.post(base_url + "/chat/completions", json={"model": "offline", "messages": HELLO})
            times = []
            for _ in range(3):
                started = time.monotonic()
                response = client.post(base_url + "/chat/completions", content=body,
                                       headers={"content-type": "application/json"})
                assert response.status_code == 200
                times.append(time.monotonic() - started)
        return min(times)

    work = fastest(0)
    assert work > 0.04, f"the request took the model only {work:.3f} s: too little to tell"
    at_latency = fastest(200)
    # added to the latency, the work would make it 0.2 + work; the margin is for a loaded machine
    assert 0.2 <= at_latency < 0.2 + 0.5 * work, f"{at_latency:.3f} s at 200 ms for {work:.3f} s of work"


def test_each_fault_kind_is_observable_on_the_wire() -> None:
    body = {"model": "offline", "messages": HELLO}
    with running() as base_url:
        def fault(kind: str, timeout: float = 5.0) -> httpx.Response:
            return _post(base_url, body, headers={FORCE_HEADER: kind}, timeout=timeout)

        limited = fault("rate_limit")
        assert limited.status_code == 429
        assert 0.05 <= float(limited.headers["retry-after"]) <= 0.2
        assert limited.json()["error"]["type"] == "rate_limit_error"
        assert fault("server_error").status_code == 500
        with pytest.raises(httpx.ReadTimeout):
            fault("timeout", timeout=0.3)
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            fault("reset")
        truncated = fault("truncated")
        assert truncated.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(truncated.content)
        prose = fault("off_contract").json()["choices"][0]["message"]["content"]
        assert prose and "{" not in prose and "ACTION:" not in prose
        assert fault("no_such_fault").status_code == 400
        stats = httpx.get(base_url.removesuffix("/v1") + "/stats").json()
    assert stats["faults"] == {kind: 1 for kind in KINDS}
    assert stats["answered"] == 0 and stats["invalid"] == 1


def test_faults_come_at_the_configured_rate_and_a_retry_draws_again() -> None:
    picker = FaultPicker(rate=0.3, seed=5)
    first = [picker.pick(f"request {i}") for i in range(3000)]
    assert 0.25 < sum(f is not None for f in first) / len(first) < 0.35
    assert set(first) - {None} == set(KINDS)
    again = FaultPicker(rate=0.3, seed=5)
    assert [again.pick(f"request {i}") for i in range(3000)] == first
    retries = [picker.pick(f"request {i}") for i in range(3000)]
    faulted = [r for f, r in zip(first, retries) if f is not None]
    assert 0.6 < sum(r is None for r in faulted) / len(faulted) < 0.8  # a second try succeeds as often as a first
    assert FaultPicker(rate=0.0, seed=5).pick("request 0") is None


def test_a_server_with_a_fault_rate_still_answers_retried_requests() -> None:
    def ask_until_answered(client: openai.OpenAI, content: str) -> str:
        for _ in range(10):
            try:
                response = client.chat.completions.create(model="offline",
                                                          messages=[{"role": "user", "content": content}])
                return response.choices[0].message.content
            except (openai.APIError, json.JSONDecodeError):
                continue  # what the project's client retries: statuses, timeouts, resets, broken bodies
        raise AssertionError(f"no answer to {content!r} in 10 tries")

    with running(fault_rate=0.5, seed=2) as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="offline", max_retries=0, timeout=0.3)
        answers = [ask_until_answered(client, str(i)) for i in range(6)]
        stats = httpx.get(base_url.removesuffix("/v1") + "/stats").json()
    assert all(answers)
    assert stats["answered"] + stats["faults"]["off_contract"] >= 6 and sum(stats["faults"].values()) > 0


def test_running_stops_the_server_on_exit() -> None:
    with running() as base_url:
        port = httpx.URL(base_url).port
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
