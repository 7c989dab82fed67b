"""The process that holds the model's concurrency slots and does the HTTP of every call.

``ModelClient`` starts it as ``python -m lbi.models.transport_server``, perhaps ahead of the run that
uses it: it imports its libraries, then reads its arguments frame (lbi.models.frames: the model's URL
and API key, CONCURRENCY, TIMEOUT_S, the store's URL in libpq's form, the run's id) on stdin, and exits
if stdin ends first. Request frames arrive on stdin after it and wait
in a queue, lowest priority first (then in arrival order); at most CONCURRENCY are posted at once,
and each reply frame goes to stdout as soon as its response is read. A drop frame empties
the queue (the run stopped): each request in it is answered at once with no response.
TIMEOUT_S bounds connecting and each wait for the server's bytes. The run's ledger is looked up
and written here too (lbi.models.call_ledger): a new call's lookup and its post are one frame.

It does nothing else, so a slot freed by one response is taken by the next request at once,
however busy the pipeline's own process is: in that process a thread that waits for an
HTTP response also waits for the interpreter lock before it can read it, which held the
model's slots idle for tens of milliseconds per call. The process exits when stdin closes.

One asyncio loop does it all: stdin and stdout through the loop's own pipe transports, the
posts through aiohttp. Measured at C = 64 against the offline model at 200 ms (1,500 calls of
a 4 KB prompt, CPU of this process per call, variants interleaved): a thread per slot with
httpx's sync client 0.9-1.1 ms, httpx's AsyncClient 2.2-9.4 ms, aiohttp 0.21-0.28 ms, aiohttp
on uvloop 0.19-0.25 ms (no gain worth a dependency); aiohttp's ``trust_env``, which looks the
proxy up for every request, 0.5-0.75 ms, hence the proxy looked up once.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import json
import math
import os
import ssl
import sys
from typing import Any, Coroutine, Mapping

import aiohttp
import certifi
import yarl
from aiohttp.helpers import get_env_proxy_for_url

from lbi.models.call_ledger import CallLedger
from lbi.models.frames import (
    ANSWER, BUDGET_SPENT, CACHED, CALL, DROP_WAITING, LEDGER_FAILED, LOOK_UP, POST, RECORD, RECORDED, REQUEST,
    REQUEST_HASH_SIZE, RESERVED, read_arguments, reply_frame,
)

MAX_RETRY_AFTER_S = 120.0  # every wait a server asks for is cut to this
ROWS_AT_EXIT_S = 10.0  # the longest the process writes the rows it holds once its client is gone
DROPPED = b"dropped before it was sent: the run is stopping"


def retry_after_ms(headers: Mapping[str, str]) -> int:
    """The wait a response asks for in milliseconds (``retry-after-ms``, or ``retry-after`` in
    seconds or as an HTTP date), at most MAX_RETRY_AFTER_S; -1 when it asks for none.
    ``headers`` looks names up regardless of case, as HTTP libraries' headers do."""
    seconds = _asked_wait_s(headers)
    if seconds is None or seconds < 0:
        return -1
    return int(1000 * min(MAX_RETRY_AFTER_S, seconds))


