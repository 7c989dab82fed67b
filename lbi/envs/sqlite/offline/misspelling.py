"""A first attempt with one column name misspelled, as a hurried person types it ('Milliseconds' -> 'Miliseconds')."""

from __future__ import annotations

import re

from lbi.envs.sqlite.offline.names import quote
from lbi.envs.sqlite.offline.schema import Table
from lbi.envs.sqlite.offline.statements import without_literals
from lbi.models.offline.seeding import seeded_random


def misspell(sql: str, salt: float, table: Table) -> tuple[str, str, str] | None:
    """(statement with one column name misspelled, the wrong name, the right name), or None."""
    code = without_literals(sql)
    columns = [c for c in table.columns if len(c) >= 4 and quote(c) == c and re.search(rf"\b{c}\b", code)]
    if not columns:
        return None
    rng = seeded_random("misspell", sql, salt)
    column = rng.choice(columns)
    i = rng.randrange(1, len(column) - 2)
    candidates = [column[:i] + column[i + 1:], column[:i] + column[i + 1] + column[i] + column[i + 2:]]
    known = {c.lower() for c in table.columns}
    wrong = next((c for c in candidates if c.lower() not in known and c.lower() != column.lower()), None)
    match = re.search(rf"\b{column}\b", code)
    if wrong is None or match is None or code[:match.start()] != sql[:match.start()]:
        return None  # only misspell before the first string literal, where the offsets agree
    return sql[:match.start()] + wrong + sql[match.end():], wrong, column
