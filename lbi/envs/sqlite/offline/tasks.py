"""The kinds of task the offline model proposes on any SQLite database: sentences with slots for a table
({rows}/{row}), a column ({column}), a referenced table ({parent}/{parents}) and a number ({n}), and the
statements that do them, written from whatever schema is known.

``recognize`` inverts the sentences, so the actor knows what a proposed task asks; ``bind`` finds the slots'
tables and columns in the schema it knows, or says what it must inspect first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Callable

from lbi.envs.sqlite.offline import column_kinds as kinds
from lbi.envs.sqlite.offline.names import nouns, quote, words
from lbi.envs.sqlite.offline.results import Result
from lbi.envs.sqlite.offline.schema import Schema, Table


@dataclass(frozen=True)
class Bound:
    table: Table
    column: str | None = None
    parent: Table | None = None
    n: int | None = None


@dataclass(frozen=True)
class Missing:
    """What must be looked at before the statement can be written: a table's columns, or (None) the tables."""
    table: Table | None


@dataclass(frozen=True)
class Step:
    reason: str  # may use {table}, {column}, {parent}, {n}
    write: Callable[[Bound, Result | None], str | Missing]


@dataclass(frozen=True)
class Kind:
    name: str
    features: frozenset[str]
    templates: tuple[str, ...]
    steps: tuple[Step, ...]
    column: Callable[[Table, str], bool] | None = None  # which columns fit the {column} slot
    column_of_parent: bool = False
    joins: bool = False
    writes: bool = False
    inspect_first: bool = False  # needs table_info (types, NOT NULL) before its statements


def t(table: Table) -> str:
    return quote(table.name)


def c(column: str, table: Table | None = None) -> str:
    return f"{quote(table.name)}.{quote(column)}" if table is not None else quote(column)


def _any_column(table: Table, column: str) -> bool:
    return not kinds.is_key(table, column)


def _quantity_or_date(table: Table, column: str) -> bool:
    return kinds.is_quantity(table, column) or kinds.is_date(table, column)


def _top(direction: str) -> Callable[[Bound, Result | None], str]:
    def write(b: Bound, _: Result | None) -> str:
        label = kinds.label(b.table)
        shown = f"{c(label)}, {c(b.column)}" if label and label != b.column else "*"
        return f"SELECT {shown} FROM {t(b.table)} ORDER BY {c(b.column)} {direction} LIMIT {b.n}"
    return write


def _join(b: Bound) -> str | Missing:
    """'Child JOIN Parent ON Child.fk = Parent.key', or what to inspect to find the key."""
    for table in (b.table, b.parent):
        if not table.complete:
            return Missing(table)
    for column, parent, key in kinds.references(_pair_schema(b), b.table):
        if parent is b.parent:
            return f"{t(b.table)} JOIN {t(parent)} ON {c(column, b.table)} = {c(key, parent)}"
    return Missing(None)


def _pair_schema(b: Bound) -> Schema:
    return Schema({b.table.name.lower(): b.table, b.parent.name.lower(): b.parent})


def _children_per_parent(b: Bound, _: Result | None) -> str | Missing:
    join = _join(b)
    if isinstance(join, Missing):
        return join
    key = kinds.primary_key(b.parent) or b.parent.columns[0]
    label = kinds.label(b.parent) or key
    return (f"SELECT {c(label, b.parent)}, COUNT(*) AS n FROM {join} GROUP BY {c(key, b.parent)} "
            f"ORDER BY n DESC LIMIT {b.n}")


def _children_with_parent(b: Bound, _: Result | None) -> str | Missing:
    join = _join(b)
    if isinstance(join, Missing):
        return join
    own = kinds.label(b.table) or kinds.primary_key(b.table) or b.table.columns[0]
    return f"SELECT {c(own, b.table)}, {c(b.column, b.parent)} FROM {join} LIMIT {b.n}"


def _rows_having_value(b: Bound, previous: Result | None) -> str | Missing:
    value = previous.first_value if previous is not None and previous.rows else None
    if value is None or "...(+" in value or "\\" in value:
        return Missing(None)
    if value == "NULL":
        return f"SELECT * FROM {t(b.table)} WHERE {c(b.column)} IS NULL LIMIT 20"
    literal = value if re.fullmatch(r"-?\d+(?:\.\d+)?", value) else "'" + value.replace("'", "''") + "'"
    return f"SELECT * FROM {t(b.table)} WHERE {c(b.column)} = {literal} LIMIT 20"


def _insert(b: Bound, _: Result | None) -> str | Missing:
    table = b.table
    if not table.types:
        return Missing(table)
    if len(table.keys) > 1:
        return Missing(None)  # a link table: a made-up pair of keys may already be there
    wanted = [col for col in table.columns
              if col not in table.keys and (col in table.required or col == kinds.label(table))]
    wanted = wanted or [col for col in table.columns if col not in table.keys][:1]
    if not wanted or any(not re.search(r"INT", table.types.get(k, ""), re.IGNORECASE) for k in table.keys):
        return Missing(None)
    values = [_sample_value(table, col) for col in wanted]
    return f"INSERT INTO {t(table)} ({', '.join(c(col) for col in wanted)}) VALUES ({', '.join(values)})"


