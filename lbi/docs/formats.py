"""Which document format a file name announces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lbi.docs.document import Format

_MAN_NAME = re.compile(r"\.[1-9][a-z]*(\.gz)?$")
_INFO_NAME = re.compile(r"\.info(-\d+)?(\.gz)?$")
_PLAIN_SUFFIXES: dict[str, Format] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".rst": "text",
}


@dataclass(frozen=True)
class FileKind:
    format: Format
    gzipped: bool


def detect_kind(path: Path) -> FileKind | None:
    """The format named by the file's extension, or None when it is not one we read."""
    name = path.name.lower()
    if _INFO_NAME.search(name):
        return FileKind("info", name.endswith(".gz"))
    if _MAN_NAME.search(name):
        return FileKind("man", name.endswith(".gz"))
    fmt = _PLAIN_SUFFIXES.get(path.suffix.lower())
    return FileKind(fmt, False) if fmt else None
