"""What a column probably holds, guessed from its name (and its declared type once table_info showed it):
a key, a quantity, a category, a date, or a name that labels the row."""

from __future__ import annotations

import re

from lbi.envs.sqlite.offline.names import nouns, words
from lbi.envs.sqlite.offline.schema import Schema, Table

_QUANTITY = frozenset("""price total amount cost quantity qty age salary balance score rating weight height length
duration milliseconds seconds minutes hours days bytes size stock fee fees rate pages capacity population distance
budget revenue discount tax points copies units mass volume area temperature dose dosage beds charge paid
payment value sales wage credits""".split())
_CATEGORY = frozenset("""country city state status type category genre kind gender department role specialty
specialization region language brand color colour format level class grade position source method channel
publisher nationality species breed section shelf ward unit currency province county title""".split())
_LABEL = ("name", "title", "label", "full name", "description")
_DATE = re.compile(r"\b(?:date|time|at|on|day|when|timestamp|born|birth|birthday)\b")
_NUMERIC_TYPE = re.compile(r"INT|REAL|FLOA|DOUB|NUM|DEC", re.IGNORECASE)
_TEXT_TYPE = re.compile(r"CHAR|CLOB|TEXT", re.IGNORECASE)


def is_key(table: Table, column: str) -> bool:
    """A row id or a reference to another table's rows ('id', 'CustomerId', 'author_id')."""
    last = words(column).split()[-1:]
    return last == ["id"] or column in table.keys


def is_quantity(table: Table, column: str) -> bool:
    if is_key(table, column):
        return False
    declared = table.types.get(column)
    if declared is not None and declared.strip():
        return bool(_NUMERIC_TYPE.search(declared)) and not _DATE.search(words(column))
    return bool(set(words(column).split()) & _QUANTITY) and not _DATE.search(words(column))


def is_category(table: Table, column: str) -> bool:
    if is_key(table, column) or is_quantity(table, column):
        return False
    return words(column).split()[-1] in _CATEGORY and words(column) not in _LABEL


def is_date(table: Table, column: str) -> bool:
    return bool(_DATE.search(words(column))) and not is_key(table, column)


def label(table: Table) -> str | None:
    """The column that best names a row (name, title, ...), if any."""
    for wanted in _LABEL:
        for column in table.columns:
            if words(column) == wanted or words(column).endswith(" " + wanted) and wanted == "name":
                return column
    return None


def primary_key(table: Table) -> str | None:
    if len(table.keys) == 1:
        return table.keys[0]
    singular = nouns(table.name)[0]
    for column in table.columns:
        if words(column) in ("id", f"{singular} id", f"{words(table.name)} id"):
            return column
    return None


def references(schema: Schema, child: Table) -> list[tuple[str, Table, str]]:
    """(child column, parent table, parent key) for each column that names another table's key
    ('ArtistId' -> Artist.ArtistId, 'author_id' -> authors.id)."""
    found = []
    for column in child.columns:
        parts = words(column).split()
        if len(parts) < 2 or parts[-1] != "id":
            continue
        entity = " ".join(parts[:-1])
        for parent in schema.real_tables():
            if parent is child or entity not in (*nouns(parent.name), words(parent.name),
                                                 nouns(parent.name)[0].split()[-1]):
                continue
            key = parent.column(column) or primary_key(parent)
            if key is not None:
                found.append((column, parent, key))
    return found
