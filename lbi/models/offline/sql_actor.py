"""The offline actor on Chinook: plays a short plan for the task, one SQL statement per turn.

The plan is fixed by the task (and the seed): maybe a look at the schema first,
the statements that answer the task, sometimes a first attempt with a
misspelled column that the next turn corrects after reading the error; then STOP.
Each turn runs the first planned statement that has not yet succeeded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from random import Random

from lbi.models.offline import chinook
from lbi.models.offline.seeding import seeded_random
from lbi.models.offline.sql_results import read_result
from lbi.models.offline.sql_statements import columns_used, normalize, without_literals
from lbi.models.offline.sql_tasks import Step, fill, recognize
from lbi.prompts.act import STOP
from lbi.prompts.render import Turn

MAX_ACTIONS = 6
TYPO_RATE = 0.15
LIST_TABLES = "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
_LIST_TABLES_STEP = Step("Start by listing the tables to see how the data is organised.", LIST_TABLES)
_KNOWN_NAMES = {name.lower() for name in chinook.COLUMNS | set(chinook.TABLES)}


@dataclass(frozen=True)
class Entry:
    step: Step
    misspelled: bool = False


@dataclass(frozen=True)
class Script:
    entries: tuple[Entry, ...]
    values: dict[str, str]
    main_table: str | None
    salt: float  # picks the misspelling


def next_action(task: str, history: list[Turn], rng: Random) -> tuple[str, str]:
    """(reason, action) for the next turn; ``rng`` must be seeded from the task alone."""
    script = _script(task, rng)
    if len(history) >= MAX_ACTIONS:
        return "I have taken enough steps; stop here.", STOP
    tried = {normalize(t.action): t for t in history}
    lookup_value = _lookup_value(script, tried)
    for entry in script.entries:
        sql = _statement(entry.step, script.values, lookup_value)
        if entry.misspelled:
            typo = misspell(sql, script.salt)
            if typo is None or normalize(typo[0]) in tried:
                continue
            return fill(entry.step.reason, script.values), typo[0]
        turn = tried.get(normalize(sql))
        if turn is None:
            return _reason_for(entry.step, sql, script, history), sql
        if read_result(turn.observation).error is None:
            continue
        inspect = _table_info(script.main_table) if script.main_table else None
        if inspect and normalize(inspect) not in tried:
            return f"The query failed; check the columns of the {script.main_table} table.", inspect
        return "The query keeps failing and the schema does not show why; stop here.", STOP
    return _final_reason(history), STOP


def misspell(sql: str, salt: float) -> tuple[str, str, str] | None:
    """(statement with one column name misspelled, the wrong name, the right name), or None."""
    columns = [c for c in columns_used(sql) if len(c) >= 4]
    if not columns:
        return None
    rng = seeded_random("misspell", sql, salt)
    column = rng.choice(columns)
    i = rng.randrange(1, len(column) - 2)
    candidates = [column[:i] + column[i + 1:], column[:i] + column[i + 1] + column[i] + column[i + 2:]]
    wrong = next((c for c in candidates if c.lower() not in _KNOWN_NAMES), None)
    if wrong is None:
        return None
    code = without_literals(sql)
    match = re.search(rf"\b{column}\b", code)
    if match is None or code[:match.start()] != sql[:match.start()]:
        return None  # only misspell before the first string literal, where the offsets agree
    return sql[:match.start()] + wrong + sql[match.end():], wrong, column


def _script(task: str, rng: Random) -> Script:
    recognized = recognize(task)
    if recognized is None:
        return _fallback_script(task, rng.random())
    kind, values = recognized
    plan = rng.choice(kind.plans)
    main = kind.tables[0] if kind.tables else values.get("table")
    salt = rng.random()
    if not kind.tables:  # a question about the schema itself
        opening = [_LIST_TABLES_STEP] if main and rng.random() < 0.5 else []
        return Script(tuple(Entry(s) for s in opening + list(plan)), values, main, salt)
    opening = rng.choices([[_LIST_TABLES_STEP, _inspect(main)], [_LIST_TABLES_STEP], [_inspect(main)], []],
                          weights=[0.3, 0.25, 0.3, 0.15])[0]
    if not opening and len(plan) == 1:
        opening = [_inspect(main)]
    entries = [Entry(s) for s in opening]
    answer_at = next(i for i, step in enumerate(plan) if not step.lookup)
    entries += [Entry(s) for s in plan[:answer_at]]
    if rng.random() < TYPO_RATE:
        entries.append(Entry(plan[answer_at], misspelled=True))
        if rng.random() < 0.5:
            entries.append(Entry(Step(f"The error names an unknown column; check the columns of {main}.",
                                      _table_info(main))))
    entries += [Entry(s) for s in plan[answer_at:]]
    return Script(tuple(entries), values, main, salt)


def _fallback_script(task: str, salt: float) -> Script:
    """For a task the templates do not know: query the table it names, or list the tables."""
    tables = chinook.tables_mentioned(task)
    if not tables:
        return Script((Entry(_LIST_TABLES_STEP),), {}, None, salt)
    main = tables[0]
    counting = re.search(r"\bhow many\b|\bcount\b|\bnumber of\b", task, re.IGNORECASE)
    sql = f"SELECT COUNT(*) FROM {main}" if counting else f"SELECT * FROM {main} LIMIT 10"
    return Script((Entry(_inspect(main)), Entry(Step(f"Query the {main} table the task is about.", sql))),
                  {}, main, salt)


def _inspect(table: str) -> Step:
    return Step(f"Check the columns of the {table} table before querying it.", _table_info(table))


def _table_info(table: str) -> str:
    return f"PRAGMA table_info({table})"


def _statement(step: Step, values: dict[str, str], lookup_value: str | None) -> str:
    if "{id}" in step.sql and lookup_value is None:
        return fill(step.fallback or step.sql, values, quote=True)
    return fill(step.sql, {**values, "id": lookup_value or ""}, quote=True)


def _lookup_value(script: Script, tried: dict[str, Turn]) -> str | None:
    for entry in script.entries:
        if entry.step.lookup:
            turn = tried.get(normalize(fill(entry.step.sql, script.values, quote=True)))
            value = read_result(turn.observation).first_value if turn else None
            return value if value and re.fullmatch(r"-?\d+", value) else None
    return None


def _reason_for(step: Step, sql: str, script: Script, history: list[Turn]) -> str:
    if history and read_result(history[-1].observation).error is not None:
        typo = misspell(sql, script.salt)
        if typo and normalize(history[-1].action) == normalize(typo[0]):
            return f"The previous query failed because {typo[1]} is not a column; the right name is {typo[2]}."
    return fill(step.reason, script.values)


def _final_reason(history: list[Turn]) -> str:
    for turn in reversed(history):
        result = read_result(turn.observation)
        if result.error is None:
            return f"The last statement returned {result.brief()}, which answers the task."
    return "There is nothing more I can do for this task."
