"""What a loader hands back: a cleaned document, or the reason a file was skipped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

Format = Literal["html", "markdown", "text", "man", "info"]


@dataclass(frozen=True)
class Document:
    source: str
    title: str
    format: Format
    text: str
    content_hash: str

    @classmethod
    def build(cls, source: str, title: str, format: Format, text: str) -> Document:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cls(source=source, title=title, format=format, text=text, content_hash=digest)


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str
