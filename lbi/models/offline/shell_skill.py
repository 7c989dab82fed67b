"""The bash action-language skill of the offline model, for the shell environment's weatherlog project."""

from __future__ import annotations

import re
from random import Random

from lbi.models.offline import shell_actor, shell_labeler, shell_proposer
from lbi.models.offline.shell_commands import details, is_git, is_inspection, normalize, paths_used
from lbi.models.offline.shell_results import read_result
from lbi.prompts.render import Turn

_STRUCTURE_QUESTION = re.compile(r"\b(?:list the files|which files|what files|layout|directory contents|"
                                 r"what is (?:there|in the)|look around)\b", re.IGNORECASE)


class ShellSkill:
    def propose_tasks(self, document: str, environment: str, count: int, rng: Random) -> list[str]:
        return shell_proposer.propose(document, count, rng)

    def next_action(self, task: str, history: list[Turn], rng: Random) -> tuple[str, str]:
        return shell_actor.next_action(task, history, rng)

    def task_instruction(self, turns: list[Turn], rng: Random) -> str:
        return shell_labeler.task_instruction(turns, rng)

    def replicate(self, turns: list[Turn], rng: Random) -> tuple[list[str], str]:
        return shell_labeler.replicate(turns, rng)

    def failed(self, observation: str) -> bool:
        return read_result(observation).failed

    def is_inspection(self, action: str) -> bool:
        return is_inspection(action)

    def asks_about_structure(self, instruction: str) -> bool:
        return bool(_STRUCTURE_QUESTION.search(instruction))

    def subject(self, action: str) -> str:
        paths = paths_used(action)
        if paths:
            return " and ".join(paths[:2])
        return "the git repository" if is_git(action) else "the project"

    def unmentioned(self, instruction: str, action: str) -> tuple[list[str], list[str]]:
        lowered = instruction.lower()
        paths = paths_used(action)
        named = [p for p in paths if p.lower() in lowered or p.rsplit("/", 1)[-1].lower() in lowered]
        subjects = [] if not paths or named else [paths[0]]
        missing = [f"'{value}'" for value in details(action) if value.lower() not in lowered]
        return subjects, missing

    def related(self, first: str, second: str) -> bool:
        if is_git(first) and is_git(second):
            return True
        return bool(set(paths_used(first)) & set(paths_used(second))) or normalize(first) == normalize(second)
