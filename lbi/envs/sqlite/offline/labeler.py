"""Backward construction on any SQLite database: the instruction a span accomplishes, and a step-by-step summary of it."""

from __future__ import annotations

from random import Random

from lbi.envs.sqlite.offline.describe import describe
from lbi.envs.sqlite.offline.results import Result, read_result
from lbi.envs.sqlite.offline.statements import is_schema_lookup, lists_tables, parse_change, table_info_target
from lbi.prompts.label import MAX_INSTRUCTION_CHARS
from lbi.prompts.render import Turn

VAGUE_RATE = 0.08  # how often the labeler, like a weak model, writes an instruction that names nothing
_VAGUE = ("Look up some information in the database.", "Run a query on the database.",
          "Find the requested data in the database.")


def task_instruction(turns: list[Turn], rng: Random) -> str:
    if rng.random() < VAGUE_RATE:
        return rng.choice(_VAGUE)
    results = [read_result(t.observation) for t in turns]
    succeeded = [t for t, r in zip(turns, results) if r.error is None]
    data = [t for t in succeeded if not is_schema_lookup(t.action)]
    if data:
        changes = [t for t in data[:-1] if parse_change(t.action)]
        last = describe(data[-1].action, rng)
        if changes and not parse_change(data[-1].action):
            return describe(changes[-1].action, rng).rstrip(".") + ", then " + _lower_first(last)
        return last
    if succeeded:
        return _schema_instruction([t.action for t in succeeded])
    return describe(turns[-1].action, rng)


def replicate(turns: list[Turn], rng: Random) -> tuple[list[str], str]:
    summary, purposes = [], []
    for number, turn in enumerate(turns, start=1):
        result = read_result(turn.observation)
        purpose = _lower_first(describe(turn.action, rng).rstrip("."))
        summary.append(f"Step {number}: {purpose} with `{' '.join(turn.action.split())}`; {_outcome(turn.action, result)}.")
        if result.error is None and purpose not in purposes:
            purposes.append(purpose)
    if not purposes:
        error = read_result(turns[-1].observation).error
        return summary, f"Try to {_lower_first(describe(turns[-1].action, rng)).rstrip('.')}; the statement fails with '{error}'."
    last = read_result(next(t.observation for t in reversed(turns) if read_result(t.observation).error is None))
    ending = f" The final statement should return {last.brief()}."
    if len(purposes) == 1:
        return summary, _upper_first(purposes[0]) + "." + ending
    steps = purposes if len(purposes) <= 3 else ["inspect the schema"] + purposes[-2:]
    instruction = "Step by step, " + ", then ".join(steps) + "." + ending
    if len(instruction) > MAX_INSTRUCTION_CHARS:
        instruction = _upper_first(purposes[-1]) + "." + ending
    return summary, instruction


def _schema_instruction(actions: list[str]) -> str:
    parts = []
    if any(lists_tables(a) for a in actions):
        parts.append("list the tables in the database")
    tables = [t for a in actions if (t := table_info_target(a))]
    if tables:
        parts.append("show the columns of the " + " and ".join(dict.fromkeys(tables)) + " table" + "s" * (len(set(tables)) > 1))
    return _upper_first(" and ".join(parts) or "inspect the schema of the database") + "."


def _outcome(action: str, result: Result) -> str:
    if result.error is not None:
        return f"it failed with the error '{result.error}'"
    count = result.row_count if result.row_count is not None else len(result.rows)
    if lists_tables(action):
        return f"it listed {count} tables"
    if table := table_info_target(action):
        return f"it showed the {count} columns of {table}"
    return f"it returned {result.brief()}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
