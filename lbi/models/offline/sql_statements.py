"""Splits the SQL statements the offline actor writes into their clauses (not a general SQL parser)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lbi.models.offline.chinook import COLUMNS, TABLES

_SELECT = re.compile(
    r"^SELECT\s+(?P<distinct>DISTINCT\s+)?(?P<columns>.+?)\s+FROM\s+(?P<table>\w+)"
    r"(?P<joins>(?:\s+(?:INNER\s+|LEFT\s+)?JOIN\s+\w+\s+ON\s+[\w.]+\s*=\s*[\w.]+)*)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+GROUP\s+BY\s+(?P<group>.+?))?"
    r"(?:\s+HAVING\s+(?P<having>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_JOIN = re.compile(r"JOIN\s+(\w+)\s+ON", re.IGNORECASE)
_INSERT = re.compile(r"^INSERT\s+INTO\s+(?P<table>\w+)\s*\((?P<columns>[^)]*)\)\s*VALUES\s*\((?P<values>.*)\)\s*;?$",
                     re.IGNORECASE | re.DOTALL)
_UPDATE = re.compile(r"^UPDATE\s+(?P<table>\w+)\s+SET\s+(?P<assignments>.+?)(?:\s+WHERE\s+(?P<where>.+?))?\s*;?$",
                     re.IGNORECASE | re.DOTALL)
_DELETE = re.compile(r"^DELETE\s+FROM\s+(?P<table>\w+)(?:\s+WHERE\s+(?P<where>.+?))?\s*;?$", re.IGNORECASE | re.DOTALL)
_TABLE_INFO = re.compile(r"^PRAGMA\s+table_info\s*\(\s*['\"]?(\w+)['\"]?\s*\)\s*;?$", re.IGNORECASE)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_TABLE_WORDS = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|table_info\s*\(\s*['\"]?)\s*(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class Select:
    distinct: bool
    columns: tuple[str, ...]
    table: str
    joins: tuple[str, ...]
    where: str | None
    group: str | None
    having: str | None
    order: str | None
    limit: int | None


@dataclass(frozen=True)
class Change:
    verb: str  # insert | update | delete
    table: str
    assignments: tuple[tuple[str, str], ...]
    where: str | None


def normalize(sql: str) -> str:
    return " ".join(sql.split())


def parse_select(sql: str) -> Select | None:
    match = _SELECT.match(normalize(sql))
    if match is None:
        return None
    return Select(
        distinct=bool(match["distinct"]),
        columns=tuple(split_top_level(match["columns"], ",")),
        table=match["table"],
        joins=tuple(_JOIN.findall(match["joins"] or "")),
        where=match["where"],
        group=match["group"],
        having=match["having"],
        order=match["order"],
        limit=int(match["limit"]) if match["limit"] else None,
    )


def parse_change(sql: str) -> Change | None:
    text = normalize(sql)
    if match := _INSERT.match(text):
        columns = [c.strip() for c in match["columns"].split(",")]
        values = split_top_level(match["values"], ",")
        return Change("insert", match["table"], tuple(zip(columns, values)), None)
    if match := _UPDATE.match(text):
        pairs = [split_top_level(a, "=") for a in split_top_level(match["assignments"], ",")]
        return Change("update", match["table"], tuple((p[0], p[-1]) for p in pairs), match["where"])
    if match := _DELETE.match(text):
        return Change("delete", match["table"], (), match["where"])
    return None


def table_info_target(sql: str) -> str | None:
    match = _TABLE_INFO.match(normalize(sql))
    return match.group(1) if match else None


def lists_tables(sql: str) -> bool:
    text = normalize(sql).lower()
    return "sqlite_master" in text or "sqlite_schema" in text or text.startswith(".tables")


def is_schema_lookup(sql: str) -> bool:
    return lists_tables(sql) or normalize(sql).upper().startswith("PRAGMA")


def split_top_level(text: str, separator: str) -> list[str]:
    """Splits on ``separator`` outside parentheses and quotes ('a, f(b, c)' -> ['a', 'f(b, c)'])."""
    parts, depth, quoted, current = [], 0, False, []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if not quoted and depth == 0 and text[i:i + len(separator)].upper() == separator.upper():
            parts.append("".join(current).strip())
            current = []
            i += len(separator)
            continue
        current.append(char)
        i += 1
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def literals(sql: str) -> list[str]:
    """The string literals of a statement, unquoted ('%Love%' -> 'Love')."""
    return [m.group(0)[1:-1].replace("''", "'").strip("%") for m in _LITERAL.finditer(sql)]


def without_literals(sql: str) -> str:
    return _LITERAL.sub("''", sql)


def tables_used(sql: str) -> list[str]:
    found = []
    for name in _TABLE_WORDS.findall(without_literals(sql)):
        table = next((t for t in TABLES if t.lower() == name.lower()), None)
        if table and table not in found:
            found.append(table)
    return found


def columns_used(sql: str) -> list[str]:
    code = without_literals(sql)
    return sorted({c for c in COLUMNS if re.search(rf"\b{c}\b", code, re.IGNORECASE)})
