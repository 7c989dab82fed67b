"""Requests and tokens per minute, per model, as providers count them.

Providers enforce a per-minute limit continuously, at a finer grain than the
minute (a 60,000 tokens-per-minute limit behaves as about 1,000 tokens per
second), and count a request's tokens before answering it as its prompt plus
the completion it may ask for (``max_tokens``). So each limit here is an
allowance that refills at limit/60 per second and holds at most one second's
worth; a call takes one request and its estimated tokens before it is sent
(waiting while the allowance is short), and once answered its tokens are
settled to what the answer used. A call larger than a whole second's worth of
tokens goes when the allowance is full and leaves it owing. The limits bound
this process's calls (each process of a distributed run has its own).
"""

from __future__ import annotations

import threading
import time
from typing import Callable


class MinuteRate:
    """An allowance of ``per_minute`` a minute, refilled continuously, holding one second's worth."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60
        self._capacity = max(1.0, self._rate)
        self._level = self._capacity
        self._clock = clock
        self._stamp = clock()

    def wait_s(self, amount: float) -> float:
        """0 when ``amount`` can be taken now (then it is taken), else how long until it can."""
        now = self._clock()
        self._level = min(self._capacity, self._level + (now - self._stamp) * self._rate)
        self._stamp = now
        needed = min(amount, self._capacity)  # a larger amount goes once the allowance is full
        if self._level >= needed:
            self._level -= amount
            return 0.0
        return (needed - self._level) / self._rate

    def give_back(self, amount: float) -> None:
        """Return what was taken and not used (negative: take more)."""
        self._level = min(self._capacity, self._level + amount)


class RateLimits:
    """Per-model requests and tokens per minute; a model with no entry uses the ``"*"`` entry, if any."""

    def __init__(self, requests_per_minute: dict[str, int], tokens_per_minute: dict[str, int]) -> None:
        self._limits = (requests_per_minute, tokens_per_minute)
        self._rates: dict[str, tuple[MinuteRate | None, MinuteRate | None]] = {}
        self._lock = threading.Lock()

    def admit(self, model: str, tokens: int, stopping: threading.Event) -> bool:
        """Wait until ``model`` may send one request of ``tokens`` (estimated) tokens, and count it;
        False when ``stopping`` was set meanwhile (nothing counted)."""
        requests, token_rate = self._rates_of(model)
        while True:
            with self._lock:
                wait = requests.wait_s(1) if requests else 0.0
                if wait == 0 and token_rate is not None:
                    wait = token_rate.wait_s(tokens)
                    if wait and requests:
                        requests.give_back(1)
                if wait == 0:
                    return True
            if stopping.wait(wait):
                return False

    def settle(self, model: str, estimated: int, used: int) -> None:
        """A call counted at ``estimated`` tokens used ``used`` (0 when it got no answer)."""
        _, token_rate = self._rates_of(model)
        if token_rate is not None:
            with self._lock:
                token_rate.give_back(estimated - used)

    def _rates_of(self, model: str) -> tuple[MinuteRate | None, MinuteRate | None]:
        with self._lock:
            if model not in self._rates:
                self._rates[model] = tuple(  # type: ignore[assignment]
                    MinuteRate(limit) if (limit := per_model.get(model, per_model.get("*"))) else None
                    for per_model in self._limits)
            return self._rates[model]
