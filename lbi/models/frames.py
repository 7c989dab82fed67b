"""The frames the model client and its transport process exchange over pipes.

A request frame: id, priority, body length, then the chat-completions request body (JSON).
A frame whose length is DROP_WAITING (no body) asks the transport to drop every request
still waiting for a slot; each gets a reply with no response (status 0).
A reply frame: id, HTTP status (0 when no response came), Retry-After in milliseconds
(-1 when absent), payload length, then the response body, or the error's text when no
response came.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

REQUEST = struct.Struct("<Qqi")
REPLY = struct.Struct("<QHiI")
DROP_WAITING = -1


def request_frame(request_id: int, priority: int, body: bytes) -> bytes:
    return REQUEST.pack(request_id, priority, len(body)) + body


def drop_waiting_frame() -> bytes:
    return REQUEST.pack(0, 0, DROP_WAITING)


def reply_frame(request_id: int, status: int, retry_after_ms: int, payload: bytes) -> bytes:
    return REPLY.pack(request_id, status, retry_after_ms, len(payload)) + payload


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
