"""The frames the model client and its transport process exchange over pipes.

The arguments frame comes first, once: its length (ARGUMENTS_SIZE), then the process's arguments as
JSON (the model's URL and API key, concurrency, timeout, the store's URL and the run's id).
A request frame: id, priority, kind, payload length, then the payload.
- POST: the payload is a chat-completions request body (JSON), posted when a slot is free.
- CALL: a request's hash (REQUEST_HASH_SIZE hexadecimal characters), then its body: the
  ledger is looked up first; the reply is CACHED or BUDGET_SPENT, else the body is posted
  as with POST.
- LOOK_UP: a request's hash only: the reply is CACHED, BUDGET_SPENT or RESERVED.
- RECORD: one ledger row (``CallRow.as_json``): the reply is RECORDED.
- DROP_WAITING (no payload): every request still waiting for a slot gets a reply with no
  response (status 0), and so do calls still being looked up.
A reply frame: id, kind, HTTP status (0 when no response came), Retry-After in milliseconds
(-1 when absent), payload length, then the payload.
- ANSWER: the response body, or the error's text when no response came.
- CACHED: the stored answer as JSON: id, text, prompt_tokens, completion_tokens.
- BUDGET_SPENT, RESERVED: no payload.
- RECORDED: the row's id in decimal.
- LEDGER_FAILED: the error's text (the ledger's statement failed; the client does it itself).
"""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

REQUEST = struct.Struct("<QqBI")
REPLY = struct.Struct("<QBHiI")
REQUEST_HASH_SIZE = 64  # a SHA-256 in hexadecimal
ARGUMENTS_SIZE = struct.Struct("<I")

POST, CALL, LOOK_UP, RECORD, DROP_WAITING = range(5)
ANSWER, CACHED, BUDGET_SPENT, RESERVED, RECORDED, LEDGER_FAILED = range(6)


def arguments_frame(arguments: dict[str, Any]) -> bytes:
    payload = json.dumps(arguments).encode()
    return ARGUMENTS_SIZE.pack(len(payload)) + payload


def read_arguments(stream: BinaryIO) -> dict[str, Any] | None:
    """The arguments frame, or None when the stream ends before it (a process started ahead, unused)."""
    size = read_exactly(stream, ARGUMENTS_SIZE.size)
    payload = None if size is None else read_exactly(stream, ARGUMENTS_SIZE.unpack(size)[0])
    return None if payload is None else json.loads(payload)


def request_frame(request_id: int, priority: int, kind: int, payload: bytes) -> bytes:
    return REQUEST.pack(request_id, priority, kind, len(payload)) + payload


def reply_frame(request_id: int, kind: int, payload: bytes = b"", status: int = 0, retry_after_ms: int = -1) -> bytes:
    return REPLY.pack(request_id, kind, status, retry_after_ms, len(payload)) + payload


def read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    """``size`` bytes from ``stream``, or None when it ends first."""
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
