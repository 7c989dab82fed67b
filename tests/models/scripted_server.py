"""A tiny OpenAI-compatible HTTP server that answers from a script, for client fault tests."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from tests.local_server import JsonHandler, serving


@dataclass
class Reply:
    status: int = 200
    content: str = "hello"
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes | None = None


def completion_body(content: str, model: str = "scripted") -> bytes:
    return json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }).encode()


@contextmanager
def scripted(replies: list[Reply]) -> Iterator[tuple[str, list[dict]]]:
    """Serve ``replies`` in order (the last one repeats); yields (base_url, requests seen)."""
    seen: list[dict] = []
    lock = threading.Lock()

    class Handler(JsonHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                seen.append({"body": body, "authorization": self.headers.get("Authorization")})
                reply = replies[min(len(seen) - 1, len(replies) - 1)]
            payload = reply.raw_body if reply.raw_body is not None else (
                completion_body(reply.content, body.get("model", "")) if reply.status == 200
                else json.dumps({"error": {"message": f"scripted {reply.status}", "type": "x"}}).encode()
            )
            self.send_json(reply.status, payload, reply.headers)

    with serving(Handler) as url:
        yield url, seen
