"""Splits the SQL statements the offline actor writes into their clauses (not a general SQL parser).

Identifiers may be bare or quoted ("Patient Visits", [x], `x`); names come back unquoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IDENT = r'(?:"(?:[^"]|"")+"|\[[^\]]+\]|`[^`]+`|[A-Za-z_]\w*)'
REF = rf"{IDENT}(?:\s*\.\s*{IDENT})?"
_SELECT = re.compile(
    rf"^SELECT\s+(?P<distinct>DISTINCT\s+)?(?P<columns>.+?)\s+FROM\s+(?P<table>{IDENT})"
    rf"(?P<joins>(?:\s+(?:INNER\s+|LEFT\s+)?JOIN\s+{IDENT}\s+ON\s+{REF}\s*=\s*{REF})*)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+GROUP\s+BY\s+(?P<group>.+?))?"
    r"(?:\s+HAVING\s+(?P<having>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_JOIN = re.compile(rf"JOIN\s+({IDENT})\s+ON", re.IGNORECASE)
_INSERT = re.compile(rf"^INSERT\s+INTO\s+(?P<table>{IDENT})\s*\((?P<columns>[^)]*)\)\s*VALUES\s*\((?P<values>.*)\)\s*;?$",
                     re.IGNORECASE | re.DOTALL)
_UPDATE = re.compile(rf"^UPDATE\s+(?P<table>{IDENT})\s+SET\s+(?P<assignments>.+?)(?:\s+WHERE\s+(?P<where>.+?))?\s*;?$",
                     re.IGNORECASE | re.DOTALL)
_DELETE = re.compile(rf"^DELETE\s+FROM\s+(?P<table>{IDENT})(?:\s+WHERE\s+(?P<where>.+?))?\s*;?$",
                     re.IGNORECASE | re.DOTALL)
_TABLE_INFO = re.compile(rf"^PRAGMA\s+(?:table_info|table_xinfo)\s*\(\s*(?P<table>'(?:[^']|'')+'|{IDENT})\s*\)\s*;?$",
                         re.IGNORECASE)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_TABLE_WORDS = re.compile(rf"\b(?:FROM|JOIN|INTO|UPDATE)\s+({IDENT})", re.IGNORECASE)
_TOKEN = re.compile(rf"(?:({IDENT})\s*\.\s*)?({IDENT})(\s*\()?", re.IGNORECASE)
_ALIAS = re.compile(rf"\bAS\s+({IDENT})", re.IGNORECASE)
KEYWORDS = frozenset("""select distinct from where group by having order limit offset as and or not null is in
like glob between case when then else end join inner left outer cross on asc desc insert into values update set
delete pragma with union all except intersect exists cast collate escape table_info current_date
current_time current_timestamp true false""".split())


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


def unquote(identifier: str) -> str:
    text = identifier.strip()
    if len(text) >= 2 and text[0] + text[-1] in ('""', "[]", "``", "''"):
        return text[1:-1].replace(text[0] * 2, text[0]) if text[0] in "\"'" else text[1:-1]
    return text


def normalize(sql: str) -> str:
    return " ".join(sql.split())


def parse_select(sql: str) -> Select | None:
    match = _SELECT.match(normalize(sql))
    if match is None:
        return None
    return Select(
        distinct=bool(match["distinct"]),
        columns=tuple(split_top_level(match["columns"], ",")),
        table=unquote(match["table"]),
        joins=tuple(unquote(j) for j in _JOIN.findall(match["joins"] or "")),
        where=match["where"],
        group=match["group"],
        having=match["having"],
        order=match["order"],
        limit=int(match["limit"]) if match["limit"] else None,
    )


def parse_change(sql: str) -> Change | None:
    text = normalize(sql)
    if match := _INSERT.match(text):
        columns = [unquote(c) for c in split_top_level(match["columns"], ",")]
        values = split_top_level(match["values"], ",")
        return Change("insert", unquote(match["table"]), tuple(zip(columns, values)), None)
    if match := _UPDATE.match(text):
        pairs = [split_top_level(a, "=") for a in split_top_level(match["assignments"], ",")]
        return Change("update", unquote(match["table"]), tuple((unquote(p[0]), p[-1]) for p in pairs), match["where"])
    if match := _DELETE.match(text):
        return Change("delete", unquote(match["table"]), (), match["where"])
    return None


def table_info_target(sql: str) -> str | None:
    match = _TABLE_INFO.match(normalize(sql))
    return unquote(match["table"]) if match else None


def lists_tables(sql: str) -> bool:
    text = normalize(sql).lower()
    return "sqlite_master" in text or "sqlite_schema" in text or text.startswith(".tables")


def is_schema_lookup(sql: str) -> bool:
    return lists_tables(sql) or normalize(sql).upper().startswith("PRAGMA")


def split_top_level(text: str, separator: str) -> list[str]:
    """Splits on ``separator`` outside parentheses and quotes ('a, f(b, c)' -> ['a', 'f(b, c)'])."""
    parts, depth, quote, current = [], 0, "", []
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if not quote and depth == 0 and text[i:i + len(separator)].upper() == separator.upper():
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
    """The tables a statement names (after FROM, JOIN, INTO, UPDATE, or in PRAGMA table_info)."""
    if target := table_info_target(sql):
        return [target]
    found: list[str] = []
    for name in _TABLE_WORDS.findall(without_literals(sql)):
        table = unquote(name)
        if table.lower() not in KEYWORDS and table not in found and not table.lower().startswith("sqlite_"):
            found.append(table)
    return found


def column_refs(sql: str) -> list[tuple[str | None, str]]:
    """(table or None, column) for each identifier of a statement that names a column: not a keyword,
    a function, a table or an alias. Unqualified names have no table."""
    code = without_literals(sql)
    tables = {t.lower() for t in tables_used(sql)}
    aliases = {unquote(a).lower() for a in _ALIAS.findall(code)}
    after_table = {m.start(1) for m in _TABLE_WORDS.finditer(code)}
    found: list[tuple[str | None, str]] = []
    for match in _TOKEN.finditer(code):
        owner_ref, ref, call = match.groups()
        if call or match.start() in after_table:
            continue
        owner, name = unquote(owner_ref) if owner_ref else None, unquote(ref)
        bare = not ref.startswith(('"', "[", "`"))
        if owner is None and (name.lower() in tables or name.lower() in aliases
                              or (bare and name.lower() in KEYWORDS)):
            continue
        if (owner, name) not in found:
            found.append((owner, name))
    return found
