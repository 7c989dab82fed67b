"""A user's own SQLite database (a two-item shop) with a page of its documentation, and the CLI the user
registers it with."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from lbi.cli import app

runner = CliRunner()


def build(directory: Path) -> tuple[Path, Path]:
    """The shop's database and its documentation folder, made under ``directory``."""
    db = directory / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
        conn.executemany("INSERT INTO item (name, price) VALUES (?, ?)", [("lamp", 19.5), ("desk", 120.0)])
    conn.close()
    docs = directory / "docs" / "shop"
    docs.mkdir(parents=True)
    (docs / "items.md").write_text("# Items\n\nThe item table lists what the shop sells, with a price.\n")
    return db, docs


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output
