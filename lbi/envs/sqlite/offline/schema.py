"""What the offline model knows of a database's schema: read from the episode's opening overview, from
table listings and PRAGMA table_info results it has seen, and from statements that ran."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lbi.envs.sqlite.offline.names import forms, same, words
from lbi.envs.sqlite.offline.results import read_result
from lbi.envs.sqlite.offline.statements import column_refs, lists_tables, table_info_target, tables_used
from lbi.prompts.render import Turn

_OVERVIEW_TABLES = "Tables (rows): columns"
_TABLE_LINE = re.compile(r"^  (?P<name>.+?) \((?P<rows>\d+|\?)\): (?P<columns>.*)$")
_VIEW_LINE = re.compile(r"^  (?P<name>.+?): (?P<columns>.*)$")


@dataclass
class Table:
    name: str
    columns: list[str] = field(default_factory=list)
    complete: bool = False  # every column is known (from the overview or table_info)
    rows: int | None = None
    view: bool = False
    types: dict[str, str] = field(default_factory=dict)  # column -> declared type, from table_info
    required: set[str] = field(default_factory=set)  # NOT NULL without a default
    keys: list[str] = field(default_factory=list)  # primary key columns

    def column(self, name: str) -> str | None:
        return next((c for c in self.columns if same(c, name)), None)

    def add_column(self, name: str) -> None:
        if self.column(name) is None:
            self.columns.append(name)


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)  # by lower-case name

    def table(self, name: str) -> Table | None:
        return self.tables.get(name.lower())

    def add_table(self, name: str) -> Table:
        return self.tables.setdefault(name.lower(), Table(name))

    def real_tables(self) -> list[Table]:
        return [t for t in self.tables.values() if not t.view]

    def find_table(self, phrase: str) -> Table | None:
        """The one table the phrase names ('invoice lines' -> InvoiceLine); None when none or several do."""
        phrase = " ".join(phrase.lower().split())
        found = [t for t in self.tables.values() if phrase in forms(t.name)]
        return found[0] if len(found) == 1 else None

    def find_column(self, table: Table, phrase: str) -> str | None:
        phrase = " ".join(phrase.lower().split())
        found = [c for c in table.columns if phrase in (c.lower(), words(c))]
        return found[0] if len(found) == 1 else None


def read_overview(text: str) -> Schema:
    """The schema an episode's first observation shows (empty when ``text`` is not that overview)."""
    schema = Schema()
    if _OVERVIEW_TABLES not in text:
        return schema
    views = False
    for line in text.splitlines():
        if line.startswith("Views"):
            views = True
        elif match := (_VIEW_LINE if views else _TABLE_LINE).match(line):
            table = schema.add_table(match["name"])
            table.columns = [c for c in match["columns"].split(", ") if c]
            table.complete, table.view = True, views
            if not views and match["rows"] != "?":
                table.rows = int(match["rows"])
    return schema


def learn(schema: Schema, turns: list[Turn]) -> Schema:
    """``schema`` with what the turns showed added: tables listed, columns from table_info, names that ran."""
    for turn in turns:
        result = read_result(turn.observation)
        if result.error is not None:
            continue
        if lists_tables(turn.action) and result.columns and result.columns[0] in ("name", "tbl_name"):
            for row in result.rows:
                if row and row[0] and not row[0].startswith("sqlite_"):
                    schema.add_table(row[0])
        elif (target := table_info_target(turn.action)) and "name" in result.columns:
            _learn_table_info(schema.add_table(target), result.columns, result.rows)
        else:
            _learn_statement(schema, turn.action)
    return schema


def _learn_table_info(table: Table, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> None:
    cell = {name: i for i, name in enumerate(header)}
    for row in rows:
        if len(row) != len(header):
            continue
        name = row[cell["name"]]
        table.add_column(name)
        if "type" in cell:
            table.types[name] = row[cell["type"]]
        if "notnull" in cell and row[cell["notnull"]] == "1" and row[cell.get("dflt_value", 0)] == "NULL":
            table.required.add(name)
        if "pk" in cell and row[cell["pk"]] not in ("0", "") and name not in table.keys:
            table.keys.append(name)
    table.complete = bool(rows)


def _learn_statement(schema: Schema, sql: str) -> None:
    used = [schema.add_table(name) for name in tables_used(sql)]
    for owner, column in column_refs(sql):
        if owner is not None and (table := schema.table(owner)):
            table.add_column(column)
        elif owner is None and len(used) == 1 and not used[0].complete:
            used[0].add_column(column)
