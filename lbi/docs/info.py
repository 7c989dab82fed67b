"""GNU info files to text: node bodies only, with underlined titles made into # headings."""

from __future__ import annotations

import re
from dataclasses import dataclass

# makeinfo wraps images and index markers in NUL-BS brackets: "\0\b[index\0\b]".
_INLINE_MARKER = re.compile(rb"\x00\x08\[.*?\x00\x08\]", re.DOTALL)
_NODE_HEADER = re.compile(r"^File: *([^,\n]+?)(?:\.info)?(?:-\d+)?(?:\.gz)?,\s*Node: *([^,\n\x7f]+)")
_UNDERLINE_LEVELS = {"*": 1, "=": 2, "-": 3, ".": 4}
_MENU_START = re.compile(r"^\* Menu:", re.MULTILINE)


@dataclass(frozen=True)
class InfoText:
    title: str | None
    text: str
    indirect: bool  # a table of contents pointing at part files, no node text of its own


def strip_inline_markers(data: bytes) -> bytes:
    """Drop makeinfo's image and index markers, the only NUL bytes a valid info file holds."""
    return _INLINE_MARKER.sub(b"", data)


def info_to_text(source: str) -> InfoText:
    title: str | None = None
    bodies: list[str] = []
    indirect = False
    for segment in source.split("\x1f")[1:]:
        segment = segment.lstrip("\n\f")
        if segment.startswith("Indirect:"):
            indirect = True
        header = _NODE_HEADER.match(segment)
        if not header:
            continue  # tag table, local variables, indirect table
        body = _node_body(segment)
        if title is None:
            heading = next((line[2:] for line in body.split("\n") if line.startswith("# ")), None)
            title = f"{header.group(1).strip()}: {heading or header.group(2).strip()}"
        if body.strip():
            bodies.append(body)
    return InfoText(title=title, text="\n\n".join(bodies), indirect=indirect and not bodies)


def _node_body(segment: str) -> str:
    body = segment.split("\n", 1)[1] if "\n" in segment else ""
    if menu := _MENU_START.search(body):
        body = body[: menu.start()]
    return _headings_to_markdown(body.replace("\x7f", "").strip("\n"))


def _headings_to_markdown(body: str) -> str:
    lines = body.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        underline = lines[index + 1] if index + 1 < len(lines) else ""
        marker = underline[:1]
        if (
            marker in _UNDERLINE_LEVELS
            and line.strip()
            and underline == marker * len(underline)
            and len(underline) == len(line)
        ):
            out.append("#" * _UNDERLINE_LEVELS[marker] + " " + line.strip())
            index += 2
            continue
        out.append(line)
        index += 1
    return "\n".join(out)
