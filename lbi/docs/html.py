"""HTML to Markdown-flavoured text with the standard library's html.parser."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from html.parser import HTMLParser

_DROPPED = frozenset({"script", "style", "nav", "head", "title", "noscript", "template", "svg"})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = frozenset(
    """address article aside blockquote body caption center dd details dialog div dl dt
    fieldset figcaption figure footer form header hr html legend li main menu ol p section
    summary table tbody td tfoot th thead tr ul""".split()
)
_HEAD_CONTENT = frozenset({"title", "meta", "link", "base", "style", "script", "noscript", "template"})
_LINE_BREAK = "\x00"  # stands for <br> inside collapsed inline text
_SPACES = re.compile(r"\s+")
_OPENING = re.compile(r"<!--|<(?P<opaque>script|style)\b|<(?P<closing>/?)svg(?=[\s/>])", re.IGNORECASE)
_CLOSING = {"--": re.compile("-->"), "script": re.compile("</script", re.IGNORECASE),
            "style": re.compile("</style", re.IGNORECASE)}
_DECLARED_CHARSET = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlText:
    title: str | None
    text: str


def html_to_text(markup: str) -> HtmlText:
    return parsed(without_svg_content(markup))


def parsed(markup: str) -> HtmlText:
    """The text the standard library's parser and the extractor take from ``markup`` as it is."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return parser.result()


def without_svg_content(markup: str) -> str:
    """``markup`` with each outermost ``<svg>...</svg>`` made ``<svg></svg>``: the extractor drops an
    svg whole, and the parser walks its every tag (the SQLite manual's syntax diagrams are 95 % of
    its select page: 0.41 -> 0.07 s of CPU for the twelve pages Chinook's environment reads). Svg
    tags inside comments, scripts and styles are not counted, as the parser does not see them as
    tags; from an svg, comment, script or style that is never closed on, the rest is left to the
    parser. One pass: each search starts where the previous one ended."""
    kept, pieces, depth, start, position = 0, [], 0, 0, 0
    while match := _OPENING.search(markup, position):
        opaque = "--" if match.group(0) == "<!--" else (match.group("opaque") or "").lower()
        if opaque:
            closed = _CLOSING[opaque].search(markup, match.end())
            if closed is None:
                break
            position = closed.end()
            continue
        end = markup.find(">", match.end())
        if end < 0:
            break
        position = end + 1
        if not match.group("closing"):
            if depth == 0 and markup[end - 1] == "/":  # <svg/>: nothing inside
                continue
            if depth == 0:
                start = match.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                pieces += [markup[kept:start], "<svg></svg>"]
                kept = position
    return "".join(pieces) + markup[kept:] if pieces else markup


def declared_charset(markup: bytes) -> str | None:
    """The encoding a page declares in its first bytes (meta charset or XML prolog), if known."""
    match = _DECLARED_CHARSET.search(markup[:4096])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None


