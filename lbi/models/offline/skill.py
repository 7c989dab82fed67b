"""What an action-language skill gives the offline model's roles (SQL, bash), and which one an action language gets."""

from __future__ import annotations

from random import Random
from typing import Protocol

from lbi.prompts.render import Turn


class ActionSkill(Protocol):
    def propose_tasks(self, document: str, count: int, rng: Random) -> list[str]: ...

    def next_action(self, task: str, history: list[Turn], rng: Random) -> tuple[str, str]:
        """(reason, action); ``rng`` is seeded from the task only, so one episode follows one plan."""

    def task_instruction(self, turns: list[Turn], rng: Random) -> str: ...

    def replicate(self, turns: list[Turn], rng: Random) -> tuple[list[str], str]:
        """(one summary line per action, an instruction to replicate the span)."""

    def failed(self, observation: str) -> bool: ...

    def is_inspection(self, action: str) -> bool:
        """True for an action that only looks at the environment's structure (a schema look-up, an ls)."""

    def asks_about_structure(self, instruction: str) -> bool:
        """True when the instruction asks about the environment's structure rather than its data."""

    def subject(self, action: str) -> str:
        """What the action works on, for a rationale ('the Track table')."""

    def unmentioned(self, instruction: str, action: str) -> tuple[list[str], list[str]]:
        """(subjects, details) the action used that the instruction does not mention."""

    def related(self, first: str, second: str) -> bool:
        """True when the two actions work on the same thing."""


def skill_for(action_language: str) -> ActionSkill | None:
    if "sql" in action_language.lower():
        from lbi.models.offline.sql_skill import SqlSkill

        return SqlSkill()
    if "bash" in action_language.lower():
        from lbi.models.offline.shell_skill import ShellSkill

        return ShellSkill()
    return None
