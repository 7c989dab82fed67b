"""A model endpoint that forwards to the offline model but breaks one model's answers.

It stands in for a real model that ignores its output contract.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import httpx

PROSE = "Sure! I looked at this carefully and I think it is quite good overall."


@contextmanager
def corrupting(upstream: str, broken_models: set[str]) -> Iterator[str]:
    client = httpx.Client(base_url=upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = client.post(self.path.removeprefix("/v1"), content=body,
                                headers={"Content-Type": "application/json"})
            payload = reply.json()
            if json.loads(body).get("model") in broken_models and reply.status_code == 200:
                payload["choices"][0]["message"]["content"] = PROSE
            data = json.dumps(payload).encode()
            self.send_response(reply.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        client.close()
