"""The transport process: slots handed out lowest priority first, never more in flight than
slots, and a dead or stuck process turned into errors the client retries."""

from __future__ import annotations

import gc
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from lbi.models.transport import Transport, TransportError
from lbi.models.transport_server import retry_after_ms
from tests.local_server import JsonHandler, serving
from tests.models.held_server import held_server, order_behind_holder
from tests.models.scripted_server import completion_body


def _body(content: str) -> bytes:
    return json.dumps({"model": "m", "messages": [{"role": "user", "content": content}]}).encode()


def _answer(transport: Transport, content: str, priority: int = 0) -> str:
    reply = transport.exchange(_body(content), priority)
    return json.loads(reply.payload)["choices"][0]["message"]["content"]


def _order_after_holder(waiters: list[tuple[str, int]]) -> list[str]:
    """With the one slot held, (content, priority) requests queue in the given arrival order;
    the contents in the order the server then receives them."""
    hold = threading.Event()
    with held_server(hold) as (url, arrived, _):
        transport = Transport(base_url=url, api_key="k", concurrency=1, timeout_s=10)
        ask = lambda content, priority: _answer(transport, content, priority)  # noqa: E731
        order = order_behind_holder(ask, arrived, hold, waiters, spacing_s=0.05)  # reaches the transport in this order
        transport.close()
        return order


def test_requests_waiting_for_a_slot_go_lowest_priority_first() -> None:
    assert _order_after_holder([("p7", 7), ("p3", 3), ("p9", 9), ("p1", 1), ("p5", 5)]) == ["p1", "p3", "p5", "p7", "p9"]


def test_equal_priorities_go_in_arrival_order() -> None:
    assert _order_after_holder([("a", 0), ("b", 0), ("c", 0), ("d", 0)]) == ["a", "b", "c", "d"]


def test_never_more_requests_in_flight_than_slots() -> None:
    hold = threading.Event()
    hold.set()
    with held_server(hold, delay_s=0.05) as (url, arrived, most):
        transport = Transport(base_url=url, api_key="k", concurrency=3, timeout_s=10)
        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(lambda i: _answer(transport, f"q{i}", i % 5), range(12)))
        transport.close()
    assert answers == [f"q{i}" for i in range(12)] and len(arrived) == 12
    assert most[0] == 3


def test_a_request_past_its_timeout_is_a_transport_error() -> None:
    hold = threading.Event()
    with held_server(hold) as (url, _, _):
        transport = Transport(base_url=url, api_key="k", concurrency=2, timeout_s=0.3)
        with pytest.raises(TransportError, match="Timeout"):  # the HTTP library names the error
            _answer(transport, "slow")
        transport.close()


def test_a_dead_transport_fails_what_it_held_and_the_next_request_starts_a_new_one() -> None:
    hold = threading.Event()
    with held_server(hold) as (url, arrived, _):
        transport = Transport(base_url=url, api_key="k", concurrency=1, timeout_s=10)
        with ThreadPoolExecutor(1) as pool:
            held = pool.submit(_answer, transport, "held")
            while not arrived:
                time.sleep(0.005)
            os.kill(transport._process.popen.pid, signal.SIGKILL)
            with pytest.raises(TransportError, match="exited"):
                held.result(10)
        hold.set()
        assert _answer(transport, "after") == "after"
        transport.close()


def test_a_transport_dropped_unclosed_stops_its_process() -> None:
    with held_server(threading.Event()) as (url, _, _):
        transport = Transport(base_url=url, api_key="k", concurrency=1, timeout_s=1)
        popen = transport._process.popen
        del transport
        gc.collect()
        assert popen.wait(10) == 0


def test_requests_go_through_the_proxy_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    class Proxy(JsonHandler):
        def do_POST(self) -> None:  # noqa: N802
            asked.append(self.path)  # a proxy is asked for the absolute URL
            content = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["messages"][0]["content"]
            self.send_json(200, completion_body(content))

    with serving(Proxy) as proxy_url:
        for name in ("http_proxy", "HTTP_PROXY"):
            monkeypatch.setenv(name, proxy_url.removesuffix("/v1"))
        for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        transport = Transport(base_url="http://model.invalid/v1", api_key="k", concurrency=1, timeout_s=10)
        assert _answer(transport, "via the proxy") == "via the proxy"
        transport.close()
    assert asked == ["http://model.invalid/v1/chat/completions"]


def test_the_wait_a_response_asks_for() -> None:
    assert retry_after_ms(httpx.Headers({"Retry-After": "1.5"})) == 1500
    assert retry_after_ms(httpx.Headers({"retry-after-ms": "250", "Retry-After": "9"})) == 250
    assert retry_after_ms(httpx.Headers({"Retry-After": "100000"})) == 120_000
    assert retry_after_ms(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == -1
    assert retry_after_ms(httpx.Headers({})) == -1
