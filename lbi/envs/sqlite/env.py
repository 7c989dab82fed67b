"""SQL over SQLite: each episode works on a private copy of one database file."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from lbi.envs.base import CheckResult, Environment, EnvSpec, Limits, Observation, StepResult
from lbi.envs.checks import refuse_foreign
from lbi.envs.sqlite.checks import (Check, ResultTable, RowRecorder, RowsCheck, SqlRowsCheck, compare,
                                     literal_table, read_table)
from lbi.envs.sqlite.database import is_shipped, materialize, user_database
from lbi.envs.sqlite.guard import Guard, confine
from lbi.envs.sqlite.render import render

HANDBOOK_DIR = Path(__file__).with_name("docs")
# Debian's sqlite3-doc installs the HTML manual beside the sqlite3 package's own docs.
SQLITE_MANUAL = Path("/usr/share/doc/sqlite3")
ACTION_LANGUAGE = "SQL (SQLite dialect), exactly one statement per action"
ONE_STATEMENT = "You can only execute one statement at a time"


# The manual's pages about the SQL an agent can run (not the C API or release logs).
MANUAL_PAGES = ("lang_select.html", "lang_expr.html", "lang_aggfunc.html", "lang_corefunc.html",
                "lang_datefunc.html", "lang_with.html", "windowfunctions.html", "datatype3.html",
                "lang_update.html", "lang_insert.html", "lang_delete.html", "lang_createview.html")


def _docs(shipped: bool) -> tuple[Path, ...]:
    docs = sorted(HANDBOOK_DIR.glob("*.md")) if shipped else []
    docs += [SQLITE_MANUAL / page for page in MANUAL_PAGES if (SQLITE_MANUAL / page).is_file()]
    return tuple(docs)


def _describe(name: str, shipped: bool) -> str:
    if shipped and name == "chinook":
        subject = ("the Chinook sample database of a fictional digital music store: artists, "
                   "albums, tracks with genres and media types, playlists, employees, customers, "
                   "and the invoices that record what customers bought")
    else:
        subject = f"the user's SQLite database '{name}'"
    return (f"A SQLite {sqlite3.sqlite_version} session on {subject}. Each action is one SQL "
            "statement; the observation is its result table (bounded, with a row count), the "
            "number of rows it changed, or the SQLite error. Every episode starts from a fresh "
            "private copy, so reads and writes are both safe; ATTACH, VACUUM, extensions and "
            "state-changing PRAGMAs are refused, and each statement has a time limit.")


def has_statement(sql: str) -> bool:
    """Whether ``sql`` holds anything besides whitespace, semicolons and comments."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i].isspace() or sql[i] == ";":
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            return True
    return False


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class SqliteEnv(Environment):
    """One SQLite database; ``step`` runs exactly one untrusted SQL statement."""

    check_type = Check

    def __init__(self, env_id: str, database: str = "chinook", limits: Limits | None = None,
                 workdir: Path | None = None, cache_dir: Path | None = None) -> None:
        self.limits = limits or Limits()
        self._database = str(database)
        shipped = is_shipped(self._database)
        self._source = None if shipped else user_database(self._database)
        self._name = self._database if shipped else self._source.stem
        self._workdir = Path(workdir) if workdir is not None else None
        self._cache_dir = cache_dir
        self.spec = EnvSpec(id=env_id, family="sqlite",
                            description=_describe(self._name, shipped),
                            action_language=ACTION_LANGUAGE, docs=_docs(shipped),
                            limits=self.limits)
        self._episode_dir: Path | None = None
        self._connection: sqlite3.Connection | None = None
        self._guard = Guard()
        self._answer: ResultTable | None = None

    @property
    def episode_path(self) -> Path | None:
        """The current episode's database file (for tests and evaluation)."""
        return self._episode_dir / f"{self._name}.sqlite" if self._episode_dir else None

    def reset(self) -> Observation:
        self.close()
        if self._source is None:
            self._source = materialize(self._database, self._cache_dir)
        if self._workdir is not None:
            self._workdir.mkdir(parents=True, exist_ok=True)
        self._episode_dir = Path(tempfile.mkdtemp(prefix="lbi-sqlite-", dir=self._workdir))
        path = self.episode_path
        self._copy_database(path)
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                           cached_statements=0)
        confine(self._connection, self._guard)
        overview, limit = self._overview(), self.limits.max_observation_chars
        return Observation(text=overview[:limit], truncated=len(overview) > limit)

    def step(self, action: str) -> StepResult:
        if self._connection is None:
            raise RuntimeError("reset() must be called before step()")
        refusal = self._refuse(action)
        if refusal:
            return StepResult(Observation(text=f"Error: {refusal}", error=True))
        return StepResult(self._run(action))

    def final_answer(self) -> list[tuple[Any, ...]] | None:
        """Rows of the last successful query (up to the checks' bound, however many were shown)."""
        return list(self._answer.rows) if self._answer is not None else None

    @property
    def answer(self) -> ResultTable | None:
        """The last successful query's result as checks compare it (None before any)."""
        return self._answer

    def check(self, check: Check) -> CheckResult:
        """``sql_rows``: the answer against ``gold_sql`` run on a fresh copy of the database; ``rows``: against
        literal rows. A gold query that fails is a broken check (the task set's fault)."""
        refuse_foreign(check, Check, "sqlite")
        try:
            gold = self._gold_table(check.gold_sql) if isinstance(check, SqlRowsCheck) else literal_table(check)
            return compare(self._answer, gold, check, check.gold_sql if isinstance(check, SqlRowsCheck) else None)
        except (sqlite3.Error, ValueError) as error:
            return CheckResult(False, f"the gold query failed: {type(error).__name__}: {error}", broken_check=True)

    def weakness(self, check: Check) -> str | None:
        """Why ``check`` cannot tell answers apart well (an empty gold result: any empty answer passes)."""
        if isinstance(check, RowsCheck):
            empty = not check.rows
        else:
            try:
                empty = not self._gold_table(check.gold_sql).rows
            except (sqlite3.Error, ValueError):
                return None  # a broken gold is reported when the check runs
        return "the gold result is empty, so any query returning no rows passes" if empty else None

    def _gold_table(self, sql: str) -> ResultTable:
        """``sql``'s result on a fresh copy of the database, under the same guard and bound as agent actions."""
        if self._source is None:
            self._source = materialize(self._database, self._cache_dir)
        if self._workdir is not None:
            self._workdir.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="lbi-sqlite-gold-", dir=self._workdir))
        try:
            path = workdir / f"{self._name}.sqlite"
            self._copy_database(path)
            connection = sqlite3.connect(path, isolation_level=None, cached_statements=0)
            guard = Guard()
            confine(connection, guard)
            guard.arm(self.limits.action_timeout_s)
            try:
                cursor = connection.execute(sql)
                if cursor.description is None:
                    raise ValueError("the gold SQL returned no result table")
                return read_table([d[0] for d in cursor.description], cursor)
            finally:
                guard.disarm()
                connection.close()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _copy_database(self, path: Path) -> None:
        assert self._source is not None
        shutil.copyfile(self._source, path)
        wal = self._source.with_name(self._source.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, path.with_name(path.name + "-wal"))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._episode_dir is not None:
            shutil.rmtree(self._episode_dir, ignore_errors=True)
            self._episode_dir = None
        self._answer = None

    def _refuse(self, action: object) -> str | None:
        if not isinstance(action, str):
            return f"an action is SQL text, not {type(action).__name__}"
        if len(action) > self.limits.max_action_chars:
            return (f"the action is {len(action)} characters long; the limit is "
                    f"{self.limits.max_action_chars}")
        if not has_statement(action):
            return "empty action: send one SQL statement"
        return None

    def _run(self, sql: str) -> Observation:
        assert self._connection is not None
        self._guard.arm(self.limits.action_timeout_s)
        cursor = None
        try:
            cursor = self._connection.execute(sql)
            if cursor.description is None:
                changed = max(cursor.rowcount, 0)
                return Observation(text=f"OK, {changed} row{'' if changed == 1 else 's'} changed")
            columns = [d[0] for d in cursor.description]
            answer = RowRecorder()  # the whole answer up to the checks' bound, apart from what is shown
            shown = render(columns, answer.recording(cursor), self.limits.max_observation_chars)
            answer.drain(cursor)
            self._answer = answer.table(columns)
            return Observation(text=shown.text, truncated=shown.truncated)
        except (sqlite3.Error, ValueError, MemoryError, OverflowError) as exc:
            return Observation(text=self._error_text(exc), error=True)
        finally:
            self._guard.disarm()
            if cursor is not None:
                cursor.close()

    def _error_text(self, exc: BaseException) -> str:
        if self._guard.timed_out:
            text = (f"Error: the statement timed out after {self.limits.action_timeout_s:g} s "
                    "and was stopped")
        elif self._guard.denied:
            text = f"Error: not authorized: {self._guard.denied}"
        elif ONE_STATEMENT in str(exc):
            text = ("Error: only one SQL statement per action is allowed; "
                    "send the statements one at a time")
        elif isinstance(exc, MemoryError):
            text = "Error: out of memory: the statement needed more memory than allowed"
        else:
            text = f"Error: {exc}"
        return text[: self.limits.max_observation_chars]

    def _overview(self) -> str:
        """The tables (with row counts) and views, each with its columns."""
        assert self._connection is not None
        self._guard.arm(self.limits.action_timeout_s)
        try:
            names = self._connection.execute(
                "SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite_%' ORDER BY type, name").fetchall()
            objects = [(kind, name, self._columns(name)) for kind, name in names]
            lines = [f"SQLite {sqlite3.sqlite_version} database '{self._name}', a fresh copy for "
                     "this episode.", "Tables (rows): columns"]
            lines += [f"  {name} ({self._count(name)}): {columns}"
                      for kind, name, columns in objects if kind == "table"]
            views = [f"  {name}: {columns}" for kind, name, columns in objects if kind == "view"]
            if views:
                lines += ["Views: columns", *views]
            lines.append("Send one SQL statement per action.")
            return "\n".join(lines)
        finally:
            self._guard.disarm()

    def _columns(self, table: str) -> str:
        assert self._connection is not None
        rows = self._connection.execute("SELECT name FROM pragma_table_info(?)", (table,))
        return ", ".join(row[0] for row in rows)

    def _count(self, table: str) -> str:
        assert self._connection is not None
        try:
            row = self._connection.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()
            return str(row[0])
        except sqlite3.Error:
            return "?"
