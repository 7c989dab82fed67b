"""The process that holds an episode's SQLite connection, so that the episode can kill it at the deadline.

SQLite's progress handler stops a statement between virtual-machine steps, but
not inside one built-in call (``printf('%.*c', 2147483647, 'x')``, ``instr`` of
two long strings: seconds each, with no step in between); the episode
(session.py) kills this process when a reply is late. It reads one request per
line on stdin and writes one reply per line on stdout (wire.py); everything it
keeps is bounded (render.py, checks.py), and its address space is capped.

Requests: ``{"op": "open", "database"}`` (an episode's start: its own copy of the
database), ``{"op": "run", "sql", "timeout_s", "max_chars"}`` (an agent's
action), ``{"op": "table", "sql", "timeout_s"}`` (a gold query's result),
``{"op": "overview", "name", "timeout_s"}`` (the first observation),
``{"op": "close"}`` (the episode's end: the connection closed, nothing of it kept).
"""

from __future__ import annotations

import resource
import sqlite3
import sys
import threading
from typing import Any, Callable

from lbi.envs.sqlite import wire
from lbi.envs.sqlite.result_table import RowRecorder, read_table
from lbi.envs.sqlite.guard import Guard, confine
from lbi.envs.sqlite.render import escaped, render
from lbi.parent_death import exit_when_ended

ADDRESS_SPACE_BYTES = 2 * 1024 ** 3
ONE_STATEMENT = "You can only execute one statement at a time"


def escaped_lines(lines: list[str]) -> str:
    return "\n".join(escaped(line) for line in lines)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class Worker:
    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, cached_statements=0)
        self.guard = Guard()
        confine(self.connection, self.guard)

    def run(self, sql: str, timeout_s: float, max_chars: int) -> dict[str, Any]:
        self.guard.arm(timeout_s)
        cursor = None
        try:
            cursor = self.connection.execute(sql)
            if cursor.description is None:
                changed = max(cursor.rowcount, 0)
                return {"text": f"OK, {changed} row{'' if changed == 1 else 's'} changed"}
            columns = [d[0] for d in cursor.description]
            answer = RowRecorder()  # the whole answer up to the checks' bound, apart from what is shown
            shown = render(columns, answer.recording(cursor), max_chars)
            answer.drain(cursor)
            return {"text": shown.text, "truncated": shown.truncated,
                    "answer": wire.table_message(answer.table(columns))}
        except (sqlite3.Error, ValueError, MemoryError, OverflowError) as exc:
            return {"text": escaped(self._error_text(exc, timeout_s))[:max_chars], "error": True}
        finally:
            self.guard.disarm()
            if cursor is not None:
                cursor.close()

    def table(self, sql: str, timeout_s: float) -> dict[str, Any]:
        self.guard.arm(timeout_s)
        try:
            cursor = self.connection.execute(sql)
            if cursor.description is None:
                return {"failure": "the gold SQL returned no result table"}
            return {"answer": wire.table_message(read_table([d[0] for d in cursor.description], cursor))}
        except (sqlite3.Error, ValueError, MemoryError, OverflowError) as exc:
            return {"failure": f"{type(exc).__name__}: {exc}"}
        finally:
            self.guard.disarm()

    def overview(self, name: str, timeout_s: float) -> dict[str, Any]:
        """The tables (with row counts) and views, each with its columns."""
        self.guard.arm(timeout_s)
        try:
            names = self.connection.execute(
                "SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite_%' ORDER BY type, name").fetchall()
            objects = [(kind, table, self._columns(table)) for kind, table in names]
            lines = [f"SQLite {sqlite3.sqlite_version} database '{name}', a fresh copy for "
                     "this episode.", "Tables (rows): columns"]
            lines += [f"  {table} ({self._count(table)}): {columns}"
                      for kind, table, columns in objects if kind == "table"]
            views = [f"  {view}: {columns}" for kind, view, columns in objects if kind == "view"]
            if views:
                lines += ["Views: columns", *views]
            lines.append("Send one SQL statement per action.")
            return {"text": escaped_lines(lines)}
        finally:
            self.guard.disarm()

    def _error_text(self, exc: BaseException, timeout_s: float) -> str:
        if self.guard.timed_out:
            return f"Error: the statement timed out after {timeout_s:g} s and was stopped"
        if self.guard.denied:
            return f"Error: not authorized: {self.guard.denied}"
        if ONE_STATEMENT in str(exc):
            return "Error: only one SQL statement per action is allowed; send the statements one at a time"
        if isinstance(exc, MemoryError):
            return "Error: out of memory: the statement needed more memory than allowed"
        return f"Error: {exc}"

    def _columns(self, table: str) -> str:
        rows = self.connection.execute("SELECT name FROM pragma_table_info(?)", (table,))
        return ", ".join(row[0] for row in rows)

    def _count(self, table: str) -> str:
        try:
            return str(self.connection.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0])
        except sqlite3.Error:
            return "?"


def serve(episode: int) -> None:
    """Answer the requests on stdin until it ends (zygote.py forks this process and calls it). An episode
    opens its database first and closes it at its end; the process then waits for the next episode
    (worker_process.py keeps it). ``episode`` is a pidfd of the episodes' process: this process ends with
    it, even in the middle of a statement, and whether or not the zygote still runs."""
    threading.Thread(target=exit_when_ended, args=(episode,), daemon=True).start()
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    worker: Worker | None = None
    operations: dict[str, Callable[..., dict[str, Any]]] = {}  # the open database's; none before "open"
    for line in sys.stdin.buffer:
        request = wire.decode(line)
        op = request.pop("op")
        if op in ("open", "close"):
            if worker is not None:
                worker.connection.close()
            worker, operations = None, {}
            if op == "open":  # a database the worker cannot open ends it, and the episode sees it crash
                worker = Worker(request["database"])
                operations = {"run": worker.run, "table": worker.table, "overview": worker.overview}
            reply: dict[str, Any] = {"opened" if op == "open" else "closed": True}
        else:
            reply = operations[op](**request)
        sys.stdout.buffer.write(wire.encode(reply))
        sys.stdout.buffer.flush()
