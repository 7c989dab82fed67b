"""Split document text into bounded chunks along its structure.

Text is cut at headings first, then blank lines, then line ends, and only then
inside a line; neighbouring pieces are packed back together up to the budget.
Every chunk is a stripped slice of the text (plus, optionally, the heading of
the section it continues and some overlap), so nothing is lost but whitespace
at the cuts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHUNKER = "headings-v1"  # names this chunker in the store; change it when its output changes
_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+\S")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_LINE_BREAK = re.compile(r"\n\s*")
_CONTEXT_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class _Section:
    start: int
    end: int
    heading: str  # the section's heading line, "" for text before the first heading
    heading_end: int
    pieces: list[tuple[int, int]]


@dataclass
class _Chunk:
    start: int
    end: int
    heading: str  # heading to repeat as context, "" when the chunk opens its section
    heading_end: int  # context is only for text after the heading line


def chunking_key(max_chars: int) -> str:
    """What identifies how a document was chunked (stored with each chunk)."""
    return f"{CHUNKER}:{max_chars}"


def chunk_text(
    text: str,
    *,
    max_chars: int = 6000,
    overlap_chars: int = 0,
    heading_context: bool = True,
) -> list[str]:
    """Chunks of at most ``max_chars`` characters, none empty, covering all of ``text``.

    ``overlap_chars`` repeats up to that much of the preceding text at the start of
    each later chunk. With ``heading_context`` a chunk that continues a section
    starts with the section's heading line when it fits in the budget.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    if not 0 <= overlap_chars < max_chars:
        raise ValueError(f"overlap_chars must be in [0, max_chars), got {overlap_chars}")
    budget = max_chars - overlap_chars
    sections = _sections(text, budget)
    chunks = _pack(sections, budget, heading_context)
    return [_render(text, chunks, index, max_chars, overlap_chars) for index in range(len(chunks))]


# -- splitting ------------------------------------------------------------------
def _heading_starts(text: str) -> list[int]:
    starts: list[int] = []
    in_fence = False
    offset = 0
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and _HEADING_LINE.match(line):
            starts.append(offset)
        offset += len(line) + 1
    return starts


def _sections(text: str, budget: int) -> list[_Section]:
    bounds = [0, *(start for start in _heading_starts(text) if start > 0), len(text)]
    sections = []
    for start, end in zip(bounds, bounds[1:]):
        pieces = _split(text, start, end, budget, level=0)
        if pieces:
            newline = text.find("\n", start, end)
            heading_end = newline if newline >= 0 else end
            first_line = text[start:heading_end]
            heading = first_line.strip() if _HEADING_LINE.match(first_line) else ""
            sections.append(_Section(pieces[0][0], pieces[-1][1], heading, heading_end, pieces))
    return sections


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split(text: str, start: int, end: int, budget: int, level: int) -> list[tuple[int, int]]:
    """Stripped spans of at most ``budget`` chars covering text[start:end]'s non-space text."""
    start, end = _strip(text, start, end)
    if start >= end:
        return []
    if end - start <= budget:
        return [(start, end)]
    if level >= 2:
        return _hard_cut(text, start, end, budget)
    separator = _PARAGRAPH_BREAK if level == 0 else _LINE_BREAK
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in separator.finditer(text, start, end):
        pieces.extend(_split(text, cursor, match.start(), budget, level + 1))
        cursor = match.end()
    pieces.extend(_split(text, cursor, end, budget, level + 1))
    return pieces


def _hard_cut(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    pieces = []
    while start < end:
        cut = min(start + budget, end)
        if cut < end:
            window = start + budget // 2
            space = max(text.rfind(" ", window, cut + 1), text.rfind("\t", window, cut + 1))
            if space > start:
                cut = space
        piece_start, piece_end = _strip(text, start, cut)
        if piece_start < piece_end:
            pieces.append((piece_start, piece_end))
        start, _ = _strip(text, cut, end)
    return pieces


# -- packing --------------------------------------------------------------------
def _pack(sections: list[_Section], budget: int, heading_context: bool) -> list[_Chunk]:
    """Greedy packing, except that a section which does not fit whole into the current
    chunk starts a new one (unless the current chunk is still nearly empty)."""
    chunks: list[_Chunk] = []
    for section in sections:
        context = section.heading if heading_context else ""
        for index, (start, end) in enumerate(section.pieces):
            current = chunks[-1] if chunks else None
            limit = budget if current is None else _limit(current, budget)
            joins_current = current is not None and end - current.start <= limit
            if index == 0 and current is not None and current.end - current.start >= budget // 4:
                joins_current = section.end - current.start <= limit
            if joins_current:
                current.end = end
            else:
                continues = start >= section.heading_end
                chunks.append(_Chunk(start, end, context if continues else "", section.heading_end))
    return chunks


def _limit(chunk: _Chunk, budget: int) -> int:
    """Room for a chunk's own text: a short repeated heading is budgeted for, a long one is not."""
    reserve = len(chunk.heading) + len(_CONTEXT_SEPARATOR) if chunk.heading else 0
    return budget - reserve if reserve <= budget // 4 else budget


# -- rendering ------------------------------------------------------------------
def _render(text: str, chunks: list[_Chunk], index: int, max_chars: int, overlap_chars: int) -> str:
    chunk = chunks[index]
    body_start = chunk.start
    if overlap_chars and index > 0:
        body_start = _overlap_start(text, chunks[index - 1].start, chunk, max_chars, overlap_chars)
    body = text[body_start : chunk.end].strip()
    context = chunk.heading + _CONTEXT_SEPARATOR if chunk.heading else ""
    if context and body_start >= chunk.heading_end and len(context) + len(body) <= max_chars:
        return context + body
    return body


def _overlap_start(text: str, floor: int, chunk: _Chunk, max_chars: int, overlap_chars: int) -> int:
    """Where the repeated tail of earlier text begins: at a word start, within the budget."""
    room = max_chars - (chunk.end - chunk.start)
    start = max(floor, chunk.start - min(overlap_chars, room))
    if start > floor and not text[start - 1].isspace():
        gap = re.search(r"\s", text[start : chunk.start])
        start = start + gap.end() if gap else chunk.start
    return start
