"""A model endpoint that forwards to the offline model but breaks one model's answers.

It stands in for a real model that ignores its output contract.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Iterator

import httpx

from tests.local_server import JsonHandler, serving

PROSE = "Sure! I looked at this carefully and I think it is quite good overall."


@contextmanager
def corrupting(upstream: str, broken_models: set[str]) -> Iterator[str]:
    client = httpx.Client(base_url=upstream, timeout=30)

    class Handler(JsonHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = client.post(self.path.removeprefix("/v1"), content=body,
                                headers={"Content-Type": "application/json"})
            payload = reply.json()
            if json.loads(body).get("model") in broken_models and reply.status_code == 200:
                payload["choices"][0]["message"]["content"] = PROSE
            self.send_json(reply.status_code, json.dumps(payload).encode())

        def do_GET(self) -> None:  # noqa: N802 (the model list: which names this endpoint serves)
            reply = client.get(self.path.removeprefix("/v1"))
            self.send_json(reply.status_code, reply.content)

    try:
        with serving(Handler) as url:
            yield url
    finally:
        client.close()
