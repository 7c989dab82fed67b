"""Query results as a compact, bounded text table.

Rows are pulled one at a time: the ones that fit are shown, the rest are only
counted (up to a cap), and the first few are kept as the query's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

CELL_CHARS = 200
BLOB_BYTES = 32
FOOTER_RESERVE = 48
COUNT_CAP = 100_000
KEEP_ROWS = 1_000
KEEP_SIZE = 1_000_000
# Every control character (C0, DEL, C1): an observation is safe on a terminal and stored as shown.
_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(32), 127, *range(0x80, 0xA0)]} | {
    ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}


def escaped(text: str) -> str:
    """``text`` with its control characters written as escapes."""
    return text.translate(_ESCAPES)


@dataclass
class Rendered:
    text: str
    truncated: bool
    complete: bool
    kept: list[tuple[Any, ...]] = field(default_factory=list)


def cell(value: Any) -> tuple[str, bool]:
    """One value as text, and whether it had to be shortened."""
    if value is None:
        return "NULL", False
    if isinstance(value, float):
        text = format(value, ".15g")
        return (text if any(c in text for c in ".eni") else text + ".0"), False
    if isinstance(value, bytes):
        head = value[:BLOB_BYTES].hex().upper()
        if len(value) <= BLOB_BYTES:
            return f"X'{head}'", False
        return f"X'{head}...' ({len(value)} bytes)", True
    text = escaped(str(value))
    if len(text) > CELL_CHARS:
        return f"{text[:CELL_CHARS]}...(+{len(text) - CELL_CHARS} chars)", True
    return text, False


def _size(row: tuple[Any, ...]) -> int:
    return sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def render(columns: Sequence[str], rows: Iterable[tuple[Any, ...]], max_chars: int) -> Rendered:
    """Render ``rows`` within ``max_chars``; exceptions from ``rows`` propagate."""
    budget = max(0, max_chars - FOOTER_RESERVE)
    header = " | ".join(escaped(column) for column in columns)
    truncated = len(header) > budget
    lines = [header[:budget]]
    used = len(lines[0])
    kept: list[tuple[Any, ...]] = []
    kept_size = shown = total = 0
    showing = True
    for row in rows:
        total += 1
        if len(kept) < KEEP_ROWS and kept_size < KEEP_SIZE:
            kept.append(tuple(row))
            kept_size += _size(row)
        if showing:
            cells = [cell(v) for v in row]
            line = " | ".join(text for text, _ in cells)
            truncated = truncated or any(cut for _, cut in cells)
            if used + 1 + len(line) <= budget:
                lines.append(line)
                used += 1 + len(line)
                shown += 1
                continue
            showing = False
            truncated = True
            room = budget - used - 1
            if shown == 0 and room > 3:
                lines.append(line[: room - 3] + "...")
                shown = 1
        if total - shown >= COUNT_CAP:
            lines.append(f"... (more than {COUNT_CAP} more rows; stopped counting)")
            return Rendered("\n".join(lines), True, False, kept)
    if total == shown:
        lines.append(f"({plural(total, 'row')})")
    else:
        lines.append(f"... ({plural(total - shown, 'more row')}, {total} in all)")
    return Rendered("\n".join(lines), truncated, True, kept)
