"""Containment for untrusted SQL: an authorizer, resource limits and a deadline.

Everything an action may do is decided at prepare time by ``Guard`` (SQLite's
authorizer sees every table, function, pragma and attach a statement uses,
including the statements SQLite prepares internally), and bounded at run
time by connection limits and a progress handler. The progress handler runs
between virtual-machine steps only, so a single built-in call can outlive it:
the episode's worker process (worker.py) is killed then (session.py).
"""

from __future__ import annotations

import math
import sqlite3
import time

_S = sqlite3
ALLOWED_ACTIONS = {
    _S.SQLITE_SELECT, _S.SQLITE_READ, _S.SQLITE_INSERT, _S.SQLITE_UPDATE, _S.SQLITE_DELETE,
    _S.SQLITE_TRANSACTION, _S.SQLITE_SAVEPOINT, _S.SQLITE_RECURSIVE,
    _S.SQLITE_CREATE_TABLE, _S.SQLITE_CREATE_INDEX, _S.SQLITE_CREATE_VIEW,
    _S.SQLITE_CREATE_TRIGGER, _S.SQLITE_CREATE_TEMP_TABLE, _S.SQLITE_CREATE_TEMP_INDEX,
    _S.SQLITE_CREATE_TEMP_VIEW, _S.SQLITE_CREATE_TEMP_TRIGGER,
    _S.SQLITE_DROP_TABLE, _S.SQLITE_DROP_INDEX, _S.SQLITE_DROP_VIEW, _S.SQLITE_DROP_TRIGGER,
    _S.SQLITE_DROP_TEMP_TABLE, _S.SQLITE_DROP_TEMP_INDEX, _S.SQLITE_DROP_TEMP_VIEW,
    _S.SQLITE_DROP_TEMP_TRIGGER, _S.SQLITE_DROP_VTABLE,
    _S.SQLITE_ALTER_TABLE, _S.SQLITE_REINDEX, _S.SQLITE_ANALYZE,
}
# Pragmas that only report; the ones here take an object name as argument.
NAMED_PRAGMAS = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "foreign_key_check",
}
# Pragmas that are harmless to read but would change state if given a value.
READ_ONLY_PRAGMAS = {
    "collation_list", "function_list", "module_list", "pragma_list", "compile_options",
    "data_version", "encoding", "page_size", "page_count", "freelist_count",
    "user_version", "schema_version", "application_id", "foreign_keys",
}
DENIED_FUNCTIONS = {"load_extension", "fts3_tokenizer"}
VTABLE_MODULES = {"fts3", "fts4", "fts5", "rtree", "rtree_i32"}

LIMITS = {
    _S.SQLITE_LIMIT_LENGTH: 1_000_000,
    _S.SQLITE_LIMIT_COLUMN: 200,
    _S.SQLITE_LIMIT_EXPR_DEPTH: 200,
    _S.SQLITE_LIMIT_COMPOUND_SELECT: 100,
    _S.SQLITE_LIMIT_VDBE_OP: 100_000,
    _S.SQLITE_LIMIT_FUNCTION_ARG: 100,
    _S.SQLITE_LIMIT_ATTACHED: 0,
    _S.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 1_000,
    _S.SQLITE_LIMIT_VARIABLE_NUMBER: 100,
    _S.SQLITE_LIMIT_TRIGGER_DEPTH: 10,
    _S.SQLITE_LIMIT_WORKER_THREADS: 0,
}
# Per worker process (SQLite has one heap per process). PRAGMA hard_heap_limit only ever lowers it.
HARD_HEAP_LIMIT = 256 * 1024 * 1024
MAX_GROWTH = 64 * 1024 * 1024
PROGRESS_EVERY_OPS = 1_000


class Guard:
    """The authorizer plus the per-action deadline of one connection."""

    def __init__(self) -> None:
        self.denied: str | None = None
        self.deadline = math.inf
        self.timed_out = False

    def arm(self, timeout_s: float) -> None:
        self.denied, self.timed_out = None, False
        self.deadline = time.monotonic() + timeout_s

    def disarm(self) -> None:
        self.deadline = math.inf

    def authorize(self, action: int, arg1: str | None, arg2: str | None,
                  db: str | None, source: str | None) -> int:
        reason = self._refusal(action, (arg1 or "").lower(), (arg2 or "").lower())
        if reason is None:
            return sqlite3.SQLITE_OK
        self.denied = self.denied or reason
        return sqlite3.SQLITE_DENY

    def _refusal(self, action: int, arg1: str, arg2: str) -> str | None:
        if action == sqlite3.SQLITE_PRAGMA:
            if arg1 in NAMED_PRAGMAS or (arg1 in READ_ONLY_PRAGMAS and not arg2):
                return None
            setting = f" = {arg2}" if arg2 else ""
            return (f"PRAGMA {arg1}{setting} is not allowed (only read-only pragmas such as "
                    "table_info, table_list, index_list, foreign_key_list)")
        if action == sqlite3.SQLITE_FUNCTION:
            return f"function {arg2}() is not allowed" if arg2 in DENIED_FUNCTIONS else None
        if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
            # VACUUM and VACUUM INTO are reported as an ATTACH of their target file.
            return ("ATTACH, DETACH, VACUUM and VACUUM INTO are not allowed: the episode has "
                    "exactly one database file")
        if action == sqlite3.SQLITE_CREATE_VTABLE:
            if arg2 in VTABLE_MODULES:
                return None
            allowed = ", ".join(sorted(VTABLE_MODULES))
            return f"virtual table module '{arg2}' is not allowed (allowed: {allowed})"
        if action in ALLOWED_ACTIONS:
            return None
        return f"this kind of statement (authorizer action {action}) is not allowed"

    def progress(self) -> int:
        if time.monotonic() > self.deadline:
            self.timed_out = True
            return 1
        return 0


def confine(connection: sqlite3.Connection, guard: Guard) -> None:
    """Set limits and install ``guard`` on a connection no agent has used yet."""
    for category, value in LIMITS.items():
        connection.setlimit(category, value)
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    growth = MAX_GROWTH // page_size
    for pragma in (f"hard_heap_limit = {HARD_HEAP_LIMIT}", "foreign_keys = ON",
                   "trusted_schema = OFF", "cell_size_check = ON",
                   f"main.max_page_count = {pages + growth}",
                   f"temp.max_page_count = {growth}"):
        connection.execute(f"PRAGMA {pragma}").fetchall()
    connection.set_authorizer(guard.authorize)
    connection.set_progress_handler(guard.progress, PROGRESS_EVERY_OPS)
