"""The offline model over real HTTP: an OpenAI-compatible chat-completions server.

Its answers are a pure function of (seed, requested model name, messages); it
can add latency and inject faults so clients meet what real endpoints do.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from contextlib import contextmanager
from typing import Any, Iterator

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from lbi.models.offline import faults
from lbi.models.offline.embeddings import embeddings_body
from lbi.models.offline.protocol import ChatRequest, InvalidRequest, completion_body, error_body, parse_request
from lbi.models.metadata import role_of
from lbi.models.offline.roles import answer

MODEL_NAMES = ("offline", "offline-generator", "offline-actor", "offline-judge-a", "offline-judge-b")
KEEP_ALIVE_S = 30  # longer than uvicorn's 5 s, so pooled client connections rarely race an idle close


def create_app(*, latency_ms: float = 0, fault_rate: float = 0.0, seed: int = 0) -> FastAPI:
    app = FastAPI(title="lbi offline model", docs_url=None, redoc_url=None)
    app.add_middleware(faults.ConnectionResetMiddleware)
    picker = faults.FaultPicker(rate=fault_rate, seed=seed)
    counts: Counter[str] = Counter()
    fault_counts: Counter[str] = Counter({kind: 0 for kind in faults.KINDS})
    role_counts: Counter[str] = Counter()

    def invalid(message: str, param: str | None = None) -> Response:
        counts["invalid"] += 1
        return JSONResponse(error_body(message, "invalid_request_error", param), status_code=400)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        arrived = time.monotonic()
        counts["requests"] += 1
        try:
            chat = parse_request(await request.json())
        except InvalidRequest as error:
            return invalid(str(error), error.param)
        except ValueError:
            return invalid("The request body is not valid JSON.")
        fault = request.headers.get(faults.FORCE_HEADER) or picker.pick(chat.key)
        if fault is not None and fault not in faults.KINDS:
            return invalid(f"unknown fault {fault!r}; known: {', '.join(faults.KINDS)}")
        role_counts[role_of(chat.metadata) or "unknown"] += 1
        if fault is None:
            response = JSONResponse(completion_body(chat, answer(chat, seed=seed)))
            await _rest_of_latency(arrived, latency_ms)
            counts["answered"] += 1
            return response
        await _rest_of_latency(arrived, latency_ms)
        fault_counts[fault] += 1
        return await _fault_response(fault, chat, request, seed)

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> Response:
        counts["requests"] += 1
        try:
            return JSONResponse(embeddings_body(await request.json()))
        except InvalidRequest as error:
            return invalid(str(error), error.param)
        except ValueError:
            return invalid("The request body is not valid JSON.")

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list",
                "data": [{"id": name, "object": "model", "created": 0, "owned_by": "lbi-offline"}
                         for name in MODEL_NAMES]}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/stats")
    async def stats() -> dict[str, Any]:
        return {"requests": counts["requests"], "answered": counts["answered"], "invalid": counts["invalid"],
                "faults": dict(fault_counts), "roles": dict(role_counts)}

    return app


async def _rest_of_latency(arrived: float, latency_ms: float) -> None:
    """An answer leaves ``latency_ms`` after its request arrived, the model's own work included,
    as a provider's does (so C calls at once can reach C / latency calls per second)."""
    left = arrived + latency_ms / 1000 - time.monotonic()
    if left > 0:
        await asyncio.sleep(left)


async def _fault_response(fault: str, chat: ChatRequest, request: Request, seed: int) -> Response:
    if fault == faults.RATE_LIMIT:
        return faults.rate_limited(chat.key)
    if fault == faults.SERVER_ERROR:
        return faults.server_error()
    if fault == faults.TIMEOUT:
        return await faults.timed_out(request)
    if fault == faults.RESET:
        return faults.connection_reset()
    if fault == faults.TRUNCATED:
        return faults.truncated(completion_body(chat, answer(chat, seed=seed)))
    return JSONResponse(completion_body(chat, faults.off_contract_answer(chat.key)))


def serve(host: str = "127.0.0.1", port: int = 8765, latency_ms: float = 0, fault_rate: float = 0,
          seed: int = 0) -> None:
    """Serve the offline model until interrupted."""
    app = create_app(latency_ms=latency_ms, fault_rate=fault_rate, seed=seed)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_S)


@contextmanager
def running(port: int = 0, **app_options: Any) -> Iterator[str]:
    """Serve the offline model on 127.0.0.1 in a background thread; yields the base URL ending in /v1."""
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(create_app(**app_options), log_level="warning", lifespan="off",
                            timeout_keep_alive=KEEP_ALIVE_S, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="offline-model", daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        _wait_until_healthy(root, thread)
        yield root + "/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


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
