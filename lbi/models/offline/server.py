"""The offline model over real HTTP: an OpenAI-compatible chat-completions server.

Its answers are a pure function of (seed, requested model name, messages); it
can add latency and inject faults so clients meet what real endpoints do.

It runs on aiohttp's server. Measured at C = 64 through the model transport (1,500 calls of a
4 KB prompt at 200 ms, CPU of the server's process per call, variants interleaved): FastAPI on
uvicorn with h11 0.46-0.48 ms, with httptools 0.38-0.41, httptools on uvloop 0.35-0.38,
aiohttp 0.24-0.28, aiohttp on uvloop 0.22-0.26 (no gain worth a dependency).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import Counter
from contextlib import contextmanager
from typing import Any, Iterator

import httpx
from aiohttp import web

from lbi.models.offline import faults
from lbi.models.offline.embeddings import embeddings_body
from lbi.models.offline.protocol import ChatRequest, InvalidRequest, completion_body, error_body, parse_request
from lbi.models.offline.responses import json_response
from lbi.models.metadata import role_of
from lbi.models.offline.roles import answer

MODEL_NAMES = ("offline", "offline-generator", "offline-actor", "offline-judge-a", "offline-judge-b")
KEEP_ALIVE_S = 30  # longer than most clients' pool idle time, so pooled connections rarely race an idle close
MAX_BODY_BYTES = 1 << 30  # a request body larger is refused (413); prompts of megabytes are served
SHUTDOWN_GRACE_S = 1.0  # requests still in flight when the server stops get this long to finish


def create_app(*, latency_ms: float = 0, fault_rate: float = 0.0, seed: int = 0) -> web.Application:
    picker = faults.FaultPicker(rate=fault_rate, seed=seed)
    counts: Counter[str] = Counter()
    fault_counts: Counter[str] = Counter({kind: 0 for kind in faults.KINDS})
    role_counts: Counter[str] = Counter()

    def invalid(message: str, param: str | None = None) -> web.Response:
        counts["invalid"] += 1
        return json_response(error_body(message, "invalid_request_error", param), status=400)

    async def chat_completions(request: web.Request) -> web.Response:
        arrived = time.monotonic()
        counts["requests"] += 1
        try:
            chat = parse_request(json.loads(await request.read()))
        except InvalidRequest as error:
            return invalid(str(error), error.param)
        except ValueError:
            return invalid("The request body is not valid JSON.")
        fault = request.headers.get(faults.FORCE_HEADER) or picker.pick(chat.key)
        if fault is not None and fault not in faults.KINDS:
            return invalid(f"unknown fault {fault!r}; known: {', '.join(faults.KINDS)}")
        role_counts[role_of(chat.metadata) or "unknown"] += 1
        if fault is None:
            # on a thread: a burst's answers (a proposal's is milliseconds of CPU) would otherwise hold the loop,
            # and the requests behind them would be read, and their latency begun, only afterwards
            text = await asyncio.to_thread(answer, chat, seed=seed)
            response = json_response(completion_body(chat, text))
            await _rest_of_latency(arrived, latency_ms)
            counts["answered"] += 1
            return response
        await _rest_of_latency(arrived, latency_ms)
        fault_counts[fault] += 1
        return await _fault_response(fault, chat, request, seed)

    async def embeddings(request: web.Request) -> web.Response:
        counts["requests"] += 1
        try:
            return json_response(embeddings_body(json.loads(await request.read())))
        except InvalidRequest as error:
            return invalid(str(error), error.param)
        except ValueError:
            return invalid("The request body is not valid JSON.")

    async def models(_request: web.Request) -> web.Response:
        return json_response({"object": "list",
                              "data": [{"id": name, "object": "model", "created": 0, "owned_by": "lbi-offline"}
                                       for name in MODEL_NAMES]})

    async def health(_request: web.Request) -> web.Response:
        return json_response({"status": "ok"})

    async def stats(_request: web.Request) -> web.Response:
        return json_response({"requests": counts["requests"], "answered": counts["answered"],
                              "invalid": counts["invalid"], "faults": dict(fault_counts), "roles": dict(role_counts)})

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.add_routes([
        web.post("/v1/chat/completions", chat_completions),
        web.post("/v1/embeddings", embeddings),
        web.get("/v1/models", models),
        web.get("/health", health),
        web.get("/stats", stats),
    ])
    return app


async def _rest_of_latency(arrived: float, latency_ms: float) -> None:
    """An answer leaves ``latency_ms`` after its request arrived, the model's own work included,
    as a provider's does (so C calls at once can reach C / latency calls per second)."""
    left = arrived + latency_ms / 1000 - time.monotonic()
    if left > 0:
        await asyncio.sleep(left)


async def _fault_response(fault: str, chat: ChatRequest, request: web.Request, seed: int) -> web.Response:
    if fault == faults.RATE_LIMIT:
        return faults.rate_limited(chat.key)
    if fault == faults.SERVER_ERROR:
        return faults.server_error()
    if fault == faults.TIMEOUT:
        return await faults.timed_out(request)
    if fault == faults.RESET:
        return faults.connection_reset(request)
    if fault == faults.TRUNCATED:
        return faults.truncated(completion_body(chat, answer(chat, seed=seed)))
    return json_response(completion_body(chat, faults.off_contract_answer(chat.key)))


def serve(host: str = "127.0.0.1", port: int = 8765, latency_ms: float = 0, fault_rate: float = 0,
          seed: int = 0) -> None:
    """Serve the offline model until interrupted."""
    app = create_app(latency_ms=latency_ms, fault_rate=fault_rate, seed=seed)
    web.run_app(app, host=host, port=port, print=None, access_log=None, keepalive_timeout=KEEP_ALIVE_S,
                shutdown_timeout=SHUTDOWN_GRACE_S)


@contextmanager
def running(port: int = 0, **app_options: Any) -> Iterator[str]:
    """Serve the offline model on 127.0.0.1 in a background thread; yields the base URL ending in /v1."""
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    serving = _serve_until(create_app(**app_options), sock, stop)
    thread = threading.Thread(target=loop.run_until_complete, args=(serving,), name="offline-model", daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        _wait_until_healthy(root, thread)
        yield root + "/v1"
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        if not thread.is_alive():
            loop.close()
        sock.close()


async def _serve_until(app: web.Application, sock: socket.socket, stop: asyncio.Event) -> None:
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=KEEP_ALIVE_S, shutdown_timeout=SHUTDOWN_GRACE_S)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        await stop.wait()
    finally:
        await runner.cleanup()


def _wait_until_healthy(root: str, thread: threading.Thread, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the offline model server stopped during start-up")
        try:
            if httpx.get(root + "/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"the offline model did not answer {root}/health within {timeout_s} s")
