"""The sort keys of a query: its outermost ORDER BY terms mapped onto its output columns.

Used to check an ordered answer by its sort keys only, so that rows tied on
every key may come in any order. A term maps onto a column by position
(``ORDER BY 2``), by name or alias (``ORDER BY n``, ``ORDER BY c.Country``
onto the column named ``Country``) or by the same expression text
(``ORDER BY count(*)`` onto the column named ``count(*)``). When any term does
not map onto exactly one column, there are no sort keys and the caller falls
back to comparing the whole rows in order.
"""

from __future__ import annotations

import re
from typing import Sequence

_TOKEN = re.compile(r"""
    (?P<skip>--[^\n]*|/\*.*?(?:\*/|\Z)|\s+)
  | (?P<quoted>'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<word>[\w$]+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_DIRECTION = re.compile(r"\s+(?:collate\s+\S+|asc|desc|nulls\s+(?:first|last))\s*$", re.IGNORECASE)
_ENDS = ("limit", "offset")


def _top_level(sql: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of the words, quoted names and other characters outside parentheses and comments."""
    pieces, depth = [], 0
    for token in _TOKEN.finditer(sql):
        kind = token.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind != "skip" and depth == 0:
            pieces.append((token.start(), token.end(), token.group()))
    return pieces


def order_by_terms(sql: str) -> list[str] | None:
    """The terms of the outermost ORDER BY without their ASC/DESC/COLLATE/NULLS parts; None without one."""
    pieces = _top_level(sql)
    words = [text.lower() for _, _, text in pieces]
    starts = [k for k in range(len(words) - 1) if words[k] == "order" and words[k + 1] == "by"]
    if not starts:
        return None
    k = starts[-1] + 2
    terms, term_start = [], pieces[k][0] if k < len(pieces) else len(sql)
    end = len(sql)
    for start, stop, text in pieces[k:]:
        if text.lower() in _ENDS or text == ";":
            end = start
            break
        if text == ",":
            terms.append(sql[term_start:start])
            term_start = stop
    terms.append(sql[term_start:end])
    cleaned = []
    for term in terms:
        term = term.strip()
        while (shorter := _DIRECTION.sub("", term)) != term:
            term = shorter.strip()
        cleaned.append(term)
    return cleaned if all(cleaned) else None


def _name(text: str) -> str:
    """An identifier or expression in a comparable form: unquoted, unqualified, lower case, no blanks."""
    text = text.strip()
    if re.fullmatch(r'(?:[\w$]+|"[^"]+"|\[[^\]]+\]|`[^`]+`)(?:\.(?:[\w$]+|"[^"]+"|\[[^\]]+\]|`[^`]+`))*', text):
        text = re.split(r"\.(?=[\w$\"\[`])", text)[-1].strip('"[]`')
    return re.sub(r"\s+", "", text).lower()


def sort_key_positions(sql: str, columns: Sequence[str]) -> list[int] | None:
    """0-based positions of the output columns ``sql`` sorts by; None when it has no ORDER BY or a term
    does not map onto exactly one column."""
    terms = order_by_terms(sql)
    if not terms:
        return None
    names = [_name(column) for column in columns]
    positions = []
    for term in terms:
        if term.isdigit():
            position = int(term) - 1
            if not 0 <= position < len(columns):
                return None
        else:
            matches = [j for j, name in enumerate(names) if name == _name(term)]
            if len(matches) != 1:
                return None
            position = matches[0]
        positions.append(position)
    return positions
