"""What a family's skill gives the offline model's roles, and which skill a family has (its registration says)."""

from __future__ import annotations

from random import Random
from typing import Protocol

from lbi.prompts.render import Turn


class ActionSkill(Protocol):
    def propose_tasks(self, document: str, environment: str, count: int, rng: Random) -> list[str]:
        """Tasks grounded in the document and in ``environment``, what an episode shows when it starts."""

    def next_action(self, task: str, history: list[Turn], rng: Random, observation: str = "") -> tuple[str, str]:
        """(reason, action); ``rng`` is seeded from the task only, so one episode follows one plan.
        ``observation`` is the current one (at the first step, what the episode shows at its start); a skill
        may leave the parameter out, and is then called without it."""

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


def skill_for(family_name: str) -> ActionSkill | None:
    from lbi.envs.families import family
    from lbi.errors import ConfigError

    try:
        return family(family_name).load_offline_skill()
    except ConfigError:
        return None
