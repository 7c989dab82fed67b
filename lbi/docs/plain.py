"""Markdown and plain text: whitespace normalisation and a title from the first heading."""

from __future__ import annotations

import re
from pathlib import Path

_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_BLANK_RUNS = re.compile(r"\n{3,}")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def normalize_text(text: str) -> str:
    """Unix newlines, no trailing spaces, at most one blank line in a row, no outer blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")


def first_heading(text: str) -> str | None:
    """Title from YAML front matter, else the first ATX (``# x``) or setext heading outside fences."""
    if front := _FRONT_MATTER.match(text):
        if title := _FRONT_MATTER_TITLE.search(front.group(1)):
            return title.group(1).strip("\"'") or None
        text = text[front.end():]
    in_fence = False
    previous = ""
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            previous = ""
            continue
        if in_fence:
            continue
        if match := _ATX_HEADING.match(line):
            return match.group(1).strip()
        if previous.strip() and _SETEXT_UNDERLINE.match(line):
            return previous.strip()
        previous = line
    return None


def title_from_name(path: Path) -> str:
    """A readable title from a file name: ``foo-bar.1.gz`` becomes ``foo-bar``."""
    name = path.name
    for suffix in (".gz", ".html", ".htm", ".xhtml", ".md", ".markdown", ".txt", ".text", ".rst"):
        name = name.removesuffix(suffix)
    name = re.sub(r"\.info(-\d+)?$", "", name)
    name = re.sub(r"\.[1-9][a-z]*$", "", name)
    return name or path.name
