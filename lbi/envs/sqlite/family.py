"""The sqlite family and its built-in instance, Chinook (declared; nothing here opens a database)."""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path

from lbi.envs.base import EnvSpec
from lbi.envs.families import Family

HERE = Path(__file__).parent
HANDBOOK_DIR = HERE / "docs"
# Debian's sqlite3-doc installs the HTML manual beside the sqlite3 package's own docs.
SQLITE_MANUAL = Path("/usr/share/doc/sqlite3")
ACTION_LANGUAGE = "SQL (SQLite dialect), exactly one statement per action"
# The manual's pages about the SQL an agent can run (not the C API or release logs).
MANUAL_PAGES = ("lang_select.html", "lang_expr.html", "lang_aggfunc.html", "lang_corefunc.html",
                "lang_datefunc.html", "lang_with.html", "windowfunctions.html", "datatype3.html",
                "lang_update.html", "lang_insert.html", "lang_delete.html", "lang_createview.html")
CHINOOK = ("the Chinook sample database of a fictional digital music store: artists, albums, tracks with "
           "genres and media types, playlists, employees, customers, and the invoices that record what "
           "customers bought")


@cache
def manual() -> tuple[Path, ...]:
    """The manual's pages installed here (listed once per process: every episode's environment asks)."""
    return tuple(SQLITE_MANUAL / page for page in MANUAL_PAGES if (SQLITE_MANUAL / page).is_file())


@cache
def chinook_docs() -> tuple[Path, ...]:
    """Chinook's documentation: the handbook shipped with it, then the manual."""
    return tuple(sorted(HANDBOOK_DIR.glob("*.md"))) + manual()


def describe(subject: str) -> str:
    return (f"A SQLite {sqlite3.sqlite_version} session on {subject}. Each action is one SQL "
            "statement; the observation is its result table (bounded, with a row count), the "
            "number of rows it changed, or the SQLite error. Every episode starts from a fresh "
            "private copy, so reads and writes are both safe; ATTACH, VACUUM, extensions and "
            "state-changing PRAGMAs are refused, and each statement has a time limit.")


FAMILY = Family(
    name="sqlite", entry_point="lbi.envs.sqlite.env:SqliteEnv", offline_skill="lbi.envs.sqlite.offline:SqlSkill",
    action_language=ACTION_LANGUAGE, describe=lambda name, options: describe(f"the user's SQLite database '{name}'"),
    default_docs=manual, source_kwarg="database", source_option="db",
    release_helpers="lbi.envs.sqlite.worker_process:release_zygote",
    grounding="lbi.envs.sqlite.schema_document:grounding_documents",
)

ENVIRONMENTS = (
    EnvSpec(id="sqlite-chinook-v0", family="sqlite", description=describe(CHINOOK), action_language=ACTION_LANGUAGE,
            docs=chinook_docs(), task_set=HERE / "tasks" / "chinook-heldout.jsonl",
            kwargs={"database": "chinook"}),
)
