"""SQL over SQLite: each episode works on a private copy of one database file, through a worker process
(worker.py) that the episode kills when a statement outlives its time limit."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from lbi.envs.base import CheckResult, Environment, EnvSpec, Limits, Observation, StepResult
from lbi.envs.checks import refuse_foreign
from lbi.envs.sqlite import wire
from lbi.envs.sqlite.checks import Check, ResultTable, RowsCheck, SqlRowsCheck, compare, literal_table
from lbi.envs.sqlite.database import is_shipped, materialize, user_database
from lbi.envs.sqlite.session import KILLED, SqlSession
from lbi.fs import remove_tree
from lbi.envs.sqlite.family import ACTION_LANGUAGE, CHINOOK, chinook_docs, describe, manual
from lbi.sandbox import leftovers

KILLED_TEXT = ("Error: the statement timed out after {timeout:g} s where SQLite could not stop it, so its session "
               "was killed and restarted on the last committed state (temporary tables, an open transaction "
               "and its changes are gone)")
CRASHED_TEXT = ("Error: the SQL session crashed and was restarted on the last committed state (temporary tables, "
                "an open transaction and its changes are gone)")


_overviews: dict[tuple[str, Path], tuple[tuple[Any, ...], str]] = {}  # (name, file): (its state, what it showed)
_overviews_lock = threading.Lock()


def _file_state(path: Path) -> tuple[Any, ...]:
    """What tells one content of a database file (and its write-ahead log) from another: their identity,
    sizes and times, and the database header's change counter (every commit outside WAL mode moves it)."""
    states: list[Any] = []
    for file in (path, path.with_name(path.name + "-wal")):
        try:
            stat = file.stat()
        except FileNotFoundError:
            states.append(None)
        else:
            states.append((stat.st_ino, stat.st_size, stat.st_mtime_ns))
    with path.open("rb") as handle:
        states.append(handle.read(28)[24:])
    return tuple(states)


def _describe(name: str, shipped: bool) -> str:
    return describe(CHINOOK if shipped and name == "chinook" else f"the user's SQLite database '{name}'")


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


class GoldFailure(ValueError):
    """A gold query failed (its message says how)."""


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
                            action_language=ACTION_LANGUAGE, docs=chinook_docs() if shipped else manual(),
                            limits=self.limits)
        self._episode_dir: Path | None = None
        self._session: SqlSession | None = None
        self._answer: ResultTable | None = None

    @property
    def episode_path(self) -> Path | None:
        """The current episode's database file (for tests and evaluation)."""
        return self._episode_dir / f"{self._name}.sqlite" if self._episode_dir else None

    def reset(self) -> Observation:
        self.close()
        leftovers.reclaim_once(self._workdir or Path(tempfile.gettempdir()))
        source = self._source_file()
        before = _file_state(source)
        self._episode_dir = self._fresh_copy("episode")
        unchanged = _file_state(source) == before  # the copy is of the file as it was before
        self._session = SqlSession(self.episode_path)
        with _overviews_lock:
            state, overview = _overviews.get((self._name, source), (None, None))
        if state != before or not unchanged:  # every copy of the same file shows the same: asked once
            reply = self._session.request(self.limits.action_timeout_s, op="overview", name=self._name)
            overview = reply.get("text") or self._stopped(reply)
            if unchanged and "text" in reply:
                with _overviews_lock:
                    _overviews[(self._name, source)] = (before, overview)
        limit = self.limits.max_observation_chars
        return Observation(text=overview[:limit], truncated=len(overview) > limit)

    def step(self, action: str) -> StepResult:
        if self._session is None:
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
        except GoldFailure as error:
            return CheckResult(False, f"the gold query failed: {error}", broken_check=True)
        except ValueError as error:
            return CheckResult(False, f"the gold query failed: {type(error).__name__}: {error}", broken_check=True)

    def weakness(self, check: Check) -> str | None:
        """Why ``check`` cannot tell answers apart well (an empty gold result: any empty answer passes)."""
        if isinstance(check, RowsCheck):
            empty = not check.rows
        else:
            try:
                empty = not self._gold_table(check.gold_sql).rows
            except ValueError:
                return None  # a broken gold is reported when the check runs
        return "the gold result is empty, so any query returning no rows passes" if empty else None

    def _gold_table(self, sql: str) -> ResultTable:
        """``sql``'s result on a fresh copy of the database, under the same guard and bound as agent actions."""
        directory = self._fresh_copy("gold")
        session = None
        try:
            session = SqlSession(directory / f"{self._name}.sqlite")
            reply = session.request(self.limits.action_timeout_s, op="table", sql=sql)
        finally:
            if session is not None:
                session.close()
            remove_tree(directory)
        if "answer" not in reply:
            raise GoldFailure(reply.get("failure") or self._stopped(reply))
        return wire.table_from(reply["answer"])

    def _fresh_copy(self, purpose: str) -> Path:
        """A new directory holding a copy of the database (and its write-ahead log), named after this process so
        that the next run can reclaim it if this one is killed (lbi/sandbox/leftovers.py)."""
        source = self._source_file()
        if self._workdir is not None:
            self._workdir.mkdir(parents=True, exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix=f"lbi-sqlite-{os.getpid()}-{purpose}-", dir=self._workdir))
        path = directory / f"{self._name}.sqlite"
        shutil.copyfile(source, path)
        wal = source.with_name(source.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, path.with_name(path.name + "-wal"))
        return directory

    def _source_file(self) -> Path:
        if self._source is None:
            self._source = materialize(self._database, self._cache_dir)
        return self._source

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._episode_dir is not None:
            remove_tree(self._episode_dir)
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
        assert self._session is not None
        limit = self.limits.max_observation_chars
        reply = self._session.request(self.limits.action_timeout_s, op="run", sql=sql, max_chars=limit)
        if KILLED in reply:
            return Observation(text=self._stopped(reply)[:limit], error=True)
        if reply.get("answer") is not None:
            self._answer = wire.table_from(reply["answer"])
        return Observation(text=reply["text"], error=reply.get("error", False), truncated=reply.get("truncated", False))

    def _stopped(self, reply: dict[str, Any]) -> str:
        if reply.get(KILLED) == "timed out":
            return KILLED_TEXT.format(timeout=self.limits.action_timeout_s)
        return CRASHED_TEXT
