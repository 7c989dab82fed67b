"""How a person says a table or column name ('InvoiceLine' -> 'invoice line', plural 'invoice lines'),
how to write it in SQL (quoted only when it must be), and whether a text mentions it."""

from __future__ import annotations

import re
from functools import lru_cache

_PIECES = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRREGULAR = {"person": "people", "child": "children", "man": "men", "woman": "women", "staff": "staff",
              "data": "data", "series": "series", "info": "info", "media": "media"}
_SINGULAR = {plural: singular for singular, plural in _IRREGULAR.items()}
# Words SQLite reserves that a bare identifier must not be (the ones a schema plausibly uses as names).
RESERVED = frozenset("""abort action add all alter and as asc between by case check collate column commit
constraint create cross current default delete desc distinct drop else end except exists from full glob group
having if in index inner insert intersect into is join key left like limit match natural no not null of offset
on or order outer primary references replace right rollback select set table then to transaction union unique
update using values view when where with""".split())


@lru_cache(maxsize=4096)
def words(identifier: str) -> str:
    """'BillingCountry' -> 'billing country'; 'patient_id' -> 'patient id'; 'Visit Notes' -> 'visit notes'."""
    found = _PIECES.findall(identifier)
    return " ".join(piece.lower() for piece in found) if found else identifier.lower()


def singular(word: str) -> str:
    if word in _SINGULAR or word in _IRREGULAR:
        return _SINGULAR.get(word, word)
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(?:ss|x|ch|sh|zz)es$", word):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def plural(word: str) -> str:
    if word in _IRREGULAR or word in _SINGULAR:
        return _IRREGULAR.get(word, word)
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(?:s|x|ch|sh|z)$", word):
        return word + "es"
    return word + "s"


@lru_cache(maxsize=4096)
def nouns(table: str) -> tuple[str, str]:
    """(singular, plural) of what one row of the table is: 'InvoiceLine' -> ('invoice line', 'invoice lines')."""
    *head, last = words(table).split() or [table.lower()]
    one = singular(last)
    return " ".join([*head, one]), " ".join([*head, plural(one)])


def forms(table: str) -> set[str]:
    """Every way a sentence may name the table: its name, its words, its nouns."""
    return {table.lower(), words(table), *nouns(table)}


@lru_cache(maxsize=4096)  # a proposal asks about the same few dozen phrases of one document hundreds of times
def mentions(text: str, phrase: str) -> bool:
    return count_mentions(text, phrase) > 0


def count_mentions(text: str, phrase: str) -> int:
    """How often ``text`` says ``phrase`` as a whole word or words, in any case. A phrase absent from the
    case-folded text is not searched for (a regex scan of a 6,000-character chunk takes ~75 us)."""
    if phrase.casefold() not in _folded(text):
        return 0
    return len(re.findall(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text, re.IGNORECASE))


@lru_cache(maxsize=16)
def _folded(text: str) -> str:
    return text.casefold()


def mentions_table(text: str, table: str) -> bool:
    return any(mentions(text, form) for form in forms(table))


def quote(identifier: str) -> str:
    """The identifier as SQL: bare when it can be, else in double quotes."""
    if _BARE.match(identifier) and identifier.lower() not in RESERVED:
        return identifier
    return '"' + identifier.replace('"', '""') + '"'


def same(first: str, second: str) -> bool:
    return first.lower() == second.lower()
