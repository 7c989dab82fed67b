"""Layout for converted roff: filled paragraphs, tagged items, indents and headings."""

from __future__ import annotations

INDENT_STEP = 4


class RoffWriter:
    """Collects output lines; a filled paragraph becomes one line, no-fill text stays as is."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.words: list[str] = []
        self.joins_next = False
        self.fill = True
        self.base = 0  # left margin, moved by .RS/.RE
        self.indent = 0  # where the current paragraph's text starts
        self.margins: list[int] = []
        self.pending_tag = False
        self.pending_heading = 0
        self.item_prefix = ""

    # -- text ---------------------------------------------------------------
    def text(self, content: str, *, joins_next: bool = False) -> None:
        if self.pending_heading:
            level, self.pending_heading = self.pending_heading, 0
            self.heading(level, content)
            return
        if self.pending_tag:
            self.pending_tag = False
            self.flush()
            self._emit(content.strip(), self.base)
            self.indent = self.base + INDENT_STEP
            return
        if not self.fill:
            self.flush()
            self._emit(content, self.indent, keep_leading=True)
            return
        if self.joins_next and self.words:
            self.words[-1] += content.rstrip() if not joins_next else content
        elif content.strip():
            self.words.append(content.strip() if not joins_next else content.lstrip())
        self.joins_next = joins_next

    def line(self, content: str) -> None:
        """A line of its own at the current indent."""
        self.flush()
        self._emit(content, self.indent)

    def text_line_break(self) -> None:
        """A text line starting with a space breaks the line in fill mode."""
        self.flush()

    def flush(self) -> None:
        if self.words:
            self._emit(" ".join(self.words), self.indent)
        self.words = []
        self.joins_next = False

    def _emit(self, content: str, indent: int, *, keep_leading: bool = False) -> None:
        if not keep_leading:
            content = content.strip()
        if self.item_prefix:
            content = self.item_prefix + content.lstrip()
            indent = max(indent - len(self.item_prefix), self.base)
            self.item_prefix = ""
        self.lines.append(" " * indent + content if content else "")

    # -- structure ----------------------------------------------------------
    def blank(self) -> None:
        self.flush()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def paragraph(self) -> None:
        self.blank()
        self.indent = self.base
        self.item_prefix = ""
        self.pending_tag = False

    def heading(self, level: int, content: str) -> None:
        self.blank()
        self.base = self.indent = 0
        self.margins.clear()
        self.pending_tag = False
        self.item_prefix = ""
        self.fill = True
        if content.strip():
            self.lines.append("#" * level + " " + " ".join(content.split()))
            self.lines.append("")

    def tagged_paragraph(self) -> None:
        self.paragraph()
        self.pending_tag = True

    def indented_paragraph(self, tag: str) -> None:
        self.paragraph()
        self.indent = self.base + INDENT_STEP
        if len(tag) > INDENT_STEP - 1:
            self._emit(tag, self.base)
        elif tag:
            self.item_prefix = tag.ljust(INDENT_STEP - 1) + " "

    def shift_right(self) -> None:
        self.flush()
        self.margins.append(self.base)
        self.base = max(self.base, self.indent) + INDENT_STEP
        self.indent = self.base

    def shift_left(self) -> None:
        self.flush()
        self.base = self.margins.pop() if self.margins else 0
        self.indent = self.base

    def set_fill(self, fill: bool) -> None:
        self.flush()
        self.fill = fill

    def result(self) -> str:
        self.flush()
        return "\n".join(line.rstrip() for line in self.lines)
