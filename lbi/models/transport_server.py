"""The process that holds the model's concurrency slots and does the HTTP of every call.

``ModelClient`` starts it as ``python -m lbi.models.transport_server BASE_URL CONCURRENCY TIMEOUT_S``
with the API key in ``LBI_TRANSPORT_API_KEY``. Request frames arrive on stdin and wait in a
queue, lowest priority first (then in arrival order); at most CONCURRENCY are posted at once,
and each reply frame goes to stdout as soon as its response is read. A drop frame empties
the queue (the run stopped): each request in it is answered at once with no response.

It does nothing else, so a slot freed by one response is taken by the next request at once,
however busy the pipeline's own process is: in that process a thread that waits for an
HTTP response also waits for the interpreter lock before it can read it, which held the
model's slots idle for tens of milliseconds per call. The process exits when stdin closes.
"""

from __future__ import annotations

import datetime
import email.utils
import math
import os
import queue
import sys
import threading
from typing import BinaryIO

import httpx

from lbi.models.frames import DROP_WAITING, REQUEST, read_exactly, reply_frame

MAX_RETRY_AFTER_S = 120.0  # every wait a server asks for is cut to this


def retry_after_ms(headers: httpx.Headers) -> int:
    """The wait a response asks for in milliseconds (``retry-after-ms``, or ``retry-after`` in
    seconds or as an HTTP date), at most MAX_RETRY_AFTER_S; -1 when it asks for none."""
    seconds = _asked_wait_s(headers)
    if seconds is None or seconds < 0:
        return -1
    return int(1000 * min(MAX_RETRY_AFTER_S, seconds))


def _asked_wait_s(headers: httpx.Headers) -> float | None:
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


class Replies:
    """stdout, written one whole frame at a time."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, frame: bytes) -> None:
        with self._lock:
            self._stream.write(frame)
            self._stream.flush()


def post_requests(http: httpx.Client, waiting: queue.PriorityQueue, replies: Replies) -> None:
    while True:
        _priority, request_id, body = waiting.get()
        try:
            response = http.post("chat/completions", content=body)
            frame = reply_frame(request_id, response.status_code, retry_after_ms(response.headers), response.content)
        except Exception as error:  # timeouts, refused or reset connections, broken bodies
            frame = reply_frame(request_id, 0, -1, f"{type(error).__name__}: {error}".encode())
        replies.send(frame)


def drop_waiting(waiting: queue.PriorityQueue, replies: Replies) -> None:
    while True:
        try:
            _priority, request_id, _body = waiting.get_nowait()
        except queue.Empty:
            return
        replies.send(reply_frame(request_id, 0, -1, b"dropped before it was sent: the run is stopping"))


def serve(base_url: str, concurrency: int, timeout_s: float, api_key: str,
          requests: BinaryIO, out: BinaryIO) -> None:
    http = httpx.Client(
        base_url=base_url.rstrip("/") + "/",
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        timeout=timeout_s,
    )
    waiting: queue.PriorityQueue = queue.PriorityQueue()
    replies = Replies(out)
    for _ in range(concurrency):
        threading.Thread(target=post_requests, args=(http, waiting, replies), daemon=True).start()
    while (header := read_exactly(requests, REQUEST.size)) is not None:
        request_id, priority, size = REQUEST.unpack(header)
        if size == DROP_WAITING:
            drop_waiting(waiting, replies)
            continue
        body = read_exactly(requests, size)
        if body is None:
            break
        waiting.put((priority, request_id, body))  # ids grow, so equal priorities keep arrival order


def main() -> None:
    base_url, concurrency, timeout_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    serve(base_url, concurrency, timeout_s, os.environ.get("LBI_TRANSPORT_API_KEY", ""),
          sys.stdin.buffer, sys.stdout.buffer)
    os._exit(0)  # the client is gone: calls still in flight have no one to answer


if __name__ == "__main__":
    main()
