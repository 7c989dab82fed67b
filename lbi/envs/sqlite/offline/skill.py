"""The offline model's skill for any SQLite database: it reads the schema from what the episode shows."""

from __future__ import annotations

import re
from random import Random

from lbi.envs.sqlite.offline import actor, labeler, proposer
from lbi.envs.sqlite.offline.names import mentions_table
from lbi.envs.sqlite.offline.results import read_result
from lbi.envs.sqlite.offline.statements import is_schema_lookup, literals, tables_used
from lbi.prompts.render import Turn

_STRUCTURE_QUESTION = re.compile(
    r"\b(?:tables in|tables does|columns of|columns does|column names|structure of|schema)\b", re.IGNORECASE)


class SqlSkill:
    def propose_tasks(self, document: str, environment: str, count: int, rng: Random) -> list[str]:
        return proposer.propose(document, environment, count, rng)

    def next_action(self, task: str, history: list[Turn], rng: Random, observation: str = "") -> tuple[str, str]:
        return actor.next_action(task, history, observation, rng)

    def task_instruction(self, turns: list[Turn], rng: Random) -> str:
        return labeler.task_instruction(turns, rng)

    def replicate(self, turns: list[Turn], rng: Random) -> tuple[list[str], str]:
        return labeler.replicate(turns, rng)

    def failed(self, observation: str) -> bool:
        return read_result(observation).error is not None

    def is_inspection(self, action: str) -> bool:
        return is_schema_lookup(action)

    def asks_about_structure(self, instruction: str) -> bool:
        return bool(_STRUCTURE_QUESTION.search(instruction))

    def subject(self, action: str) -> str:
        tables = tables_used(action)
        if not tables:
            return "the schema" if is_schema_lookup(action) else "the database"
        return "the " + " and ".join(tables) + " table" + "s" * (len(tables) > 1)

    def unmentioned(self, instruction: str, action: str) -> tuple[list[str], list[str]]:
        tables = tables_used(action)
        named = any(mentions_table(instruction, table) for table in tables)
        subjects = [] if not tables or named else [f"the {tables[0]} table"]
        lowered = instruction.lower()
        details = [f"'{v}'" for v in literals(action) if len(v) > 1 and v.lower() not in lowered]
        return subjects, details

    def related(self, first: str, second: str) -> bool:
        return bool({t.lower() for t in tables_used(first)} & {t.lower() for t in tables_used(second)})
