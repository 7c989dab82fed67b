"""Says in English what one SQL statement does ('SELECT COUNT(*) FROM Track WHERE GenreId = 1'
-> 'Count the tracks whose genre id is 1.'), for the statement shapes the offline actor writes."""

from __future__ import annotations

import re
from random import Random

from lbi.models.offline.chinook import NOUNS, column_words, split_words
from lbi.models.offline.sql_statements import (
    Change, Select, lists_tables, parse_change, parse_select, split_top_level, table_info_target, tables_used,
)

# (column, value) -> what the value stands for, learnt from an earlier look-up: ("GenreId", "1") -> "genre is 'Rock'"
Known = dict[tuple[str, str], str]

_ALIAS = re.compile(r"^(?P<expr>.+?)\s+AS\s+(?P<alias>\w+)$", re.IGNORECASE)
_AGGREGATE = re.compile(r"^(?P<fn>COUNT|SUM|AVG|MIN|MAX)\s*\(\s*(?P<distinct>DISTINCT\s+)?(?P<arg>.+?)\s*\)$",
                        re.IGNORECASE)
_FUNCTION = re.compile(r"^(?P<fn>UPPER|LOWER|LENGTH|TRIM)\s*\(\s*(?P<arg>.+?)\s*\)$", re.IGNORECASE)
_STRFTIME_YEAR = re.compile(r"^strftime\s*\(\s*'%Y'\s*,\s*(?P<arg>[\w.]+)\s*\)$", re.IGNORECASE)
_COLUMN_REF = re.compile(r"^(?:(?P<table>\w+)\.)?(?P<column>\w+)$")
_COMPARISON = re.compile(r"^(?P<left>.+?)\s*(?P<op>>=|<=|<>|!=|=|>|<)\s*(?P<right>.+)$")
_LIKE = re.compile(r"^(?P<left>.+?)\s+LIKE\s+'(?P<pattern>.*)'$", re.IGNORECASE)
_NULL_TEST = re.compile(r"^(?P<left>.+?)\s+IS\s+(?P<negated>NOT\s+)?NULL$", re.IGNORECASE)
_SUBQUERY = re.compile(r"^\(\s*SELECT\s+(?P<expr>.+?)\s+FROM\s+\w+\s*\)$", re.IGNORECASE)
_OPERATOR_WORDS = {"=": "is", "!=": "is not", "<>": "is not", ">": "is greater than", ">=": "is at least",
                   "<": "is less than", "<=": "is at most"}
_SUPERLATIVES = {"milliseconds": ("longest", "shortest"), "bytes": ("largest", "smallest"),
                 "unitprice": ("most expensive", "cheapest"), "total": ("largest", "smallest")}


def describe(sql: str, rng: Random, known: Known | None = None) -> str:
    known = known or {}
    if lists_tables(sql):
        return "List the tables in the Chinook database."
    if table := table_info_target(sql):
        return f"Show the columns of the {table} table and their types."
    if select := parse_select(sql):
        return _select(select, rng, known) + "."
    if change := parse_change(sql):
        return _change(change, known) + "."
    tables = tables_used(sql)
    return f"Run a query on the {tables[0]} table." if tables else "Run a query on the Chinook database."


def nouns(table: str) -> tuple[str, str]:
    return NOUNS.get(table, (split_words(table), split_words(table) + "s"))


