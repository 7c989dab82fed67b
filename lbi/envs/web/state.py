"""State checks read the episode's own copy of the application's SQLite database (read-only)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from lbi.envs.base import CheckResult
from lbi.envs.web.checks import MilestoneCheck, SqlCheck, TicketCheck, WikiCheck

TICKET_COLUMNS = ("type", "component", "severity", "priority", "owner", "reporter", "cc", "version", "milestone",
                  "status", "resolution", "summary", "description", "keywords")


def connect(database: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    connection.execute("PRAGMA query_only = 1")
    return connection


def ticket(db: sqlite3.Connection, check: TicketCheck) -> CheckResult:
    unknown = sorted(set(check.fields) - set(TICKET_COLUMNS))
    if unknown:
        return CheckResult(False, f"tickets have no field {unknown[0]!r}", broken_check=True)
    where = [f"{name} = ?" for name in check.fields]
    values: list[object] = list(check.fields.values())
    if check.id is not None:
        where.append("id = ?")
        values.append(check.id)
    if check.comment_contains is not None:
        where.append("id IN (SELECT ticket FROM ticket_change WHERE field = 'comment' AND instr(newvalue, ?) > 0)")
        values.append(check.comment_contains)
    found = db.execute(f"SELECT id FROM ticket WHERE {' AND '.join(where) or '1'} ORDER BY id",  # noqa: S608
                       values).fetchall()
    wanted = ", ".join(f"{k}={v!r}" for k, v in check.fields.items())
    if found:
        return CheckResult(True, f"ticket #{found[0][0]} has {wanted or 'the comment'}")
    if check.id is not None:
        row = db.execute(f"SELECT {', '.join(check.fields) or 'id'} FROM ticket WHERE id = ?", (check.id,)).fetchone()
        if row is None:
            return CheckResult(False, f"there is no ticket #{check.id}")
        return CheckResult(False, f"ticket #{check.id} has {dict(zip(check.fields, row))}, expected {wanted}"
                                  + (f" and a comment with {check.comment_contains!r}" if check.comment_contains else ""))
    return CheckResult(False, f"no ticket has {wanted}"
                              + (f" and a comment with {check.comment_contains!r}" if check.comment_contains else ""))


def wiki(db: sqlite3.Connection, check: WikiCheck) -> CheckResult:
    row = db.execute("SELECT text FROM wiki WHERE name = ? ORDER BY version DESC LIMIT 1", (check.page,)).fetchone()
    if not check.exists:
        return CheckResult(row is None, f"the page {check.page} {'exists' if row else 'does not exist'}")
    if row is None:
        return CheckResult(False, f"there is no wiki page {check.page}")
    if check.contains is not None and check.contains not in row[0]:
        return CheckResult(False, f"the page {check.page} lacks {check.contains!r}")
    return CheckResult(True, f"the page {check.page} exists" + (f" and contains {check.contains!r}"
                                                                 if check.contains else ""))


def milestone(db: sqlite3.Connection, check: MilestoneCheck) -> CheckResult:
    row = db.execute("SELECT due, completed FROM milestone WHERE name = ?", (check.name,)).fetchone()
    if row is None:
        return CheckResult(False, f"there is no milestone {check.name}")
    due, completed = row
    if check.completed is not None and bool(completed) != check.completed:
        return CheckResult(False, f"milestone {check.name} is {'closed' if completed else 'open'}")
    if check.due is not None:
        shown = datetime.fromtimestamp(due / 1e6, timezone.utc).date().isoformat() if due else None
        if shown != check.due:
            return CheckResult(False, f"milestone {check.name} is due {shown}, expected {check.due}")
    return CheckResult(True, f"milestone {check.name} is {'closed' if completed else 'open'}")


def sql(db: sqlite3.Connection, check: SqlCheck) -> CheckResult:
    try:
        rows = [[_text(v) for v in row] for row in db.execute(check.query).fetchmany(10_000)]
    except sqlite3.Error as error:
        return CheckResult(False, f"the check's query failed: {error}", broken_check=True)
    expected = [[_text(v) for v in row] for row in check.rows]
    same = rows == expected if check.order_matters else sorted(rows) == sorted(expected)
    return CheckResult(same, f"the query returned {rows[:5]}{' …' if len(rows) > 5 else ''}")


def _text(value: object) -> str:
    return "" if value is None else str(value)
