"""A command's output kept within a budget: the first and the last bytes, and how many there were."""

from __future__ import annotations

# C0 controls but tab and newline, DEL, and C1 controls (U+0080-U+009F, \x9b is a CSI on many terminals).
_CONTROL = {code: f"\\x{code:02x}" for code in [*range(32), 127, *range(0x80, 0xA0)] if code not in (9, 10)}


class BoundedOutput:
    def __init__(self, budget: int) -> None:
        self._half = max(1, budget // 2)
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self._half - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self._tail += chunk
            del self._tail[:-self._half]

    @property
    def truncated(self) -> bool:
        return self.total > len(self._head) + len(self._tail)

    def text(self) -> str:
        head, tail = printable(bytes(self._head)), printable(bytes(self._tail))
        if not self.truncated:
            return head + tail
        omitted = self.total - len(self._head) - len(self._tail)
        return f"{head}\n... [{omitted} bytes of output omitted] ...\n{tail}"


def printable(data: bytes) -> str:
    """UTF-8 text with carriage returns as newlines and other control characters (NUL, ESC, C1) escaped, so
    that the text is safe on a terminal wherever it is shown, and stored as shown."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_CONTROL)