def _select(s: Select, rng: Random, known: Known) -> str:
    singular, plural = nouns(s.table)
    aliases = {m["alias"]: m["expr"] for c in s.columns if (m := _ALIAS.match(c))}
    entity = _group_entity(s.group, s.table)
    grouped = bool(s.group) and entity != s.table  # each row is a group, not one of the table's rows
    group_words = (nouns(entity)[0] if entity else _group_words(s.group, aliases, s.table)) if grouped else ""
    shown = [c for c in s.columns if not (grouped and _is_group_key(c, s.group or "", aliases))] or list(s.columns)
    phrases = [_expression(c, s.table) for c in shown]
    noun, order = f"the {plural}", ""
    if s.order:
        term, descending = _order_term(s.order)
        phrase = group_words if grouped and term == (s.group or "").strip() else _expression(aliases.get(term, term), s.table)
        extreme = "highest" if descending else "lowest"
        superlative = _superlative(aliases.get(term, term), descending)
        if s.limit and not grouped:
            count = "" if s.limit == 1 else f"{s.limit} "
            name = singular if s.limit == 1 else plural
            noun = f"the {count}{superlative} {name}" if superlative else f"the {count}{name} with the {extreme} {phrase}"
        elif s.limit:
            order = f", keeping the {s.limit} with the {extreme} {phrase}"
        else:
            order = f", sorted by {phrase}" + (" from highest to lowest" if descending else "")
    elif s.limit:
        noun = f"the first {s.limit} {plural}"
    whose = _conditions(s.where, s.table, known)
    having = f", keeping only those whose {_condition(s.having, s.table, known)}" if s.having else ""
    scope = f" for each {group_words}" if grouped else ""
    if all(_is_aggregate(c) for c in shown):
        if [_core(c).upper().replace(" ", "") for c in shown] == ["COUNT(*)"]:
            if rng.random() < 0.5:
                return f"Count {noun}{whose}{scope}{having}{order}"
            return f"Find the number of {noun.removeprefix('the ')}{whose}{scope}{having}{order}"
        return f"{rng.choice(('Find', 'Compute'))} the {_join(phrases)} of {noun}{whose}{scope}{having}{order}"
    verb = rng.choice(("List", "Show"))
    if grouped and entity:
        return f"{verb} the {_join(phrases)} for each {group_words}{whose}{having}{order}"
    distinct = "distinct " if s.distinct else ""
    return f"{verb} the {distinct}{_join(phrases)} of {noun}{whose}{scope}{having}{order}"


def _is_group_key(column: str, group: str, aliases: dict[str, str]) -> bool:
    alias_match = _ALIAS.match(column)
    return column.strip() == group.strip() or bool(alias_match and alias_match["alias"] == group.strip())


def _change(c: Change, known: Known) -> str:
    singular, plural = nouns(c.table)
    whose = _conditions(c.where, c.table, known)
    if c.verb == "insert":
        return f"Add a new {singular} with " + _join([f"{_column(col, c.table)} {value}" for col, value in c.assignments])
    if c.verb == "update":
        sets = _join([f"the {_column(col, c.table)} to {value}" for col, value in c.assignments])
        return f"Set {sets} for the {plural}{whose}"
    return f"Delete the {plural}{whose}"


def _expression(expr: str, table: str) -> str:
    alias_match = _ALIAS.match(expr)
    core = _core(expr)
    if aggregate := _AGGREGATE.match(core):
        fn, arg = aggregate["fn"].upper(), aggregate["arg"]
        if fn == "COUNT" and arg == "*":
            return f"number of {nouns(table)[1]}"
        inner = _column(arg, table) if _COLUMN_REF.match(arg) else _expression(arg, table)
        if aggregate["distinct"]:
            return f"number of distinct {inner} values"
        return {"COUNT": f"number of {inner} values", "SUM": f"combined {inner}", "AVG": f"average {inner}",
                "MIN": f"lowest {inner}", "MAX": f"highest {inner}"}[fn]
    if function := _FUNCTION.match(core):
        inner = _column(function["arg"], table)
        return {"UPPER": f"{inner} in upper case", "LOWER": f"{inner} in lower case",
                "LENGTH": f"length of the {inner}", "TRIM": f"trimmed {inner}"}[function["fn"].upper()]
    if year := _STRFTIME_YEAR.match(core):
        return f"year of the {_column(year['arg'], table)}"
    if core.strip() == "*":
        return "details"
    if _COLUMN_REF.match(core.strip()):
        return _column(core.strip(), table)
    return split_words(alias_match["alias"]) if alias_match else core