def _sample_value(table: Table, column: str) -> str:
    declared = table.types.get(column, "")
    if kinds.is_date(table, column) or re.search(r"DATE|TIME", declared, re.IGNORECASE):
        return "'2024-01-15'"
    if re.search(r"INT|REAL|FLOA|DOUB|NUM|DEC|BOOL", declared, re.IGNORECASE):
        return "1"
    return "'Sample " + words(column).replace("'", "''") + "'"


def _count(b: Bound, _: Result | None) -> str:
    return f"SELECT COUNT(*) FROM {t(b.table)}"


def _most_common(b: Bound, _: Result | None) -> str:
    return f"SELECT {c(b.column)}, COUNT(*) AS n FROM {t(b.table)} GROUP BY {c(b.column)} ORDER BY n DESC LIMIT 1"


def _average(b: Bound, _: Result | None) -> str:
    return f"SELECT AVG({c(b.column)}) FROM {t(b.table)}"


def _kind(name: str, features: str, templates: tuple[str, ...], *steps: tuple[str, Callable], **options) -> Kind:
    return Kind(name, frozenset(features.split()), templates, tuple(Step(r, w) for r, w in steps), **options)


KINDS: tuple[Kind, ...] = (
    _kind("count_rows", "count aggregate",
          ("How many {rows} are there in the database?", "Count the {rows} stored in the database.",
           "What is the total number of {rows}?"),
          ("Count the rows of the {table} table.", _count)),
    _kind("count_distinct", "count distinct aggregate",
          ("How many different {column} values do the {rows} have?",
           "Count the distinct {column} values among the {rows}."),
          ("Count the distinct values of {column} in {table}.",
           lambda b, _: f"SELECT COUNT(DISTINCT {c(b.column)}) FROM {t(b.table)}"),
          column=_any_column),
    _kind("distinct_values", "distinct order",
          ("List the different {column} values of the {rows} in alphabetical order.",
           "Which distinct {column} values appear among the {rows}?"),
          ("Select the distinct values of {column} in {table}, sorted.",
           lambda b, _: f"SELECT DISTINCT {c(b.column)} FROM {t(b.table)} ORDER BY {c(b.column)}"),
          column=kinds.is_category),
    _kind("most_common", "group count order limit",
          ("Which {column} occurs most often among the {rows}?",
           "Find the most frequent {column} among the {rows} and how often it occurs."),
          ("Group {table} by {column}, count each group and keep the largest.", _most_common),
          column=kinds.is_category),
    _kind("group_count", "group count order aggregate",
          ("How many {rows} are there for each {column}?", "Count the {rows} per {column}, largest groups first."),
          ("Group {table} by {column} and count the rows of each group.",
           lambda b, _: f"SELECT {c(b.column)}, COUNT(*) AS n FROM {t(b.table)} GROUP BY {c(b.column)} ORDER BY n DESC"),
          column=kinds.is_category),
    _kind("top_n", "order limit",
          ("List the {n} {rows} with the highest {column}.", "Which {n} {rows} have the largest {column}?"),
          ("Sort {table} by {column}, highest first, and keep {n}.", _top("DESC")),
          column=kinds.is_quantity),
    _kind("bottom_n", "order limit",
          ("List the {n} {rows} with the lowest {column}.", "Which {n} {rows} have the smallest {column}?"),
          ("Sort {table} by {column}, lowest first, and keep {n}.", _top("ASC")),
          column=kinds.is_quantity),
    _kind("average", "avg aggregate",
          ("What is the average {column} of the {rows}?", "Compute the mean {column} across all {rows}."),
          ("Average the {column} column of {table}.", _average),
          column=kinds.is_quantity),
    _kind("total", "sum aggregate",
          ("What is the total {column} of all {rows} together?", "Add up the {column} over every {row}."),
          ("Sum the {column} column of {table}.", lambda b, _: f"SELECT SUM({c(b.column)}) FROM {t(b.table)}"),
          column=kinds.is_quantity),
    _kind("range", "minmax aggregate",
          ("What are the smallest and largest {column} values among the {rows}?",
           "Find the minimum and maximum {column} of the {rows}."),
          ("Take MIN and MAX of {column} in {table}.",
           lambda b, _: f"SELECT MIN({c(b.column)}), MAX({c(b.column)}) FROM {t(b.table)}"),
          column=_quantity_or_date),
    _kind("missing", "null count where",
          ("How many {rows} have no {column} recorded?", "Count the {rows} whose {column} is missing."),
          ("Count the rows of {table} where {column} IS NULL.",
           lambda b, _: f"SELECT COUNT(*) FROM {t(b.table)} WHERE {c(b.column)} IS NULL"),
          column=_any_column),
    _kind("above_average", "subquery avg count where",
          ("How many {rows} have a {column} above the average?",
           "Count the {rows} whose {column} is higher than the average {column}."),
          ("Compare each row's {column} with the average from a subquery.",
           lambda b, _: f"SELECT COUNT(*) FROM {t(b.table)} WHERE {c(b.column)} > "
                        f"(SELECT AVG({c(b.column)}) FROM {t(b.table)})"),
          column=kinds.is_quantity),
    _kind("per_year", "date group count order",
          ("Count the {rows} by the year of their {column}.", "How many {rows} fall in each year of {column}?"),
          ("Group {table} by the year of {column} and count each year.",
           lambda b, _: f"SELECT strftime('%Y', {c(b.column)}) AS year, COUNT(*) AS n FROM {t(b.table)} "
                        f"GROUP BY year ORDER BY year"),
          column=kinds.is_date),
    _kind("children_per_parent", "join group count order limit",
          ("Which {n} {parents} have the most {rows}?", "List the {n} {parents} with the largest number of {rows}."),
          ("Join {table} to {parent}, count the rows per {parent} and keep the top {n}.", _children_per_parent),
          joins=True),
    _kind("children_with_parent", "join",
          ("List {n} {rows} together with the {column} of their {parent}.",
           "Show the first {n} {rows} along with the {column} of each one's {parent}."),
          ("Join {table} to {parent} on its key and show the {column} of the {parent}.", _children_with_parent),
          column=lambda table, column: column == kinds.label(table), column_of_parent=True, joins=True),
    _kind("most_common_then_rows", "group count order limit where",
          ("Find the most common {column} among the {rows}, then list the {rows} that have it.",),
          ("First find the most common {column} in {table}.", _most_common),
          ("Now list the rows of {table} with that {column}.", _rows_having_value),
          column=kinds.is_category),
    _kind("delete_missing", "delete null where",
          ("Delete the {rows} that have no {column}, then count the {rows} that remain.",),
          ("Delete the rows of {table} where {column} IS NULL.",
           lambda b, _: f"DELETE FROM {t(b.table)} WHERE {c(b.column)} IS NULL"),
          ("Count what is left in {table}.", _count),
          column=_any_column, writes=True),
    _kind("raise_quantity", "update",
          ("Increase the {column} of every {row} by 10 percent, then show the new average {column}.",),
          ("Multiply {column} by 1.1 in every row of {table}.",
           lambda b, _: f"UPDATE {t(b.table)} SET {c(b.column)} = {c(b.column)} * 1.1"),
          ("Check the new average of {column}.", _average),
          column=kinds.is_quantity, writes=True),
    _kind("add_row", "insert",
          ("Add a new {row} with sample values, then count the {rows} again.",),
          ("Insert a row into {table} with a value for each required column.", _insert),
          ("Count the rows of {table} to see the new one.", _count),
          writes=True, inspect_first=True),
)
BY_NAME = {kind.name: kind for kind in KINDS}
_SLOT = re.compile(r"\{(\w+)\}")


