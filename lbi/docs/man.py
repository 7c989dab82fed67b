"""man pages (roff with the man or mdoc macros) to plain text, without shelling out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lbi.docs.mdoc import MdocMacros
from lbi.docs.roff import expand_escapes, join_continuations, split_arguments, strip_comment
from lbi.docs.roff_writer import RoffWriter
from lbi.docs.tbl import TableReader

_FONT_MACROS = frozenset({"B", "I", "SM", "SB", "CW", "R"})
_ALTERNATING_FONT_MACROS = frozenset({"BR", "RB", "IR", "RI", "BI", "IB"})
_NAME_HEADING = re.compile(r"^# (NAME|NOMBRE|NOM|BEZEICHNUNG|НАЗВАНИЕ)$", re.IGNORECASE)


@dataclass(frozen=True)
class ManText:
    title: str | None
    text: str
    link_target: str | None  # set when the page only sources another (".so man1/x.1")


def man_to_text(source: str) -> ManText:
    converter = _ManConverter()
    for line in join_continuations(source.replace("\r\n", "\n").split("\n")):
        converter.line(line)
    text = converter.out.result()
    return ManText(converter.title(text), text, converter.link_target)


def _brace_balance(line: str) -> int:
    return line.count("\\{") - line.count("\\}")


def _condition_holds(condition: str) -> bool:
    """Conditions as nroff (a terminal, under groff) would see them; unknown ones are false."""
    negated = condition.startswith("!")
    condition = condition.lstrip("!")
    holds = condition in ("n", "\\n(.g", "\\n[.g]")
    return holds != negated


class _ManConverter:
    def __init__(self) -> None:
        self.out = RoffWriter()
        self.strings: dict[str, str] = {}
        self.header: tuple[str, str] | None = None  # (name, section) from .TH / .Dt
        self.link_target: str | None = None
        self.skip_until: str | None = None  # request that ends a .de / .ig block ("." for "..")
        self.skip_depth = 0  # open braces of a conditional block not taken
        self.else_taken: list[bool] = []
        self.table: TableReader | None = None
        self.mdoc: MdocMacros | None = None
        self.url = ""

    def expand(self, text: str) -> tuple[str, bool]:
        return expand_escapes(text, self.strings)

    def title(self, text: str) -> str | None:
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if _NAME_HEADING.match(line):
                following = [rest.strip() for rest in lines[index + 1 :] if rest.strip()]
                if following and not following[0].startswith("#"):
                    return following[0]
                break
        if self.header:
            return f"{self.header[0]}({self.header[1]})" if self.header[1] else self.header[0]
        return None

    # -- lines ----------------------------------------------------------------
    def line(self, line: str) -> None:
        if self.skip_until is not None:
            if line[:1] in (".", "'") and line[1:].split()[:1] == [self.skip_until]:
                self.skip_until = None
            return
        if self.skip_depth:
            self.skip_depth = max(self.skip_depth + _brace_balance(line), 0)
            return
        if self.table is not None:
            if not self.table.feed(line):
                self.table = None
                self.out.set_fill(True)
            return
        if line[:1] in (".", "'"):
            self.request(strip_comment(line[1:]))
        else:
            self.text_line(line)

    def text_line(self, line: str) -> None:
        if not line.strip():
            if self.out.fill:
                self.out.blank()
            else:
                self.out.text("")
            return
        if line[0] in " \t" and self.out.fill:
            self.out.text_line_break()
        text, joins_next = self.expand(line)
        self.out.text(text, joins_next=joins_next)

    def request(self, body: str) -> None:
        parts = body.strip().split(None, 1)
        if not parts:
            return
        name, rest = parts[0], (parts[1] if len(parts) > 1 else "")
        if name in ("if", "ie", "el"):
            self.conditional(name, rest)
        elif name in ("de", "de1", "am", "ig"):
            args = split_arguments(rest)
            end = args[1] if name != "ig" and len(args) > 1 else (args[0] if name == "ig" and args else ".")
            self.skip_until = end
        elif name == "do":
            self.request(rest)
        elif name in ("Dd", "Dt") and self.mdoc is None:
            self.mdoc = MdocMacros(self.out, self.expand)
            self.mdoc_request(name, rest)
        elif self.mdoc is not None and self.mdoc.handles(name):
            self.mdoc_request(name, rest)
        else:
            self.man_request(name, rest)

    def mdoc_request(self, name: str, rest: str) -> None:
        assert self.mdoc is not None
        self.mdoc.request(name, split_arguments(rest))
        if self.mdoc.header:
            self.header = self.mdoc.header

    def conditional(self, name: str, rest: str) -> None:
        if name == "el":
            taken, body = (not self.else_taken.pop()) if self.else_taken else False, rest
        else:
            condition, _, body = rest.strip().partition(" ")
            taken = _condition_holds(condition)
            if name == "ie":
                self.else_taken.append(taken)
        body = body.lstrip()
        if not taken:
            self.skip_depth = max(_brace_balance(body), 0)
            return
        if body.startswith("\\{"):
            body = body[2:]
        if body.strip():
            self.line(body)

    # -- man macros -----------------------------------------------------------
    def man_request(self, name: str, rest: str) -> None:
        out = self.out
        args = split_arguments(rest)
        joined, joins_next = self.expand(" ".join(args))
        if name == "TH":
            self.header = (args[0] if args else "", args[1] if len(args) > 1 else "")
        elif name in ("SH", "SS"):
            level = 1 if name == "SH" else 2
            if args:
                out.heading(level, joined)
            else:
                out.flush()
                out.pending_heading = level
        elif name in _FONT_MACROS:
            if args:
                out.text(joined, joins_next=joins_next)
        elif name in _ALTERNATING_FONT_MACROS:
            text, joins_next = self.expand("".join(args))
            out.text(text, joins_next=joins_next)
        elif name in ("PP", "P", "LP", "HP"):
            out.paragraph()
        elif name in ("sp", "Sp"):
            out.blank()
        elif name == "br":
            out.flush()
        elif name == "TP":
            out.tagged_paragraph()
        elif name == "TQ":
            out.flush()
            out.pending_tag = True
        elif name == "IP":
            out.indented_paragraph(self.expand(args[0])[0].strip() if args else "")
        elif name == "RS":
            out.shift_right()
        elif name == "RE":
            out.shift_left()
        elif name in ("nf", "EX", "Vb"):
            out.set_fill(False)
        elif name in ("fi", "EE", "Ve"):
            out.set_fill(True)
        elif name in ("ds", "as"):
            self.define_string(name, rest)
        elif name == "so" and args:
            self.link_target = args[0]
        elif name == "TS":
            out.set_fill(False)
            self.table = TableReader(out, self.expand)
        elif name in ("UR", "MT"):
            self.url = args[0] if args else ""
        elif name in ("UE", "ME"):
            out.text(f"<{self.url}>" + joined if self.url else joined, joins_next=joins_next)
            self.url = ""
        elif name == "SY":
            out.paragraph()
            out.text(joined)
        elif name == "YS":
            out.paragraph()
        elif name == "OP":
            out.text(f"[{joined}]")
        elif name == "MR" and args:
            page = self.expand(args[0])[0]
            section = args[1] if len(args) > 1 else ""
            out.text(f"{page}({section})" + "".join(self.expand(a)[0] for a in args[2:]))
        # Every other request only changes typesetting (fonts, spacing, hyphenation).

    def define_string(self, name: str, rest: str) -> None:
        key, _, value = rest.lstrip().partition(" ")
        value = value.lstrip()
        if value.startswith('"'):
            value = value[1:]
        if name == "as":
            value = self.strings.get(key, "") + value
        self.strings[key] = value
