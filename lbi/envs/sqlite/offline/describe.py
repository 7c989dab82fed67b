"""Says in English what one SQL statement does, naming its tables and columns in words
('SELECT COUNT(*) FROM invoice_lines WHERE quantity > 1' -> 'Count the invoice lines whose quantity is greater than 1.')."""

from __future__ import annotations

import re
from random import Random

from lbi.envs.sqlite.offline.names import nouns, words
from lbi.envs.sqlite.offline.statements import (
    IDENT, REF, Change, Select, lists_tables, parse_change, parse_select, split_top_level, table_info_target,
    tables_used, unquote,
)

_ALIAS = re.compile(rf"^(?P<expr>.+?)\s+AS\s+(?P<alias>{IDENT})$", re.IGNORECASE)
_AGGREGATE = re.compile(r"^(?P<fn>COUNT|SUM|AVG|MIN|MAX)\s*\(\s*(?P<distinct>DISTINCT\s+)?(?P<arg>.+?)\s*\)$",
                        re.IGNORECASE)
_FUNCTION = re.compile(r"^(?P<fn>UPPER|LOWER|LENGTH|TRIM|ROUND)\s*\(\s*(?P<arg>.+?)\s*\)$", re.IGNORECASE)
_STRFTIME_YEAR = re.compile(rf"^strftime\s*\(\s*'%Y'\s*,\s*(?P<arg>{REF})\s*\)$", re.IGNORECASE)
_COLUMN_REF = re.compile(rf"^(?:(?P<table>{IDENT})\s*\.\s*)?(?P<column>{IDENT})$")
_COMPARISON = re.compile(r"^(?P<left>.+?)\s*(?P<op>>=|<=|<>|!=|=|>|<)\s*(?P<right>.+)$")
_LIKE = re.compile(r"^(?P<left>.+?)\s+LIKE\s+'(?P<pattern>.*)'$", re.IGNORECASE)
_NULL_TEST = re.compile(r"^(?P<left>.+?)\s+IS\s+(?P<negated>NOT\s+)?NULL$", re.IGNORECASE)
_SUBQUERY = re.compile(rf"^\(\s*SELECT\s+(?P<expr>.+?)\s+FROM\s+{IDENT}\s*\)$", re.IGNORECASE)
_SCALED = re.compile(rf"^(?P<column>{REF})\s*\*\s*(?P<factor>[\d.]+)$")
_OPERATOR_WORDS = {"=": "is", "!=": "is not", "<>": "is not", ">": "is greater than", ">=": "is at least",
                   "<": "is less than", "<=": "is at most"}


def describe(sql: str, rng: Random) -> str:
    if lists_tables(sql):
        return "List the tables in the database."
    if table := table_info_target(sql):
        return f"Show the columns of the {table} table and their types."
    if select := parse_select(sql):
        return _select(select, rng) + "."
    if change := parse_change(sql):
        return _change(change) + "."
    tables = tables_used(sql)
    return f"Run a query on the {tables[0]} table." if tables else "Run a query on the database."


def _select(s: Select, rng: Random) -> str:
    singular, plural = nouns(s.table)
    aliases = {unquote(m["alias"]): m["expr"] for col in s.columns if (m := _ALIAS.match(col))}
    entity = _group_entity(s.group, s.table)
    grouped = bool(s.group) and entity != s.table  # each row is a group, not one of the table's rows
    group_words = (nouns(entity)[0] if entity else _group_words(s.group, aliases, s.table)) if grouped else ""
    shown = [col for col in s.columns if not (grouped and _is_group_key(col, s.group or ""))] or list(s.columns)
    phrases = [_expression(col, s.table) for col in shown]
    noun, order = f"the {plural}", ""
    if s.order:
        term, descending = _order_term(s.order)
        phrase = group_words if grouped and term == (s.group or "").strip() else _expression(
            aliases.get(unquote(term), term), s.table)
        extreme = "highest" if descending else "lowest"
        if s.limit and not grouped:
            name = singular if s.limit == 1 else f"{s.limit} {plural}"
            noun = f"the {name} with the {extreme} {phrase}"
        elif s.limit:
            order = f", keeping the {s.limit} with the {extreme} {phrase}" if s.limit > 1 else \
                f", keeping the one with the {extreme} {phrase}"
        else:
            order = f", sorted by {phrase}" + (" from highest to lowest" if descending else "")
    elif s.limit:
        noun = f"the first {s.limit} {plural}"
    whose = _conditions(s.where, s.table)
    having = f", keeping only those whose {_condition(s.having, s.table)}" if s.having else ""
    scope = f" for each {group_words}" if grouped else ""
    if all(_is_aggregate(col) for col in shown):
        if [_core(col).upper().replace(" ", "") for col in shown] == ["COUNT(*)"]:
            if rng.random() < 0.5:
                return f"Count {noun}{whose}{scope}{having}{order}"
            return f"Find the number of {noun.removeprefix('the ')}{whose}{scope}{having}{order}"
        return f"{rng.choice(('Find', 'Compute'))} the {_join(phrases)} of {noun}{whose}{scope}{having}{order}"
    verb = rng.choice(("List", "Show"))
    if grouped and entity:
        return f"{verb} the {_join(phrases)} for each {group_words}{whose}{having}{order}"
    distinct = "distinct " if s.distinct else ""
    return f"{verb} the {distinct}{_join(phrases)} of {noun}{whose}{scope}{having}{order}"