def _column(ref: str, table: str) -> str:
    match = _COLUMN_REF.match(ref.strip())
    if match is None:
        return ref
    owner, column = match["table"], match["column"]
    words = column_words(column)
    if owner and owner != table and owner in NOUNS:
        return f"{NOUNS[owner][0]} {words}"
    return words


def _core(expr: str) -> str:
    """The expression without its alias."""
    alias_match = _ALIAS.match(expr)
    return alias_match["expr"] if alias_match else expr


def _is_aggregate(expr: str) -> bool:
    return bool(_AGGREGATE.match(_core(expr)))


def _conditions(where: str | None, table: str, known: Known) -> str:
    if not where:
        return ""
    return " whose " + _join([_condition(part, table, known) for part in split_top_level(where, " AND ")])


def _condition(condition: str, table: str, known: Known) -> str:
    condition = condition.strip()
    if like := _LIKE.match(condition):
        pattern, subject = like["pattern"], _subject(like["left"], table)
        text = pattern.strip("%")
        if pattern.startswith("%") and pattern.endswith("%"):
            return f"{subject} contains '{text}'"
        return f"{subject} {'ends' if pattern.startswith('%') else 'starts'} with '{text}'"
    if null := _NULL_TEST.match(condition):
        return f"{_subject(null['left'], table)} is {'recorded' if null['negated'] else 'missing'}"
    comparison = _COMPARISON.match(condition)
    if comparison is None:
        return f"{condition} holds"
    left, op, right = comparison["left"].strip(), comparison["op"], comparison["right"].strip()
    column = _COLUMN_REF.match(left)
    if column and (column["column"], right.strip("'")) in known and op == "=":
        return known[(column["column"], right.strip("'"))]
    if year := _STRFTIME_YEAR.match(left):
        return f"{_column(year['arg'], table)} falls in {right.strip(chr(39))}"
    if subquery := _SUBQUERY.match(right):
        side = {">": "above", ">=": "at or above", "<": "below", "<=": "at or below"}.get(op, _OPERATOR_WORDS[op])
        return f"{_subject(left, table)} is {side} the {_expression(subquery['expr'], table)}"
    return f"{_subject(left, table)} {_OPERATOR_WORDS[op]} {right}"


def _subject(expr: str, table: str) -> str:
    return _column(expr, table) if _COLUMN_REF.match(expr.strip()) else _expression(expr, table)


def _order_term(order: str) -> tuple[str, bool]:
    first = split_top_level(order, ",")[0]
    descending = bool(re.search(r"\s+DESC$", first, re.IGNORECASE))
    return re.sub(r"\s+(?:ASC|DESC)$", "", first, flags=re.IGNORECASE).strip(), descending


def _superlative(expr: str, descending: bool) -> str | None:
    if function := _FUNCTION.match(expr.strip()):
        if function["fn"].upper() == "LENGTH" and _COLUMN_REF.match(function["arg"]):
            return f"{'longest' if descending else 'shortest'}-named"
        return None
    column = _COLUMN_REF.match(expr.strip())
    if column is None or column["column"].lower() not in _SUPERLATIVES:
        return None
    return _SUPERLATIVES[column["column"].lower()][0 if descending else 1]


def _group_entity(group: str | None, table: str) -> str | None:
    """The table whose rows the groups are, when grouping by a table's own id ('Album.AlbumId' -> 'Album')."""
    if not group:
        return None
    column = _COLUMN_REF.match(group.strip())
    if column is None or not column["column"].endswith("Id"):
        return None
    owner = column["table"] or table
    return owner if column["column"] == f"{owner}Id" else None


def _group_words(group: str, aliases: dict[str, str], table: str) -> str:
    term = group.strip()
    if term in aliases:
        return split_words(term)
    return _expression(term, table)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