def _asked_wait_s(headers: Mapping[str, str]) -> float | None:
    milliseconds = _number(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return max(0.0, milliseconds / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        until = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if until.tzinfo is None:
        until = until.replace(tzinfo=datetime.timezone.utc)
    left = (until - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    return left if left > 0 else None  # a date already past asks for no wait


def _number(value: str | None) -> float | None:
    """A header's number (infinity included: the cap applies), or None when it holds none."""
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return None if number is None or math.isnan(number) else number


async def serve(base_url: str, concurrency: int, timeout_s: float, api_key: str, calls: CallLedger | None,
                tls: ssl.SSLContext) -> None:
    """Serves the frames on stdin until it closes, then ends the process once the rows it was given
    are written. Without ``calls`` (no database) every ledger frame is answered LEDGER_FAILED."""
    loop = asyncio.get_running_loop()
    requests = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(requests), sys.stdin.buffer)
    replies, _ = await loop.connect_write_pipe(asyncio.Protocol, sys.stdout.buffer)
    url = base_url.rstrip("/") + "/chat/completions"
    proxy, proxy_auth = _proxy_from_environment(url)
    http = aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        connector=aiohttp.TCPConnector(limit=concurrency, ssl=tls),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout_s, sock_read=timeout_s),
        proxy=proxy, proxy_auth=proxy_auth,
    )
    waiting: asyncio.PriorityQueue[tuple[int, int, bytes]] = asyncio.PriorityQueue()
    drops = 0  # DROP_WAITING frames so far: a call looked up across one is dropped too
    tasks: set[asyncio.Task[None]] = set()

    async def post_requests() -> None:
        while True:
            _priority, request_id, body = await waiting.get()
            try:
                async with http.post(url, data=body) as response:
                    frame = reply_frame(request_id, ANSWER, await response.read(), response.status,
                                        retry_after_ms(response.headers))
            except Exception as error:  # timeouts, refused or reset connections, broken bodies
                frame = reply_frame(request_id, ANSWER, f"{type(error).__name__}: {error}".encode())
            replies.write(frame)

    def ledger() -> CallLedger:
        if calls is None:
            raise RuntimeError("the transport has no database")
        return calls

    async def look_up(request_id: int, priority: int, request_hash: bytes, body: bytes | None) -> None:
        """Answers from the ledger, or (``body`` given) posts the request once a call is reserved."""
        dropped_before = drops
        try:
            found = await ledger().look_up(request_hash.decode("ascii"))
        except Exception as error:
            replies.write(reply_frame(request_id, LEDGER_FAILED, _error_text(error)))
            return
        if found.cached is not None:
            answer = found.cached
            replies.write(reply_frame(request_id, CACHED, json.dumps(
                {"id": answer.call_id, "text": answer.text, "prompt_tokens": answer.prompt_tokens,
                 "completion_tokens": answer.completion_tokens}, ensure_ascii=False).encode()))
        elif not found.reserved:
            replies.write(reply_frame(request_id, BUDGET_SPENT))
        elif body is None:
            replies.write(reply_frame(request_id, RESERVED))
        elif drops != dropped_before:
            replies.write(reply_frame(request_id, ANSWER, DROPPED))
        else:
            waiting.put_nowait((priority, request_id, body))

    async def record(request_id: int, row: bytes) -> None:
        try:
            call_id = await ledger().record(row.decode())
        except Exception as error:
            replies.write(reply_frame(request_id, LEDGER_FAILED, _error_text(error)))
        else:
            replies.write(reply_frame(request_id, RECORDED, str(call_id).encode()))

    def start(work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    slots = [asyncio.create_task(post_requests()) for _ in range(concurrency)]  # noqa: F841 (held, not awaited)
    while True:
        try:
            request_id, priority, kind, size = REQUEST.unpack(await requests.readexactly(REQUEST.size))
            payload = await requests.readexactly(size)
        except asyncio.IncompleteReadError:
            break  # the client is gone: calls still in flight have no one to answer
        if kind == POST:
            waiting.put_nowait((priority, request_id, payload))  # ids grow, so equal priorities keep arrival order
        elif kind == CALL:
            start(look_up(request_id, priority, payload[:REQUEST_HASH_SIZE], payload[REQUEST_HASH_SIZE:]))
        elif kind == LOOK_UP:
            start(look_up(request_id, priority, payload, None))
        elif kind == RECORD:
            start(record(request_id, payload))
        elif kind == DROP_WAITING:
            drops += 1
            while not waiting.empty():
                _priority, dropped_id, _body = waiting.get_nowait()
                replies.write(reply_frame(dropped_id, ANSWER, DROPPED))
        else:
            replies.write(reply_frame(request_id, ANSWER, f"a request frame of unknown kind {kind}".encode()))
    if tasks:  # the rows given before the client went are written: each is a call made
        await asyncio.wait(set(tasks), timeout=ROWS_AT_EXIT_S)
    os._exit(0)


def _error_text(error: Exception) -> bytes:
    return f"{type(error).__name__}: {error}".encode(errors="replace")


def _proxy_from_environment(url: str) -> tuple[yarl.URL | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for ``url`` (HTTPS_PROXY, NO_PROXY, ...), as httpx's client
    took it; looked up once, since every request goes to the same host (aiohttp's ``trust_env``
    looks it up per request: 0.3-0.5 ms of CPU a call)."""
    try:
        return get_env_proxy_for_url(yarl.URL(url))
    except LookupError:
        return None, None


def main() -> None:
    tls = ssl.create_default_context(cafile=certifi.where())  # before the arguments: ~0.03 s of CPU
    arguments = read_arguments(os.fdopen(0, "rb", buffering=0, closefd=False))  # unbuffered: the frames stay in the pipe
    if arguments is None:
        return
    database_url = arguments["database_url"]
    calls = CallLedger(database_url, arguments["run_id"]) if database_url else None
    asyncio.run(serve(arguments["base_url"], arguments["concurrency"], arguments["timeout_s"], arguments["api_key"],
                      calls, tls))


if __name__ == "__main__":
    main()
