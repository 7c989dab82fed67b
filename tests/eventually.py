"""Waiting in a test for something another thread or process brings about."""

from __future__ import annotations

import time
from typing import Callable


def eventually(condition: Callable[[], object], timeout_s: float = 10.0) -> bool:
    """Whether ``condition()`` became true within ``timeout_s`` (asked every 20 ms)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