def phrases(kind: Kind, bound: Bound) -> dict[str, str]:
    """What fills each slot of the kind's sentences for these tables and column."""
    values = {"rows": nouns(bound.table.name)[1], "row": nouns(bound.table.name)[0], "n": str(bound.n or "")}
    if bound.column is not None:
        values["column"] = words(bound.column)
    if bound.parent is not None:
        values["parent"], values["parents"] = nouns(bound.parent.name)
    return values


def fill(text: str, values: dict[str, str]) -> str:
    return _SLOT.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def reason(step: Step, bound: Bound) -> str:
    return fill(step.reason, {"table": bound.table.name, "column": bound.column or "",
                              "parent": bound.parent.name if bound.parent else "", "n": str(bound.n or "")})


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], Kind], ...]:
    patterns = []
    for kind in KINDS:
        for template in kind.templates:
            pieces, seen, regex = _SLOT.split(template), set(), ""
            for i, piece in enumerate(pieces):
                if i % 2 == 0:
                    regex += re.escape(piece)
                elif piece in seen:
                    regex += f"(?P={piece})"
                else:
                    seen.add(piece)
                    regex += rf"(?P<{piece}>\d+)" if piece == "n" else f"(?P<{piece}>.+?)"
            patterns.append((re.compile(rf"^{regex}\s*$", re.IGNORECASE), kind))
    return tuple(patterns)


def recognize(task: str) -> tuple[Kind, dict[str, str]] | None:
    """The kind a sentence asks for and the text of each slot, for the sentences ``propose`` writes."""
    sentence = " ".join(task.split())
    for pattern, kind in _patterns():
        if match := pattern.match(sentence):
            return kind, match.groupdict()
    return None


def bind(kind: Kind, slots: dict[str, str], schema: Schema) -> Bound | Missing:
    """The slots' tables and column in ``schema``, or what to inspect to find them."""
    table = schema.find_table(slots.get("rows") or slots.get("row") or "")
    parent_text = slots.get("parent") or slots.get("parents")
    parent = schema.find_table(parent_text) if parent_text else None
    if table is None or (parent_text and parent is None):
        return Missing(None)
    column = None
    if "column" in slots:
        owner = parent if kind.column_of_parent else table
        column = schema.find_column(owner, slots["column"])
        if column is None:
            return Missing(owner)
    return Bound(table, column, parent, int(slots["n"]) if slots.get("n") else None)
