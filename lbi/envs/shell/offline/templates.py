"""Texts with placeholders ({file}, {dir}, {n}, ...): filled with values, and matched back to the values.

``{{`` and ``}}`` are literal braces. A placeholder that appears twice must take
the same value both times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, TypeVar

T = TypeVar("T")

PATH = r"[\w@+.-](?:[\w./@+-]*[\w/@+-])?"  # never ends in '.', which ends a sentence
VALUE_PATTERNS = {
    "n": r"\d+", "word": r"[\w-]+", "ext": r"\w+", "line": r"[^'\n]+",
    "file": PATH, "prose": PATH, "dir": PATH, "name": PATH, "folder": PATH,
}
_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")


@dataclass(frozen=True)
class Step:
    """One command the offline actor types: why, the command line, and what it does as an instruction."""

    reason: str
    command: str
    says: str
    role: str = "do"  # do | inspect


def fill(text: str, values: dict[str, str]) -> str:
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    return filled.replace("{{", "{").replace("}}", "}")


def placeholders(text: str) -> list[str]:
    return list(dict.fromkeys(_PLACEHOLDER.findall(text)))


def pattern(template: str) -> re.Pattern[str]:
    """A regex matching ``template`` filled with any values (its final period optional)."""
    pieces = _PLACEHOLDER.split(template.removesuffix("."))
    regex, seen = "", set()
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            regex += re.escape(piece.replace("{{", "{").replace("}}", "}"))
        elif piece in seen:
            regex += f"(?P={piece})"
        else:
            seen.add(piece)
            regex += f"(?P<{piece}>{VALUE_PATTERNS.get(piece, '.+?')})"
    return re.compile(regex + r"\.?$", re.IGNORECASE)


def match(compiled: re.Pattern[str], text: str) -> dict[str, str] | None:
    found = compiled.match(" ".join(text.split()))
    return {k: v for k, v in found.groupdict().items() if v is not None} if found else None


def first_match(patterns: Iterable[tuple[re.Pattern[str], T]], text: str) -> tuple[T, dict[str, str]] | None:
    """The thing whose pattern matches ``text`` first, with the values matched."""
    for compiled, thing in patterns:
        values = match(compiled, text)
        if values is not None:
            return thing, values
    return None