def _is_group_key(column: str, group: str) -> bool:
    alias_match = _ALIAS.match(column)
    return column.strip() == group.strip() or bool(alias_match and unquote(alias_match["alias"]) == unquote(group))


def _change(change: Change) -> str:
    singular, plural = nouns(change.table)
    whose = _conditions(change.where, change.table)
    if change.verb == "insert":
        return f"Add a new {singular} with " + _join(
            [f"{_column(col, change.table)} {value}" for col, value in change.assignments])
    if change.verb == "update":
        sets = _join([_assignment(col, value, change.table) for col, value in change.assignments])
        return f"{sets} for every {singular}" + (f", only for the {plural}{whose}" if whose else "")
    return f"Delete the {plural}{whose}"


def _assignment(column: str, value: str, table: str) -> str:
    scaled = _SCALED.match(value.strip())
    if scaled and unquote(_COLUMN_REF.match(scaled["column"])["column"]) == column:
        percent = round((float(scaled["factor"]) - 1) * 100)
        if percent > 0:
            return f"Increase the {_column(column, table)} by {percent} percent"
    return f"Set the {_column(column, table)} to {value}"


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
        return {"COUNT": f"number of {inner} values", "SUM": f"total {inner}", "AVG": f"average {inner}",
                "MIN": f"lowest {inner}", "MAX": f"highest {inner}"}[fn]
    if function := _FUNCTION.match(core):
        inner = _column(function["arg"], table)
        return {"UPPER": f"{inner} in upper case", "LOWER": f"{inner} in lower case", "ROUND": f"rounded {inner}",
                "LENGTH": f"length of the {inner}", "TRIM": f"trimmed {inner}"}[function["fn"].upper()]
    if year := _STRFTIME_YEAR.match(core):
        return f"year of the {_column(year['arg'], table)}"
    if core.strip() == "*":
        return "details"
    if _COLUMN_REF.match(core.strip()):
        return _column(core.strip(), table)
    return words(unquote(alias_match["alias"])) if alias_match else core


def _column(ref: str, table: str) -> str:
    match = _COLUMN_REF.match(ref.strip())
    if match is None:
        return ref
    owner, column = (unquote(match["table"]) if match["table"] else None), unquote(match["column"])
    if owner and owner.lower() != table.lower():
        return f"{nouns(owner)[0]}'s {words(column)}"
    return words(column)


def _core(expr: str) -> str:
    """The expression without its alias."""
    alias_match = _ALIAS.match(expr)
    return alias_match["expr"] if alias_match else expr


def _is_aggregate(expr: str) -> bool:
    return bool(_AGGREGATE.match(_core(expr)))


def _conditions(where: str | None, table: str) -> str:
    if not where:
        return ""
    return " whose " + _join([_condition(part, table) for part in split_top_level(where, " AND ")])


def _condition(condition: str, table: str) -> str:
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


def _group_entity(group: str | None, table: str) -> str | None:
    """The table whose rows the groups are, when grouping by a table's own key ('Album.AlbumId' -> 'Album')."""
    if not group:
        return None
    column = _COLUMN_REF.match(group.strip())
    if column is None:
        return None
    owner = unquote(column["table"]) if column["table"] else table
    said = words(unquote(column["column"]))
    return owner if said in ("id", f"{nouns(owner)[0]} id", f"{words(owner)} id") else None


def _group_words(group: str, aliases: dict[str, str], table: str) -> str:
    term = unquote(group.strip())
    if term in aliases:
        return _expression(aliases[term], table) if not _COLUMN_REF.match(aliases[term]) else words(term)
    return _expression(group.strip(), table)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
