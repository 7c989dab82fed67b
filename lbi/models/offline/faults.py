"""Injected faults: which request gets one, and what each one does on the wire.

A fault is drawn from (seed, request key, attempt number), so the n-th try of
a request always meets the same fate, and a retry of a failed request gets a
fresh draw and can succeed.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import time
from collections import Counter
from typing import Any

from aiohttp import web

from lbi.models.offline.protocol import error_body
from lbi.models.offline.responses import json_response
from lbi.models.offline.seeding import seeded_random, unit

RATE_LIMIT = "rate_limit"
SERVER_ERROR = "server_error"
TIMEOUT = "timeout"
RESET = "reset"
TRUNCATED = "truncated"
OFF_CONTRACT = "off_contract"
KINDS = (RATE_LIMIT, SERVER_ERROR, TIMEOUT, RESET, TRUNCATED, OFF_CONTRACT)

FORCE_HEADER = "x-offline-fault"  # a test hook: names the fault this request must meet
MAX_TRACKED_REQUESTS = 100_000  # attempt counters kept; bounds memory under long benchmarks
TIMEOUT_HOLD_S = 120.0  # past any sane client timeout; the hold ends early when the client leaves
CLIENT_GONE_POLL_S = 0.05

_OFF_CONTRACT_ANSWERS = (
    "Sure! I'd be happy to help with that. Could you tell me a bit more about what you need first?",
    "I looked at this carefully. In short, it seems fine to me, and I don't think anything else is needed.",
    "Great question. There are several ways to approach it, and the best one depends on your goals.",
)


class FaultPicker:
    def __init__(self, *, rate: float, seed: int) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault_rate must be within [0, 1], not {rate}")
        self.rate = rate
        self.seed = seed
        self._attempts: Counter[str] = Counter()

    def pick(self, request_key: str) -> str | None:
        if len(self._attempts) >= MAX_TRACKED_REQUESTS and request_key not in self._attempts:
            del self._attempts[next(iter(self._attempts))]  # forget the oldest request
        self._attempts[request_key] += 1
        attempt = self._attempts[request_key]
        if self.rate == 0.0 or unit(self.seed, "fault?", request_key, attempt) >= self.rate:
            return None
        return KINDS[int(unit(self.seed, "fault kind", request_key, attempt) * len(KINDS))]


def off_contract_answer(request_key: str) -> str:
    return seeded_random("off contract", request_key).choice(_OFF_CONTRACT_ANSWERS)


def rate_limited(request_key: str) -> web.Response:
    wait_ms = 50 + int(150 * unit("retry after", request_key))
    return json_response(
        error_body("Rate limit reached for the offline model (injected fault).", "rate_limit_error",
                   code="rate_limit_exceeded"),
        status=429,
        headers={"retry-after": f"{wait_ms / 1000:.3f}", "retry-after-ms": str(wait_ms)},
    )


def server_error() -> web.Response:
    return json_response(error_body("The offline model failed (injected fault).", "server_error"), status=500)


async def timed_out(request: web.Request) -> web.Response:
    """Holds the connection until the client gives up (or the hold ends), then answers 504."""
    until = time.monotonic() + TIMEOUT_HOLD_S
    while request.transport is not None and time.monotonic() < until:  # None once the connection is lost
        await asyncio.sleep(CLIENT_GONE_POLL_S)
    return json_response(error_body("The offline model timed out (injected fault).", "timeout"), status=504)


def truncated(body: dict[str, Any]) -> web.Response:
    raw = json.dumps(body).encode()
    return web.Response(body=raw[: len(raw) // 2], content_type="application/json")


def connection_reset(request: web.Request) -> web.Response:
    """Aborts the TCP connection (RST) instead of answering; the response returned is never sent."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response(status=200)
