"""What `lbi env add --family sqlite` checks and writes about a user's database before registering it.

The database must pass SQLite's own integrity check. Its schema document (every
table and view with columns, types, keys, row counts and a few sample rows) is
Markdown, so an outside database has grounded documentation from the start.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lbi.envs.sqlite.database import user_database
from lbi.errors import ConfigError

SAMPLE_ROWS = 3
MAX_VALUE_CHARS = 60


def checked_connection(path: Path) -> sqlite3.Connection:
    """A read-only connection to a database that passed ``PRAGMA integrity_check``."""
    source = user_database(path)
    connection = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check(5)")]
    except sqlite3.DatabaseError as error:
        connection.close()
        raise ConfigError(f"'{source}' is not a usable SQLite database: {error}") from None
    if problems != ["ok"]:
        connection.close()
        raise ConfigError(f"'{source}' fails SQLite's integrity check: {'; '.join(problems)[:300]}")
    return connection


def schema_document(path: Path, title: str) -> str:
    connection = checked_connection(path)
    try:
        objects = connection.execute(
            "SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name").fetchall()
        parts = [f"# The {title} database: its schema\n",
                 f"{len(objects)} tables and views. Each section lists a table's columns (type, key), "
                 "how many rows it holds, and a few of its rows.\n"]
        parts += [_section(connection, kind, name) for kind, name in objects]
        return "\n".join(parts)
    finally:
        connection.close()


def _section(connection: sqlite3.Connection, kind: str, name: str) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    columns = connection.execute("SELECT name, type, pk FROM pragma_table_info(?)", (name,)).fetchall()
    keys = {row[3]: (row[2], row[4]) for row in connection.execute(f"PRAGMA foreign_key_list({quoted})")}
    count = connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
    lines = [f"## {kind.capitalize()} {name}\n", f"{count} rows.\n", "| column | type | key |", "|---|---|---|"]
    for column, kind_of, pk in columns:
        key = "primary key" if pk else ""
        if column in keys:
            table, target = keys[column]
            key = f"references {table}({target})"
        lines.append(f"| {_cell(column)} | {_cell(kind_of or 'any')} | {key} |")
    sample = connection.execute(f"SELECT * FROM {quoted} LIMIT {SAMPLE_ROWS}").fetchall()
    if sample:
        lines += ["", f"Some rows of {name}:", "", "| " + " | ".join(_cell(c[0]) for c in columns) + " |",
                  "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in sample]
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    text = "NULL" if value is None else ("<blob>" if isinstance(value, bytes) else str(value))
    text = "".join(ch if ch.isprintable() else " " for ch in text).replace("|", "\\|")
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "..."


def grounding_documents(source: Path, env_id: str, directory: Path) -> list[Path]:
    """The schema document of ``source``, written into ``directory`` (the database is checked first)."""
    text = schema_document(source, env_id)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "schema.md"
    target.write_text(text, encoding="utf-8")
    return [target]
