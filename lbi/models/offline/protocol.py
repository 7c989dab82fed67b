"""The OpenAI chat-completions wire format: request validation and response bodies."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any

from lbi.models.offline.seeding import digest


class InvalidRequest(ValueError):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: tuple[dict[str, str], ...]
    metadata: dict[str, str] = field(default_factory=dict)

    @functools.cached_property
    def key(self) -> str:
        """What identifies the request: the same model and messages give the same key."""
        return digest(self.model, [sorted(m.items()) for m in self.messages])


def parse_request(body: Any) -> ChatRequest:
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("you must provide a model parameter", "model")
    if body.get("stream"):
        raise InvalidRequest("The offline model does not support streaming.", "stream")
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise InvalidRequest("'messages' must be a non-empty array of messages.", "messages")
    messages = []
    for index, message in enumerate(raw):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise InvalidRequest(f"messages[{index}] must be an object with a 'role'.", f"messages[{index}]")
        messages.append({"role": message["role"], "content": _text(message.get("content"), index)})
    return ChatRequest(model=model, messages=tuple(messages), metadata=_metadata(body.get("metadata")))


def _metadata(value: Any) -> dict[str, str]:
    """OpenAI's limits: at most 16 pairs, keys up to 64 characters, values up to 512, strings only."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 16 or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= 512 for k, v in value.items()):
        raise InvalidRequest("'metadata' must be an object of at most 16 string pairs.", "metadata")
    return dict(value)


def _text(content: Any, index: int) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):  # content parts: keep the text ones
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    raise InvalidRequest(f"messages[{index}].content must be a string or an array of parts.",
                         f"messages[{index}].content")


def estimate_tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4)


def completion_body(request: ChatRequest, content: str) -> dict[str, Any]:
    prompt_tokens = sum(estimate_tokens(m["content"]) + 4 for m in request.messages) + 2
    completion_tokens = estimate_tokens(content)
    return {
        "id": "chatcmpl-" + digest(request.key, content)[:24],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop",
            "logprobs": None,
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def error_body(message: str, kind: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
