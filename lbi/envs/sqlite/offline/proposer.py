"""Self-instruct on any SQLite database: tasks on the tables and columns the episode's overview shows,
preferring what the document talks about (its tables, columns and SQL features)."""

from __future__ import annotations

import functools
import re
from random import Random

from lbi.envs.sqlite.offline import column_kinds
from lbi.envs.sqlite.offline.names import count_mentions, forms, mentions, nouns, words
from lbi.envs.sqlite.offline.schema import Schema, Table, read_overview
from lbi.envs.sqlite.offline.tasks import KINDS, Bound, Kind, bind, fill, phrases, recognize
from lbi.models.offline.proposing import weighted_order

_FEATURES = {
    "count": r"\bcount\b|\bhow many\b", "avg": r"\bavg\s*\(|\baverage\b|\bmean\b", "sum": r"\bsum\s*\(|\btotal",
    "minmax": r"\b(?:min|max)\s*\(|\bminimum\b|\bmaximum\b", "aggregate": r"\baggregate",
    "group": r"\bgroup\s+by\b|\bper\b|\beach\b", "order": r"\border\s+by\b|\bsort|\btop\b", "limit": r"\blimit\b",
    "join": r"\bjoin|\breferences\b|\bforeign key", "distinct": r"\bdistinct\b|\bdifferent\b",
    "subquery": r"\bsubquer|\bexists\b|\bin\s*\(\s*select", "null": r"\bnull\b|\bmissing\b", "where": r"\bwhere\b",
    "date": r"\b(?:strftime|date|datetime|julianday)\s*\(|\bdates?\b|\byears?\b",
    "insert": r"\binsert|\badd(?:s|ing)? (?:a )?new\b", "update": r"\bupdat(?:e|es|ing)\b|\bchang(?:e|es|ing) (?:the )?data\b",
    "delete": r"\bdelet(?:e|es|ing)\b|\bremov(?:e|es|ing)\b",
}
_COMMON = frozenset({"where", "null", "count", "group"})  # words most documents use in passing
_WRITES = frozenset({"insert", "update", "delete"})
NUMBERS = (3, 5, 10)


def propose(document: str, environment: str, count: int, rng: Random) -> list[str]:
    schema = read_overview(environment)
    features = features_in(document)
    candidates = [(kind, bound) for kind in KINDS if not kind.writes or kind.features & features & _WRITES
                  for bound in _bindings(kind, schema, environment, rng)]
    if not candidates:
        return []
    table_weight = _table_weights(schema, document)
    weights = [_weight(kind, bound, table_weight, document, features) for kind, bound in candidates]
    order = weighted_order(candidates, weights, rng)
    tasks: list[str] = []
    used_kinds: set[str] = set()
    for repeat in (False, True):
        for kind, bound in order:
            if len(tasks) == count:
                return tasks
            if kind.name in used_kinds and not repeat:
                continue
            task = fill(rng.choice(kind.templates), phrases(kind, bound))
            if task not in tasks and _understood(task, kind, bound, schema):
                tasks.append(task)
                used_kinds.add(kind.name)
    return tasks


def features_in(text: str) -> set[str]:
    return {name for name, pattern in _FEATURES.items() if re.search(pattern, text, re.IGNORECASE)}


def _bindings(kind: Kind, schema: Schema, environment: str, rng: Random) -> list[Bound]:
    """Every table, column and parent the kind fits in ``schema`` (read from ``environment``), each with a
    number drawn from ``rng``."""
    return [Bound(schema.table(table), column, parent and schema.table(parent), rng.choice(NUMBERS))
            for table, column, parent in _fits(kind, environment)]


@functools.lru_cache(maxsize=1024)
def _fits(kind: Kind, environment: str) -> list[tuple[str, str | None, str | None]]:
    """(table, column, parent) names the kind fits in the overview's schema. Memoized: they depend on the
    schema alone, and finding them was ~40 % of a proposal's CPU."""
    schema = read_overview(environment)
    found = []
    for table in schema.real_tables():
        if not table.rows and not kind.writes or kind.inspect_first and _link_table(table):
            continue
        parents = ([(p, col) for col, p, _ in column_kinds.references(schema, table)] if kind.joins else [(None, None)])
        for parent, _ in parents:
            owner = parent if kind.column_of_parent else table
            columns = [col for col in owner.columns if kind.column(owner, col)] if kind.column else [None]
            found += [(table.name, col, parent and parent.name) for col in columns]
    return found


def _link_table(table: Table) -> bool:
    return all(column_kinds.is_key(table, col) for col in table.columns)


def _understood(task: str, kind: Kind, bound: Bound, schema: Schema) -> bool:
    """Whether the actor, reading the task against the same schema, finds this kind, tables and column."""
    recognized = recognize(task)
    if recognized is None or recognized[0] is not kind:
        return False
    again = bind(kind, recognized[1], schema)
    if not isinstance(again, Bound) or (again.table, again.column, again.parent) != \
            (bound.table, bound.column, bound.parent):
        return False
    return kind.inspect_first or isinstance(kind.steps[0].write(bound, None), str)


def _table_weights(schema: Schema, document: str) -> dict[str, float]:
    """How much the document is about each table: its names, then its columns' names."""
    scores = {}
    for table in schema.real_tables():
        named = sum(count_mentions(document, form) for form in forms(table.name))
        last = nouns(table.name)[1].split()[-1]
        named += 0.5 * count_mentions(document, last)
        columns = sum(mentions(document, words(col)) for col in table.columns if len(words(col)) > 3)
        scores[table.name] = named + 0.3 * columns
    most = max(scores.values(), default=0) or 1
    return {name: score / most for name, score in scores.items()}


def _weight(kind: Kind, bound: Bound, table_weight: dict[str, float], document: str, features: set[str]) -> float:
    topical = table_weight[bound.table.name] + (table_weight[bound.parent.name] if bound.parent else 0)
    column = 1.0 if bound.column and (mentions(document, words(bound.column)) or mentions(document, bound.column)) else 0
    featured = sum(1 if f in _COMMON else 2 for f in kind.features & features)
    return ((0.2 + topical) * (1 + column) * (1 + featured)) ** 2
