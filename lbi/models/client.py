"""One client for every model role: cache, ledger, budget, bounded concurrency, retries.

Every call goes through ``ModelClient.complete``. A request made before is
answered from the store; a new one reserves a call from the run's budget and
goes to the transport process, which posts it when one of the model's
concurrency slots is free (lowest priority first). It is retried with backoff
on 429, 5xx, timeouts and broken bodies, honouring Retry-After up to a cap, and
within a cap on the total wait per call; an answer that breaks its role's contract
(or holds text Postgres cannot store) is asked for again a few times. Every attempt
is a ledger row, written before the call returns; only answers that parsed are
ever served again. The transport process keeps the ledger: a new call's lookup and its
post are one request to it, calls starting together look up the store in one statement,
and the rows of attempts ending together are written in one (lbi.models.call_ledger). When
it cannot, the client does it itself, one statement at a time. The API key is
scrubbed from everything stored: requests, answers, errors. A stopped client (its
run is stopping) drops the calls waiting for a slot and makes no new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Callable, Iterator

import sqlalchemy as sa

from lbi.errors import BudgetExhausted, ModelError, RunStopped
from lbi.models.frames import ANSWER, BUDGET_SPENT, CACHED, RESERVED
from lbi.models.leased_slots import LeasedSlots, prefect_lease, prefect_limit_size
from lbi.models.metadata import request_metadata
from lbi.models.rate_limits import RateLimits
from lbi.models.transport import LedgerFailed, Reply, Transport, TransportError
from lbi.prompts.parsing import ParseFailure
from lbi.store import ledger
from lbi.store.engine import libpq_url

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
MAX_TOKENS_PER_CALL = 10_000_000  # a usage figure above this (or negative, or not an integer) is not believed
MIN_SECRET_CHARS = 8  # a shorter key ("offline", "EMPTY") guards nothing, and scrubbing it would mangle answers
UNSTORABLE_ANSWER = "the answer holds characters Postgres cannot store (NUL or a lone surrogate)"


Parser = Callable[[str], Any]  # returns the parsed value, or a ParseFailure


def _as_text(text: str) -> str:
    return text


@dataclass(frozen=True)
class Completion:
    text: str
    call_id: int
    cached: bool
    prompt_tokens: int
    completion_tokens: int
    parsed: Any = None


@dataclass(frozen=True)
class ClientOptions:
    concurrency: int = 8
    timeout_s: float = 60.0
    max_retries: int = 5
    max_invalid_answers: int = 2
    temperature: float | None = 0.0
    max_tokens: int | None = 1024
    backoff_base_s: float = 0.25
    backoff_max_s: float = 20.0
    max_retry_after_s: float = 120.0  # the longest wait a server may ask for (Retry-After, retry-after-ms)
    max_total_wait_s: float = 300.0  # the longest a call waits between its attempts, all waits together
    global_limit_name: str | None = None
    global_limit_block: int = 8  # slots of the shared limit leased at a time (fewer when the limit is smaller)
    request_metadata: bool = True
    requests_per_minute: dict[str, int] = field(default_factory=dict)  # per model; "*" for any other model
    tokens_per_minute: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """One chat-completions request: its body, its canonical JSON (stored in the ledger and
    posted as is) and its hash."""

    body: dict[str, Any]
    canonical: str
    key: str

    @classmethod
    def of(cls, body: dict[str, Any], secret: str) -> "Request":
        """The request for ``body``, ``secret`` replaced in its every string and its text made storable
        (no NUL, no lone surrogate: the ledger keeps it as jsonb, and what is posted is what is stored).
        Its strings are walked only when its JSON text shows one needs it (JSON escapes a character the
        same wherever it stands, so the secret shows as its own escaped text): most requests need nothing."""
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False)
        try:
            encoded: bytes | None = canonical.encode()
        except UnicodeEncodeError:  # a lone surrogate
            encoded = None
        if encoded is None or "\\u0000" in canonical or (secret and _json_escaped(secret) in canonical):
            body = _map_strings(body, lambda text: ledger.storable_text(scrubbed(text, secret)))
            canonical = json.dumps(body, sort_keys=True, ensure_ascii=False)
            encoded = canonical.encode()
        return cls(body, canonical, hashlib.sha256(encoded).hexdigest())


class Refused(Exception):
    """The model answered with an HTTP error status."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"HTTP {reply.status}: {_error_message(reply.payload)}")
        self.status = reply.status
        self.retry_after_s = reply.retry_after_s


