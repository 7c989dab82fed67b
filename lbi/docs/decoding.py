"""Turning document bytes into text, refusing binary or undecodable content."""

from __future__ import annotations

from pathlib import Path

from lbi.errors import DocumentRejected

# Bytes ordinary documents use: everything from space up, plus tab, newlines,
# form feed, backspace (overstrike), escape, and the 0x1f info node separator.
_TEXT_BYTES = b"\t\n\r\f\b\x1b\x1f" + bytes(range(0x20, 0x100))
_MAX_CONTROL_FRACTION = 0.05


def decode_text(path: Path, data: bytes, *, fallback: str | None = None) -> str:
    """UTF-8 text of ``data`` (a BOM is dropped), else ``fallback`` when the format has one.

    The fallback is the format's own norm: latin-1 for man and info files, the
    charset an HTML page declares for itself.
    """
    if b"\x00" in data:
        raise DocumentRejected(f"{path}: binary content (contains NUL bytes)")
    controls = len(data.translate(None, _TEXT_BYTES))
    if controls > _MAX_CONTROL_FRACTION * len(data):
        raise DocumentRejected(f"{path}: binary content (mostly non-text bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if fallback:
            try:
                return data.decode(fallback)
            except UnicodeDecodeError:
                pass
        raise DocumentRejected(
            f"{path}: not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r})"
        ) from None
