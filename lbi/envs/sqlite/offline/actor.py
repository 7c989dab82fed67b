"""The offline actor on any SQLite database: plays a short plan for the task, one SQL statement per turn,
using only tables and columns it has seen (in the episode's overview, a table listing, table_info, or a
statement that ran).

The plan is fixed by the task (and the seed): maybe a look at the schema first, the statements that do
the task, sometimes a first attempt with a misspelled column that the next turn corrects after reading
the error; then STOP. Each turn recomputes the plan and takes its first step the history has not done.
"""

from __future__ import annotations

from random import Random

from lbi.envs.sqlite.offline import fallback
from lbi.envs.sqlite.offline.fallback import LIST_TABLES
from lbi.envs.sqlite.offline.misspelling import misspell
from lbi.envs.sqlite.offline.names import quote, same
from lbi.envs.sqlite.offline.results import read_result
from lbi.envs.sqlite.offline.schema import Table, learn, read_overview
from lbi.envs.sqlite.offline.statements import is_schema_lookup, lists_tables, normalize, table_info_target
from lbi.envs.sqlite.offline.tasks import Bound, Missing, bind, reason, recognize
from lbi.prompts.act import STOP
from lbi.prompts.render import Turn

MAX_ACTIONS = 6
TYPO_RATE = 0.12


def next_action(task: str, history: list[Turn], observation: str, rng: Random) -> tuple[str, str]:
    """(reason, action) for the next turn; ``rng`` must be seeded from the task alone."""
    if len(history) >= MAX_ACTIONS:
        return "I have taken enough steps; stop here.", STOP
    schema = learn(read_overview(observation), history)
    recognized = recognize(task)
    if recognized is None:
        return fallback.next_action(task, history, schema, rng)
    kind, slots = recognized
    opening = rng.choices([("list", "info"), ("list",), ("info",), ()], weights=[0.2, 0.2, 0.3, 0.3])[0]
    if kind.inspect_first and "info" not in opening:
        opening += ("info",)
    if kind.joins and opening == ("info",):
        opening = ("list", "info")  # the other table's name is not in the first one's columns
    typo_at = rng.randrange(len(kind.steps)) if rng.random() < TYPO_RATE else None
    salt = rng.random()

    done = _data_statements_run(history)
    if done >= len(kind.steps):
        return final_reason(history), STOP
    bound = bind(kind, slots, schema)
    if "list" in opening and not _listed(history):
        return "Start by listing the tables to see how the data is organised.", LIST_TABLES
    if isinstance(bound, Missing) and bound.table is None and (_listed(history) or schema.real_tables()):
        return fallback.next_action(task, history, schema, rng)  # it reads like a proposed task but is not one
    if isinstance(bound, Missing):
        return _inspect(bound, history, "the task names")
    if "info" in opening and not _inspected(history, bound.table):
        return f"Check the columns of the {bound.table.name} table before querying it.", table_info(bound.table)
    if kind.joins and "info" in opening and not _inspected(history, bound.parent):
        return f"Check the columns of {bound.parent.name} to see how {bound.table.name} links to it.", \
            table_info(bound.parent)
    for number, step in enumerate(kind.steps):
        if number < done:
            continue
        previous = read_result(_last_data_turn(history).observation) if number else None
        sql = step.write(bound, previous)
        if isinstance(sql, Missing):
            if sql.table is None:
                return "What I found does not let me go on with this task; stop here.", STOP
            return _inspect(sql, history, "the statement needs")
        if typo_at == number and not _failed_before(history):
            typo = misspell(sql, salt, bound.table)
            if typo is not None:
                return reason(step, bound), typo[0]
        if _failed(history, sql):
            if not _inspected(history, bound.table):
                return f"The statement failed; check the columns of {bound.table.name}.", table_info(bound.table)
            return "The statement keeps failing and the schema does not show why; stop here.", STOP
        return _reason_after_typo(history, sql, salt, bound) or reason(step, bound), sql
    return final_reason(history), STOP


def table_info(table: Table) -> str:
    return f"PRAGMA table_info({quote(table.name)})"


def final_reason(history: list[Turn]) -> str:
    for turn in reversed(history):
        result = read_result(turn.observation)
        if result.error is None:
            return f"The last statement returned {result.brief()}, which answers the task."
    return "There is nothing more I can do for this task."


def _inspect(missing: Missing, history: list[Turn], what: str) -> tuple[str, str]:
    if missing.table is None:
        if not _listed(history):
            return f"I do not know yet which table holds what {what}; list the tables first.", LIST_TABLES
        return "The database does not seem to have what the task asks for; stop here.", STOP
    if not _inspected(history, missing.table):
        return f"Check the columns of the {missing.table.name} table first.", table_info(missing.table)
    return f"The {missing.table.name} table does not have what the task asks for; stop here.", STOP


def _listed(history: list[Turn]) -> bool:
    return any(lists_tables(t.action) and read_result(t.observation).error is None for t in history)


def _inspected(history: list[Turn], table: Table) -> bool:
    return any((target := table_info_target(t.action)) and same(target, table.name)
               and read_result(t.observation).error is None for t in history)


def _data_statements_run(history: list[Turn]) -> int:
    return sum(1 for t in history if not is_schema_lookup(t.action) and read_result(t.observation).error is None)


def _last_data_turn(history: list[Turn]) -> Turn:
    return next(t for t in reversed(history) if not is_schema_lookup(t.action)
                and read_result(t.observation).error is None)


def _failed_before(history: list[Turn]) -> bool:
    return any(read_result(t.observation).error is not None for t in history)


def _failed(history: list[Turn], sql: str) -> bool:
    return any(normalize(t.action) == normalize(sql) and read_result(t.observation).error is not None
               for t in history)


def _reason_after_typo(history: list[Turn], sql: str, salt: float, bound: Bound) -> str | None:
    if not history or read_result(history[-1].observation).error is None:
        return None
    typo = misspell(sql, salt, bound.table)
    if typo and normalize(history[-1].action) == normalize(typo[0]):
        return f"The previous statement failed because {typo[1]} is not a column; the right name is {typo[2]}."
    return None