class ModelClient:
    def __init__(self, *, engine: sa.Engine, base_url: str, api_key: str, run_id: int | None,
                 options: ClientOptions = ClientOptions()) -> None:
        self._ledger = engine.execution_options(isolation_level="AUTOCOMMIT")  # one statement per write
        self._run_id = run_id
        self._ledger_warned = False
        self._options = options
        self._secret = api_key if len(api_key) >= MIN_SECRET_CHARS else ""
        self._stopping = threading.Event()
        self.concurrency = options.concurrency
        self._inflight: dict[str, tuple[threading.Lock, int]] = {}
        self._inflight_guard = threading.Lock()
        self._stopped: str | None = None
        self._shared_slots = _shared_slots(options)
        self._rates = (RateLimits(options.requests_per_minute, options.tokens_per_minute)
                       if options.requests_per_minute or options.tokens_per_minute else None)
        self._transport = Transport(base_url=base_url, api_key=api_key, concurrency=options.concurrency,
                                    timeout_s=options.timeout_s, run_id=run_id,
                                    database_url=libpq_url(engine))
        self._posted_with_lookup = self._rates is None and self._shared_slots is None  # nothing to wait for first

    def complete(self, *, role: str, model: str, messages: list[dict[str, str]], family: str | None = None,
                 parse: Parser = _as_text, priority: int = 0) -> Completion:
        """The model's answer, parsed; an answer that breaks the contract is asked for again,
        then returned as a ``ParseFailure`` in ``parsed`` (it is never served from the cache).
        When calls wait for a slot, the lowest ``priority`` goes first. The role and the
        environment's family travel as the request's ``metadata`` (never in the prompt)."""
        body: dict[str, Any] = {"model": model, "messages": messages}
        if self._options.request_metadata:
            body["metadata"] = request_metadata(role=role, family=family)
        if self._options.temperature is not None:
            body["temperature"] = self._options.temperature
        if self._options.max_tokens is not None:
            body["max_tokens"] = self._options.max_tokens
        request = Request.of(body, secret=self._secret)
        with self._single_flight(request.key):  # identical requests in flight at once are paid for once
            self._check_running()
            asked = time.monotonic()
            lookup, first = self._look_up(request, priority)
            if (hit := lookup.cached) is not None:
                return Completion(hit.text, hit.call_id, True, hit.prompt_tokens, hit.completion_tokens,
                                  parse(hit.text))
            if not lookup.reserved:
                raise self._budget_spent(model)
            return self._call_with_retries(role=role, request=request, parse=parse, priority=priority,
                                           first=None if first is None else (asked, first))

    def _look_up(self, request: Request, priority: int) -> tuple[ledger.Lookup, Reply | TransportError | None]:
        """The ledger's lookup, and the first attempt's outcome when the transport posted the request
        with it (not when a rate limit or a shared slot must admit the call first): its response, or
        the transport's failure (whether the lookup was made is then unknown; the call goes on as if
        its first attempt failed)."""
        try:
            if not self._posted_with_lookup:
                reply = self._transport.look_up(request.key)
            else:
                reply = self._transport.call(request.key, request.canonical.encode(), priority)
        except TransportError as error:
            return ledger.Lookup(None, True), error
        except LedgerFailed as error:
            self._ledger_here("look the ledger up", error)
            with self._ledger.connect() as conn:
                [lookup] = ledger.serve_or_reserve(conn, request_hashes=[request.key], run_id=self._run_id)
            return lookup, None
        if reply.kind == CACHED:
            hit = json.loads(reply.payload)
            return ledger.Lookup(ledger.CachedAnswer(hit["id"], hit["text"], hit["prompt_tokens"],
                                                     hit["completion_tokens"]), False), None
        if reply.kind in (BUDGET_SPENT, RESERVED):
            return ledger.Lookup(None, reply.kind == RESERVED), None
        if reply.kind != ANSWER:
            raise TransportError(f"the transport answered a lookup with a reply of kind {reply.kind}")
        return ledger.Lookup(None, True), reply

    @contextmanager
    def _single_flight(self, key: str) -> Iterator[None]:
        with self._inflight_guard:
            lock, users = self._inflight.get(key, (threading.Lock(), 0))
            self._inflight[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._inflight_guard:
                lock, users = self._inflight[key]
                if users == 1:
                    del self._inflight[key]
                else:
                    self._inflight[key] = (lock, users - 1)

    def _call_with_retries(self, *, role: str, request: Request, parse: Parser, priority: int,
                           first: tuple[float, Reply | TransportError] | None) -> Completion:
        """``first``: when the first attempt was sent (``time.monotonic``), and its outcome, when the
        transport posted it with the lookup."""
        model = request.body["model"]
        errors = invalid = 0
        waited_s = 0.0
        while True:
            attempt = errors + invalid + 1
            if attempt > 1:  # the first attempt was counted when the cache had no answer
                self._check_running()
                self._reserve(model)
            started = first[0] if first is not None else time.monotonic()
            estimated = used = 0  # tokens counted against the model's per-minute limit, and spent
            try:
                if first is not None:
                    (_, outcome), first = first, None
                    if isinstance(outcome, TransportError):
                        raise outcome
                    reply = outcome
                else:
                    estimated = self._admit(model, request)
                    with self._global_slot(priority):
                        self._check_running()
                        reply = self._transport.exchange(request.canonical.encode(), priority)
                text, prompt_tokens, completion_tokens = _completion(reply, request.body["messages"])
                used = prompt_tokens + completion_tokens
            except RunStopped:
                self._record_failure(role, request, attempt, started, "not sent: the run is stopping", None)
                raise
            except Refused as error:
                last_error = self._scrub(str(error))
                self._record_failure(role, request, attempt, started, last_error, error.status)
                if error.status not in RETRYABLE_STATUS:
                    raise ModelError(f"model '{model}' refused the request: {last_error}") from None
                delay = (min(error.retry_after_s, self._options.max_retry_after_s)
                         if error.retry_after_s is not None else self._backoff(errors + 1))
            except Exception as error:  # timeouts, resets, truncated or invalid bodies
                last_error = self._scrub(f"{type(error).__name__}: {error}")
                self._record_failure(role, request, attempt, started, last_error, None)
                delay = self._backoff(errors + 1)
            else:
                text = self._scrub(text)
                storable = ledger.storable_text(text)
                parsed = parse(text) if storable == text else ParseFailure(UNSTORABLE_ANSWER, storable)
                text = storable
                broken = isinstance(parsed, ParseFailure)
                call_id = self._record(ledger.CallRow(
                    request_hash=request.key, role=role, model=model, request_json=request.canonical,
                    status="invalid" if broken else "ok", response_text=text,
                    error=parsed.reason if broken else None, attempt=attempt, prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens, latency_ms=_elapsed_ms(started),
                ))
                if not broken or invalid >= self._options.max_invalid_answers:
                    return Completion(text, call_id, False, prompt_tokens, completion_tokens, parsed)
                invalid += 1
                continue
            finally:
                if self._rates is not None:
                    self._rates.settle(model, estimated, used)
            errors += 1
            self._check_running()
            if errors > self._options.max_retries:
                raise ModelError(f"model '{model}' failed {errors} times; last error: {last_error}")
            if waited_s + delay > self._options.max_total_wait_s:
                raise ModelError(f"model '{model}' failed {errors} times and would wait {waited_s + delay:.0f}s in"
                                 f" all (cap {self._options.max_total_wait_s:.0f}s); last error: {last_error}")
            log.info("model %s attempt %d failed (%s); retrying in %.2fs", model, attempt, last_error, delay)
            self._stopping.wait(delay)  # a stop ends the wait at once
            waited_s += delay

    @contextmanager
    def _global_slot(self, priority: int) -> Iterator[None]:
        """A slot of the shared limit across processes and flow runs, if one is set: leased from
        Prefect in blocks (lbi.models.leased_slots). Only as many calls as the transport sends at
        once hold one (lowest priority first), so none waits there for a local slot."""
        if self._shared_slots is None:
            yield
            return
        with self._shared_slots.hold(priority):
            yield

    def _admit(self, model: str, request: Request) -> int:
        """Wait for the model's requests- and tokens-per-minute limits, if set; the tokens counted."""
        if self._rates is None:
            return 0
        estimated = _estimate_tokens(request.body["messages"]) + (self._options.max_tokens or 0)
        if not self._rates.admit(model, estimated, self._stopping):
            raise RunStopped(self._stopped or "the run is stopping")
        return estimated

    def stop(self, reason: str) -> None:
        """Make no more calls: the calls waiting for a slot are dropped, and every call raises
        ``RunStopped`` with ``reason`` (calls already sent finish and are recorded)."""
        self._stopped = reason
        self._stopping.set()
        self._transport.drop_waiting()

    def _check_running(self) -> None:
        if self._stopped:
            raise RunStopped(self._stopped)

    def _reserve(self, model: str) -> None:
        with self._ledger.connect() as conn:
            if ledger.reserve_call(conn, run_id=self._run_id):
                return
        raise self._budget_spent(model)

    def _budget_spent(self, model: str) -> BudgetExhausted:
        with self._ledger.connect() as conn:
            calls, max_calls, tokens, max_tokens = ledger.budget_state(conn, run_id=self._run_id)
        return BudgetExhausted(
            f"budget reached before calling '{model}': {calls} model calls (cap {max_calls or 'none'}),"
            f" {tokens} tokens (cap {max_tokens or 'none'}); work done so far is kept, and a new run resumes it"
        )

    def _record(self, row: ledger.CallRow) -> int:
        """Writes the attempt's ledger row; its id once it is committed."""
        row_json = row.as_json()
        try:
            return self._transport.record(row_json)
        except (TransportError, LedgerFailed) as error:  # a row the store refuses fails here again, with its error
            self._ledger_here("write a ledger row", error)
            with self._ledger.connect() as conn:
                return ledger.record_json_rows(conn, run_id=self._run_id, rows=[row_json])[0]

    def _record_failure(self, role: str, request: Request, attempt: int, started: float,
                        error: str, http_status: int | None) -> None:
        self._record(ledger.CallRow(
            request_hash=request.key, role=role, model=request.body["model"], request_json=request.canonical,
            status="error", error=error, http_status=http_status, attempt=attempt, latency_ms=_elapsed_ms(started),
        ))

    def _ledger_here(self, what: str, error: Exception) -> None:
        """Says, once a client, that the transport could not do the ledger's work (then at debug level)."""
        level = logging.DEBUG if self._ledger_warned else logging.WARNING
        self._ledger_warned = True
        log.log(level, "the model transport could not %s (%s); the client does it itself", what, error)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._options.backoff_max_s, self._options.backoff_base_s * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _scrub(self, text: str) -> str:
        return scrubbed(text, self._secret)

    def close(self) -> None:
        if self._shared_slots is not None:
            self._shared_slots.close()
        self._transport.close()


def _shared_slots(options: ClientOptions) -> LeasedSlots | None:
    if not options.global_limit_name:
        return None
    try:
        size = prefect_limit_size(options.global_limit_name)
    except Exception as error:  # the server is unreachable now: lease blocks of the configured size meanwhile
        log.warning("could not read the shared model-call limit %r (%s)", options.global_limit_name, error)
        size = options.global_limit_block
    if size is None:
        log.warning("the shared model-call limit %r does not exist: calls are not limited by it",
                    options.global_limit_name)
        return None
    return LeasedSlots(prefect_lease(options.global_limit_name), capacity=options.concurrency,
                       block=min(options.global_limit_block, size))


def _completion(reply: Reply, messages: list[dict[str, str]]) -> tuple[str, int, int]:
    """(answer text, prompt tokens, completion tokens) of a reply; a body that is not a
    well-formed completion raises, to be retried like a broken one."""
    if not 200 <= reply.status < 300:
        raise Refused(reply)
    payload = json.loads(reply.payload)
    text = payload["choices"][0]["message"]["content"] or ""
    if not isinstance(text, str):
        raise ValueError(f"the answer's content is {type(text).__name__}, not text")
    usage = payload.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    prompt_tokens = _token_count(usage.get("prompt_tokens"), _estimate_tokens(messages))
    completion_tokens = _token_count(usage.get("completion_tokens"), max(1, len(text) // 4))
    return text, prompt_tokens, completion_tokens


def _token_count(reported: Any, estimate: int) -> int:
    """The server's token count when it is believable (an integer, 1 to MAX_TOKENS_PER_CALL),
    else our estimate: a negative or absurd figure must not move the run's budget."""
    if isinstance(reported, float) and reported.is_integer():
        reported = int(reported)
    if isinstance(reported, int) and not isinstance(reported, bool) and 0 < reported <= MAX_TOKENS_PER_CALL:
        return reported
    if reported not in (None, 0):
        log.warning("ignoring a usage figure the server reported: %r", reported)
    return min(estimate, MAX_TOKENS_PER_CALL)


@cache
def _json_escaped(text: str) -> str:
    """``text`` as it shows inside a JSON string (``json.dumps`` with ``ensure_ascii=False``)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def scrubbed(text: str, secret: str) -> str:
    """``text`` with ``secret`` (when there is one) replaced by ``***``."""
    return text.replace(secret, "***") if secret else text


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """``value`` (JSON-like) with ``change`` applied to every string in it."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: _map_strings(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, change) for item in value]
    return value


def _error_message(payload: bytes) -> str:
    """The error an HTTP error body states (OpenAI's ``{"error": {"message": ...}}``), or its start."""
    text = payload.decode(errors="replace")
    try:
        error = json.loads(text).get("error")
        message = error.get("message") if isinstance(error, dict) else error
        if isinstance(message, str) and message:
            return message[:500]
    except (ValueError, AttributeError):
        pass
    return text[:500] or "(empty body)"


def _estimate_tokens(messages: list[dict[str, str]]) -> int:
    return max(1, sum(len(m.get("content", "")) for m in messages) // 4)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