def _collapse(fragments: list[str]) -> str:
    joined = _SPACES.sub(" ", "".join(fragments))
    return "\n".join(part.strip() for part in joined.split(_LINE_BREAK) if part.strip())


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []  # (kind, text); same-kind rows sit tight
        self.inline: list[str] = []
        self.prefix = ""
        self.dropping: list[str] = []
        self.title_parts: list[str] | None = None
        self.title: str | None = None
        self.first_h1: str | None = None
        self.heading_level = 0
        self.pre_parts: list[str] | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.lists: list[list[int]] = []  # per open list: [counter] or [] for bullets
        self.group = 0  # numbers each top-level list and table so their lines sit tight

    # -- tags ---------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping[-1:] == ["head"] and tag not in _HEAD_CONTENT:
            self.dropping.pop()  # <head> left unclosed
        if tag == "title" and self.title is None and self.dropping in ([], ["head"]):
            self.title_parts = []
        if tag in _DROPPED:
            self.dropping.append(tag)
            return
        if self.dropping:
            return
        if tag == "br":
            self._text(_LINE_BREAK if self.pre_parts is None else "\n")
        elif tag == "pre" and self.cell is None:
            self._flush()
            self.pre_parts = []
        elif self.pre_parts is not None:
            return
        elif tag in ("tr", "td", "th"):
            self._open_table_part(tag)
        elif self.cell is not None:
            self.cell.append(" ")
        elif tag == "table":
            self._flush()
            self.group += 1
        elif tag in _HEADINGS:
            self._flush()
            self.heading_level = _HEADINGS[tag]
        elif tag in ("ul", "ol", "menu"):
            self._flush()
            self.group += 0 if self.lists else 1
            self.lists.append([0] if tag == "ol" else [])
        elif tag == "li":
            self._flush()
            self.prefix = self._list_marker()
        elif tag in _BLOCKS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag == "hr":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title_parts is not None:
            self.title = _collapse(self.title_parts) or None
            self.title_parts = None
        if tag in _DROPPED:
            if tag in self.dropping:
                while self.dropping.pop() != tag:
                    pass
            return
        if self.dropping:
            return
        if tag == "pre" and self.pre_parts is not None:
            code = "".join(self.pre_parts).strip("\n")
            self.pre_parts = None
            if code.strip():
                self.blocks.append(("pre", f"```\n{code}\n```"))
        elif self.pre_parts is not None:
            return
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr":
            self._close_row()
        elif tag == "table":
            self._close_row()
        elif self.cell is not None:
            self.cell.append(" ")
        elif tag in _HEADINGS:
            self._flush()
        elif tag in ("ul", "ol", "menu"):
            self._flush()
            self.prefix = ""
            if self.lists:
                self.lists.pop()
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)
        if not self.dropping:
            self._text(data)

    # -- helpers --------------------------------------------------------------
    def _text(self, data: str) -> None:
        if self.pre_parts is not None:
            self.pre_parts.append(data.replace(_LINE_BREAK, "\n"))
        elif self.cell is not None:
            self.cell.append(data.replace(_LINE_BREAK, " "))
        elif self.row is not None:
            if data.strip():
                self.cell = [data]  # text in a row outside any cell
        else:
            self.inline.append(data)

    def _list_marker(self) -> str:
        indent = "  " * max(len(self.lists) - 1, 0)
        if self.lists and self.lists[-1]:
            self.lists[-1][0] += 1
            return f"{indent}{self.lists[-1][0]}. "
        return f"{indent}- "

    def _flush(self) -> None:
        text = _collapse(self.inline)
        self.inline = []
        if text:
            if self.heading_level:
                text = text.replace("\n", " ")
                self.blocks.append(("heading", "#" * self.heading_level + " " + text))
                if self.heading_level == 1 and self.first_h1 is None:
                    self.first_h1 = text
            elif self.prefix:
                hanging = "\n" + " " * len(self.prefix)
                self.blocks.append((f"item{self.group}", self.prefix + text.replace("\n", hanging)))
            else:
                self.blocks.append(("paragraph", text))
            self.prefix = ""
        self.heading_level = 0

    def _open_table_part(self, tag: str) -> None:
        if tag == "tr":
            self._close_row()
            self._flush()
            self.row = []
            return
        self._close_cell()
        if self.row is None:
            self._flush()
            self.row = []
        self.cell = []

    def _close_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.append(_SPACES.sub(" ", "".join(self.cell)).strip())
        self.cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self.row is not None and any(self.row):
            self.blocks.append((f"row{self.group}", " | ".join(self.row)))
        self.row = None

    def result(self) -> HtmlText:
        self._close_row()
        self._flush()
        if self.pre_parts is not None and "".join(self.pre_parts).strip():
            self.blocks.append(("pre", "```\n" + "".join(self.pre_parts).strip("\n") + "\n```"))
        pieces: list[str] = []
        previous_kind = ""
        for kind, text in self.blocks:
            if pieces:
                tight = kind == previous_kind and kind.startswith(("item", "row"))
                pieces.append("\n" if tight else "\n\n")
            pieces.append(text)
            previous_kind = kind
        return HtmlText(title=self.title or self.first_h1, text="".join(pieces))
