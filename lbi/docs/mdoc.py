"""The BSD mdoc macros (ssh(1) and friends), rendered to plain text."""

from __future__ import annotations

from typing import Callable

from lbi.docs.roff_writer import RoffWriter

Expander = Callable[[str], tuple[str, bool]]

_ENCLOSE_REST = {
    "Op": ("[", "]"), "Dq": ("\u201c", "\u201d"), "Sq": ("\u2018", "\u2019"),
    "Qq": ('"', '"'), "Pq": ("(", ")"), "Bq": ("[", "]"), "Brq": ("{", "}"),
    "Aq": ("<", ">"), "Ql": ("'", "'"),
}
_OPENERS = {"Oo": "[", "Do": "\u201c", "So": "\u2018", "Qo": '"', "Po": "(", "Bo": "[",
            "Bro": "{", "Ao": "<", "Eo": "", "Fo": ""}
_CLOSERS = {"Oc": "]", "Dc": "\u201d", "Sc": "\u2019", "Qc": '"', "Pc": ")", "Bc": "]",
            "Brc": "}", "Ac": ">", "Ec": "", "Fc": ")"}
_CONSTANTS = {"Ux": "UNIX", "Bx": "BSD", "Nx": "NetBSD", "Fx": "FreeBSD", "Ox": "OpenBSD",
              "Dx": "DragonFly", "Bsx": "BSD/OS", "At": "AT&T UNIX"}
_SKIPPED_NAMES = frozenset(
    "Ad An Ar Cd Cm Dv Em Er Es Ev Fa Fd Fr Ft Hf Ic In Lb Li Lk Ms Mt Nm No Ot Pa Sx Sy Tn "
    "Va Vt Tg Sm Bf Ef Bk Ek".split()
)
_CALLABLE = (frozenset(_ENCLOSE_REST) | frozenset(_OPENERS) | frozenset(_CLOSERS)
             | frozenset(_CONSTANTS) | _SKIPPED_NAMES
             | frozenset({"Fl", "Ns", "Pf", "Ap", "Xr", "Ta", "St", "Fn"}))
_CLOSING_PUNCTUATION = frozenset({".", ",", ":", ";", ")", "]", "?", "!"})
_OPENING_PUNCTUATION = frozenset({"(", "["})
_BLOCK_MACROS = frozenset(
    "Dd Dt Os Sh Ss Pp Lp Bl El It Bd Ed D1 Dl Nd Ex Rv Rs Re Db Bk Ek Bf Ef Sm".split()
)
_BULLETS = {"-bullet": "\u2022", "-dash": "-", "-hyphen": "-"}


