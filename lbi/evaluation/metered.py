"""Counts the model calls and tokens one task spends, in front of the shared model client."""

from __future__ import annotations

import threading
from typing import Any

from lbi.models.client import Completion, ModelClient


class MeteredClient:
    """Has ``complete`` like ``ModelClient``; cached answers count too (the agent still asked)."""

    def __init__(self, client: ModelClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self.calls = 0
        self.tokens = 0

    def complete(self, **request: Any) -> Completion:
        completion = self._client.complete(**request)
        with self._lock:
            self.calls += 1
            self.tokens += completion.prompt_tokens + completion.completion_tokens
        return completion
