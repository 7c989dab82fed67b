"""The actor on a task it did not propose (a held-out question, free text): find the table the task's words
point at among those seen, look at its columns, run the one query the words suggest, stop."""

from __future__ import annotations

import re
from random import Random

from lbi.envs.sqlite.offline import column_kinds as kinds
from lbi.envs.sqlite.offline.names import quote, singular, words
from lbi.envs.sqlite.offline.results import read_result
from lbi.envs.sqlite.offline.schema import Schema, Table
from lbi.envs.sqlite.offline.statements import is_schema_lookup, lists_tables, table_info_target
from lbi.prompts.act import STOP
from lbi.prompts.render import Turn

LIST_TABLES = "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
_WORD = re.compile(r"[a-z0-9]+")


def next_action(task: str, history: list[Turn], schema: Schema, rng: Random) -> tuple[str, str]:
    look_first = rng.random() < 0.7
    if any(not is_schema_lookup(t.action) and read_result(t.observation).error is None for t in history):
        return "The query ran and its result answers the task as well as I can.", STOP
    table = best_table(task, schema)
    if table is None:
        if not any(lists_tables(t.action) for t in history):
            return "I do not know the tables yet; list them first.", LIST_TABLES
        return "No table seems to hold what the task asks about; stop here.", STOP
    inspected = any((target := table_info_target(t.action)) and target.lower() == table.name.lower()
                    for t in history)
    if not inspected and (look_first or not table.columns):
        return f"The task seems to be about the {table.name} table; check its columns first.", \
            f"PRAGMA table_info({quote(table.name)})"
    if any(read_result(t.observation).error is not None for t in history[-1:]) and not inspected:
        return f"Check the columns of {table.name}.", f"PRAGMA table_info({quote(table.name)})"
    sql = query_for(task, table)
    if any(t.action == sql and read_result(t.observation).error is not None for t in history):
        return "The query fails and I see no other way to answer; stop here.", STOP
    return f"Query the {table.name} table, which the task is most likely about.", sql


def best_table(task: str, schema: Schema) -> Table | None:
    """The known table whose name, then columns, share the most words with the task."""
    asked = _stems(task)
    scored = []
    for table in schema.real_tables() or list(schema.tables.values()):
        own = len(asked & _stems(words(table.name)))
        columns = len(asked & set().union(*(_stems(words(c)) for c in table.columns))) if table.columns else 0
        scored.append((2 * own + columns, table.rows or 0, table.name))
    if not scored:
        return None
    best = max(scored)
    return schema.table(best[2])


def query_for(task: str, table: Table) -> str:
    """The query the task's words suggest: a count, an average, a total, a top or bottom few, or some rows."""
    text = task.lower()
    asked = _stems(task)
    matched = [c for c in table.columns if _stems(words(c)) & asked and not kinds.is_key(table, c)]
    quantity = next((c for c in matched if kinds.is_quantity(table, c)), None) or \
        next((c for c in table.columns if kinds.is_quantity(table, c)), None)
    category = next((c for c in matched if kinds.is_category(table, c)), None)
    name = quote(table.name)
    if re.search(r"\b(?:each|per)\b", text) and category:
        return f"SELECT {quote(category)}, COUNT(*) AS n FROM {name} GROUP BY {quote(category)} ORDER BY n DESC"
    if re.search(r"\b(?:how many|count|number of)\b", text):
        return f"SELECT COUNT(*) FROM {name}"
    if quantity and re.search(r"\b(?:average|mean)\b", text):
        return f"SELECT AVG({quote(quantity)}) FROM {name}"
    if quantity and re.search(r"\b(?:total|sum)\b", text):
        return f"SELECT SUM({quote(quantity)}) FROM {name}"
    if quantity and re.search(r"\b(?:highest|most|top|largest|longest|biggest|maximum)\b", text):
        return f"SELECT * FROM {name} ORDER BY {quote(quantity)} DESC LIMIT 5"
    if quantity and re.search(r"\b(?:lowest|least|cheapest|smallest|shortest|minimum)\b", text):
        return f"SELECT * FROM {name} ORDER BY {quote(quantity)} ASC LIMIT 5"
    if category and re.search(r"\b(?:distinct|different|which)\b", text):
        return f"SELECT DISTINCT {quote(category)} FROM {name} ORDER BY {quote(category)}"
    shown = ", ".join(quote(c) for c in matched[:4]) or "*"
    return f"SELECT {shown} FROM {name} LIMIT 10"


def _stems(text: str) -> set[str]:
    return {singular(w) for w in _WORD.findall(text.lower()) if len(w) > 2}
