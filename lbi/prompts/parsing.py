"""Shared helpers for turning model answers into values, never raising."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ParseFailure:
    """A model answer that did not follow its role's contract."""

    reason: str
    answer: str

    def __bool__(self) -> bool:
        return False


_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?|\n?```\s*$")


def strip_fences(text: str) -> str:
    return _FENCE.sub("", text.strip()).strip()


def first_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` (code fences and prose around it allowed)."""
    decoder = json.JSONDecoder()
    for start in (m.start() for m in re.finditer(r"\{", text)):
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None