class _Joiner:
    """Words with mdoc's spacing: punctuation attaches, Ns suppresses the next space."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.no_space = False

    def word(self, text: str, *, attach: bool = False) -> None:
        if self.parts and not attach and not self.no_space:
            self.parts.append(" ")
        self.parts.append(text)
        self.no_space = False

    def opening(self, text: str) -> None:
        self.word(text)
        self.no_space = True

    def text(self) -> str:
        return "".join(self.parts).strip()


class MdocMacros:
    def __init__(self, out: RoffWriter, expand: Expander) -> None:
        self.out = out
        self.expand = expand
        self.header: tuple[str, str] | None = None
        self.name = ""
        self.lists: list[tuple[str, list[int]]] = []  # (kind, [item counter])
        self.displays: list[bool] = []  # per .Bd: did it indent?

    def handles(self, name: str) -> bool:
        return name in _BLOCK_MACROS or name in _CALLABLE or name.startswith("%")

    def request(self, name: str, args: list[str]) -> None:
        out = self.out
        if name == "Dt":
            self.header = (args[0] if args else "", args[1] if len(args) > 1 else "")
        elif name in ("Dd", "Os", "Db", "Bk", "Ek", "Bf", "Ef", "Sm", "Rs", "Re"):
            return
        elif name in ("Sh", "Ss"):
            out.heading(1 if name == "Sh" else 2, self.render(args))
        elif name in ("Pp", "Lp"):
            out.paragraph()
        elif name == "Bl":
            self.begin_list(args)
        elif name == "El":
            self.end_list()
        elif name == "It":
            self.item(args)
        elif name == "Bd":
            self.begin_display(args)
        elif name == "Ed":
            out.set_fill(True)
            if self.displays and self.displays.pop():
                out.shift_left()
        elif name in ("D1", "Dl"):
            out.shift_right()
            out.line(self.render(args))
            out.shift_left()
        elif name == "Nd":
            out.text("- " + self.render(args))
        elif name == "Ex":
            utility = self.render(args[1:]) or self.name
            out.text(f"The {utility} utility exits 0 on success, and >0 if an error occurs.")
        elif name == "Rv":
            function = self.render(args[1:]) or self.name
            out.text(f"The {function}() function returns 0 on success, otherwise -1 and sets errno.")
        else:
            if name == "Nm" and args and not self.name:
                self.name = self.expand(args[0])[0]
            out.text(self.render([name, *args]))

    # -- blocks -----------------------------------------------------------------
    def begin_list(self, args: list[str]) -> None:
        if self.lists:
            self.out.shift_right()
        else:
            self.out.paragraph()
        kind = next((arg for arg in args if arg.startswith("-") and arg not in
                     ("-compact", "-offset", "-width")), "-tag")
        self.lists.append((kind, [0]))

    def end_list(self) -> None:
        if self.lists:
            self.lists.pop()
            if self.lists:
                self.out.shift_left()
        self.out.paragraph()

    def item(self, args: list[str]) -> None:
        kind, counter = self.lists[-1] if self.lists else ("-tag", [0])
        out = self.out
        if kind == "-column":
            out.line(self.render(args))
        elif kind in _BULLETS:
            out.indented_paragraph(_BULLETS[kind])
        elif kind == "-enum":
            counter[0] += 1
            out.indented_paragraph(f"{counter[0]}.")
        elif kind == "-item":
            out.paragraph()
        elif args:
            out.tagged_paragraph()
            out.text(self.render(args))
        else:
            out.paragraph()

    def begin_display(self, args: list[str]) -> None:
        indented = "-offset" in args
        self.displays.append(indented)
        if indented:
            self.out.shift_right()
        self.out.set_fill(not ({"-literal", "-unfilled"} & set(args)))

    # -- inline -------------------------------------------------------------------
    def render(self, tokens: list[str]) -> str:
        joiner = _Joiner()
        self._render(tokens, 0, len(tokens), joiner)
        return joiner.text()

    def _is_plain(self, tokens: list[str], index: int, end: int) -> bool:
        return (index < end and tokens[index] not in _CALLABLE
                and tokens[index] not in _CLOSING_PUNCTUATION)

    def _render(self, tokens: list[str], start: int, end: int, joiner: _Joiner) -> None:
        i = start
        while i < end:
            token = tokens[i]
            i += 1
            if token in _ENCLOSE_REST:
                stop = end
                while stop > i and tokens[stop - 1] in _CLOSING_PUNCTUATION:
                    stop -= 1
                opening, closing = _ENCLOSE_REST[token]
                joiner.opening(opening)
                self._render(tokens, i, stop, joiner)
                joiner.word(closing, attach=True)
                i = stop
            elif token in _OPENERS:
                if token == "Fo" and i < end:
                    joiner.word(self.expand(tokens[i])[0] + "(")
                    joiner.no_space = True
                    i += 1
                else:
                    joiner.opening(_OPENERS[token])
            elif token in _CLOSERS:
                joiner.word(_CLOSERS[token], attach=True)
            elif token == "Fl":
                flagged = False
                while self._is_plain(tokens, i, end):
                    joiner.word("-" + self.expand(tokens[i])[0])
                    i += 1
                    flagged = True
                if not flagged:
                    joiner.word("-")
            elif token == "Fn" and i < end:
                function = self.expand(tokens[i])[0]
                arguments = []
                i += 1
                while self._is_plain(tokens, i, end):
                    arguments.append(self.expand(tokens[i])[0])
                    i += 1
                joiner.word(f"{function}({', '.join(arguments)})")
            elif token == "Ns":
                joiner.no_space = True
            elif token == "Pf" and i < end:
                joiner.word(self.expand(tokens[i])[0])
                joiner.no_space = True
                i += 1
            elif token == "Ap":
                joiner.word("'", attach=True)
                joiner.no_space = True
            elif token == "Xr" and i < end:
                section = f"({tokens[i + 1]})" if self._is_plain(tokens, i + 1, end) else ""
                joiner.word(self.expand(tokens[i])[0] + section)
                i += 2 if section else 1
            elif token == "Ta":
                joiner.word("|")
            elif token == "St" and i < end:
                joiner.word(tokens[i].lstrip("-"))
                i += 1
            elif token in _CONSTANTS:
                joiner.word(_CONSTANTS[token])
            elif token == "Nm" and not self._is_plain(tokens, i, end):
                joiner.word(self.name)
            elif token == "Ar" and not self._is_plain(tokens, i, end):
                joiner.word("file ...")
            elif token in _SKIPPED_NAMES or token.startswith("%"):
                continue
            elif token in _CLOSING_PUNCTUATION:
                joiner.word(token, attach=True)
            elif token in _OPENING_PUNCTUATION:
                joiner.opening(token)
            else:
                joiner.word(self.expand(token)[0])
