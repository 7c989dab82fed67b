"""An OpenAI-compatible test server that answers each request with its own content and can
hold the first request, to see in which order and how many at once requests arrive."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator

from tests.local_server import JsonHandler, serving
from tests.models.scripted_server import completion_body


@contextmanager
def held_server(hold_first: threading.Event, delay_s: float = 0.0) -> Iterator[tuple[str, list[str], list[int]]]:
    """Answers each request with its own ``content``; the first one waits for ``hold_first``.
    Yields (base_url, contents in the order they arrived, most requests ever handled at once)."""
    arrived: list[str] = []
    most = [0]
    state = {"now": 0}
    lock = threading.Lock()

    class Handler(JsonHandler):
        def do_POST(self) -> None:  # noqa: N802
            content = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["messages"][0]["content"]
            with lock:
                arrived.append(content)
                first = len(arrived) == 1
                state["now"] += 1
                most[0] = max(most[0], state["now"])
            if first:
                hold_first.wait(10)
            time.sleep(delay_s)
            payload = completion_body(content)
            with lock:
                state["now"] -= 1
            self.send_json(200, payload)

    with serving(Handler) as url:
        try:
            yield url, arrived, most
        finally:
            hold_first.set()  # a request still held must not keep the server from closing


SETTLE_S = 1.0


def order_behind_holder(ask: Callable[[str, int], str], arrived: list[str], hold: threading.Event,
                        waiters: list[tuple[str, int]], spacing_s: float) -> list[str]:
    """With a first request ("holder", priority -1) held by the server, ``ask`` each (content, priority)
    of ``waiters`` in the given order, ``spacing_s`` apart, then release the holder once the last one
    has had ``SETTLE_S`` to queue (on a loaded machine a call takes a while to reach its queue). Every
    answer is checked; returns the waiters' contents in the order the server received them."""
    with ThreadPoolExecutor(len(waiters) + 1) as pool:
        holder = pool.submit(ask, "holder", -1)
        while not arrived:
            time.sleep(0.005)
        queued = []
        for content, priority in waiters:
            queued.append(pool.submit(ask, content, priority))
            time.sleep(spacing_s)
        time.sleep(SETTLE_S)
        hold.set()
        assert [f.result(10) for f in [holder, *queued]] == ["holder", *[c for c, _ in waiters]]
    return arrived[1:]
