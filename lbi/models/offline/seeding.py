"""Stable hashing: every choice the offline model makes is a pure function of its inputs."""

from __future__ import annotations

import hashlib
import random


def digest(*parts: object) -> str:
    """A hex digest of the parts, the same in every process (unlike ``hash``)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def unit(*parts: object) -> float:
    """A number in [0, 1) drawn from the parts."""
    return int(digest(*parts)[:13], 16) / 16**13


def seeded_random(*parts: object) -> random.Random:
    return random.Random(int(digest(*parts)[:16], 16))
