"""tbl tables (.TS ... .TE) inside man pages, written one row per line."""

from __future__ import annotations

import re
from typing import Callable

from lbi.docs.roff_writer import RoffWriter

_TAB_OPTION = re.compile(r"tab\s*\((.)\)")
_RULE = re.compile(r"^[_=\s|]*$")

Expander = Callable[[str], tuple[str, bool]]


class TableReader:
    """Fed the lines after .TS; ``feed`` returns False once the table has ended."""

    def __init__(self, out: RoffWriter, expand: Expander) -> None:
        self.out = out
        self.expand = expand
        self.tab = "\t"
        self.state = "options"
        self.cells: list[str] = []
        self.block: list[str] | None = None  # lines of an open T{ ... T} cell

    def feed(self, line: str) -> bool:
        if self.block is None and line[:1] in (".", "'"):
            name = line[1:].strip().split(None, 1)[:1]
            if name == ["TE"]:
                self._emit_row()
                return False
            if name == ["T&"]:
                self.state = "format"
            return True
        if self.state == "options":
            self.state = "format"
            if line.rstrip().endswith(";"):
                if match := _TAB_OPTION.search(line):
                    self.tab = match.group(1)
                return True
        if self.state == "format":
            if line.rstrip().endswith("."):
                self.state = "data"
            return True
        if self.block is not None:
            if line.startswith("T}"):
                self.cells.append(" ".join(part for part in self.block if part))
                self.block = None
                self._cells(line[2:].split(self.tab)[1:])
            elif line[:1] not in (".", "'"):
                self.block.append(self.expand(line)[0].strip())
            return True
        if not _RULE.match(line):
            self._cells(line.split(self.tab))
        return True

    def _cells(self, parts: list[str]) -> None:
        for index, part in enumerate(parts):
            if part.strip() == "T{" and index == len(parts) - 1:
                self.block = []
                return
            self.cells.append(self.expand(part)[0].strip())
        self._emit_row()

    def _emit_row(self) -> None:
        if any(self.cells):
            self.out.line(" | ".join(self.cells))
        self.cells = []
