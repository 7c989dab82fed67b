"""roff lexical layer: comments, continuation lines, request arguments and escapes."""

from __future__ import annotations

GLYPHS = {
    "em": "\u2014", "en": "\u2013", "hy": "-", "mi": "-", "-": "-", "bu": "\u2022",
    "aq": "'", "dq": '"', "lq": "\u201c", "rq": "\u201d", "oq": "\u2018", "cq": "\u2019",
    "Fo": "\u00ab", "Fc": "\u00bb", "fo": "\u2039", "fc": "\u203a",
    "co": "\u00a9", "rg": "\u00ae", "tm": "\u2122", "sc": "\u00a7", "ps": "\u00b6",
    "de": "\u00b0", "dg": "\u2020", "dd": "\u2021", "ti": "~", "ha": "^", "ga": "`",
    "aa": "\u00b4", "ul": "_", "ru": "_", "ba": "|", "br": "|", "bv": "|", "rs": "\\",
    "sl": "/", "sh": "#", "at": "@", "Do": "$", "Eu": "\u20ac", "eu": "\u20ac", "Po": "\u00a3",
    "ct": "\u00a2", "Ye": "\u00a5", "pl": "+", "eq": "=", "mu": "\u00d7", "di": "\u00f7",
    "+-": "\u00b1", "**": "*", "<=": "\u2264", ">=": "\u2265", "!=": "\u2260", "==": "\u2261",
    "->": "\u2192", "<-": "\u2190", "<>": "\u2194", "ua": "\u2191", "da": "\u2193",
    "rA": "\u21d2", "lA": "\u21d0", "hA": "\u21d4", "fm": "\u2032", "sd": "\u2033",
    "lh": "\u261c", "rh": "\u261e", "sq": "\u25a1", "ci": "\u25cb", "OK": "\u2713",
    "aA": "\u00c5", "ao": "\u00e5", ":a": "\u00e4", ":o": "\u00f6", ":u": "\u00fc",
    ":A": "\u00c4", ":O": "\u00d6", ":U": "\u00dc", "ss": "\u00df", "'e": "\u00e9",
    "`e": "\u00e8", "'a": "\u00e1", "`a": "\u00e0", "~n": "\u00f1", ",c": "\u00e7",
    "es": "\u2205", "if": "\u221e", "pi": "\u03c0", "*p": "\u03c0", "mc": "\u00b5",
    "nb": "", "bs": "\\", "lB": "[", "rB": "]", "lC": "{", "rC": "}", "la": "\u27e8",
    "ra": "\u27e9", "ts": '"', "Bq": "\u201e", "bq": "\u201a", "a-": "\u00af", "ob": "",
}
DEFAULT_STRINGS = {
    "R": "\u00ae", "Tm": "\u2122", "lq": "\u201c", "rq": "\u201d", "Aq": "'",
    'L"': '"', 'R"': '"', "C`": '"', "C'": '"', "PI": "pi", "S": "", "Ba": "|",
}
_ARGUMENT_ESCAPES = frozenset("hvwoXDlLbxZHSRABCN")  # take a 'delimited' argument
_NAME_ESCAPES = frozenset("fFgkmMnYV$")  # take a one-char, (xx or [name] argument
_SILENT = frozenset("&)|^%:,/z{}adrupE")


def strip_comment(line: str) -> str:
    """The line without its ``\\"`` or ``\\#`` comment."""
    i = 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            if line[i + 1] in '"#':
                return line[:i]
            i += 2
        else:
            i += 1
    return line


def join_continuations(lines: list[str]) -> list[str]:
    """Lines ending in an unescaped backslash continue on the next line."""
    joined: list[str] = []
    pending = ""
    for line in lines:
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            pending += line[:-1]
            continue
        joined.append(pending + line)
        pending = ""
    if pending:
        joined.append(pending)
    return joined


def split_arguments(text: str) -> list[str]:
    """Request arguments: space separated, double quotes group, ``""`` inside quotes is a quote."""
    args: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        current: list[str] = []
        if text[i] == '"':
            i += 1
            while i < n:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        current.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                step = 2 if text[i] == "\\" else 1
                current.append(text[i : i + step])
                i += step
        else:
            while i < n and text[i] not in " \t":
                step = 2 if text[i] == "\\" else 1
                current.append(text[i : i + step])
                i += step
        args.append("".join(current))
    return args


def _read_name(text: str, i: int) -> tuple[str, int]:
    if i >= len(text):
        return "", i
    if text[i] == "(":
        return text[i + 1 : i + 3], i + 3
    if text[i] == "[":
        end = text.find("]", i)
        end = len(text) if end < 0 else end
        return text[i + 1 : end], end + 1
    return text[i], i + 1


def _glyph(name: str) -> str:
    if name in GLYPHS:
        return GLYPHS[name]
    if name.startswith("u") and len(name) >= 5:
        try:
            return "".join(chr(int(code, 16)) for code in name[1:].split("_"))
        except ValueError:
            return ""
    if name.startswith("char") and name[4:].isdigit():
        return chr(int(name[4:]))
    return name if len(name) == 1 else ""


def _skip_size(text: str, i: int) -> int:
    if i < len(text) and text[i] in "+-":
        i += 1
    if i >= len(text):
        return i
    if text[i] in "([":
        return _read_name(text, i)[1]
    if text[i] == "'":
        end = text.find("'", i + 1)
        return len(text) if end < 0 else end + 1
    if text[i] in "123" and i + 1 < len(text) and text[i + 1].isdigit():
        return i + 2
    return i + 1


def expand_escapes(text: str, strings: dict[str, str], depth: int = 0) -> tuple[str, bool]:
    """Plain text for roff ``text``, and whether it ended in ``\\c`` (join with next line)."""
    out: list[str] = []
    joins_next = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char != "\\":
            out.append(char)
            joins_next = False
            i += 1
            continue
        if i + 1 >= n:
            break
        escape = text[i + 1]
        i += 2
        joins_next = False
        if escape in '"#':
            break
        if escape == "(" or escape == "[":
            name, i = _read_name(text, i - 1)
            out.append(_glyph(name))
        elif escape == "*":
            name, i = _read_name(text, i)
            value = strings.get(name, DEFAULT_STRINGS.get(name, ""))
            if depth < 8:
                out.append(expand_escapes(value, strings, depth + 1)[0])
        elif escape in _NAME_ESCAPES:
            if escape == "n" and i < n and text[i] in "+-":
                i += 1
            _, i = _read_name(text, i)
        elif escape == "s":
            i = _skip_size(text, i)
        elif escape in _ARGUMENT_ESCAPES:
            delimiter = text[i] if i < n else "'"
            end = text.find(delimiter, i + 1)
            end = n if end < 0 else end
            argument = text[i + 1 : end]
            i = end + 1
            if escape == "N" and argument.isdigit():
                out.append(chr(int(argument)))
            elif escape == "h" and not argument.startswith("-"):
                out.append(" ")
        elif escape in ("e", "\\"):
            out.append("\\")
        elif escape == "c":
            joins_next = True
        elif escape in _SILENT:
            pass
        elif escape in "0 ~":
            out.append(" ")
        elif escape == "t":
            out.append("\t")
        else:
            out.append(escape)  # \- \. \' \` and any other literal
    return "".join(out), joins_next
