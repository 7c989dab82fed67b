"""The offline model's skill for the shell family: works on any directory tree from what it observes."""

from __future__ import annotations

import re
from random import Random

from lbi.envs.shell.offline import actor, labeler, proposer
from lbi.envs.shell.offline.commands import grep_pattern, is_git, is_inspection, normalize, paths_used
from lbi.envs.shell.offline.results import read_result
from lbi.envs.shell.offline.steps import explain
from lbi.prompts.render import Turn

_STRUCTURE_QUESTION = re.compile(r"\b(?:list(?:s|ing)? the (?:contents|files|entries)|which files|what files|"
                                 r"what is in|what's in|contents of|look around|layout|top level)\b", re.IGNORECASE)
_DETAILS = ("word", "ext", "line")  # values of a step an instruction must carry
_GENERIC = frozenset({"comma", "worki", "tree", "file", "files", "show", "list", "check", "somet", "look",
                      "aroun", "with", "that", "this", "each", "what", "which", "last", "lines"})


class ShellSkill:
    def propose_tasks(self, document: str, environment: str, count: int, rng: Random) -> list[str]:
        return proposer.propose(document, environment, count, rng)

    def next_action(self, task: str, history: list[Turn], rng: Random, observation: str = "") -> tuple[str, str]:
        return actor.next_action(task, history, rng, observation)

    def task_instruction(self, turns: list[Turn], rng: Random) -> str:
        return labeler.task_instruction(turns, rng)

    def replicate(self, turns: list[Turn], rng: Random) -> tuple[list[str], str]:
        return labeler.replicate(turns, rng)

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
        return "the git repository" if is_git(action) else "the working tree"

    def unmentioned(self, instruction: str, action: str) -> tuple[list[str], list[str]]:
        lowered = instruction.lower()
        paths = paths_used(action)
        named = [p for p in paths if p.lower() in lowered or p.rsplit("/", 1)[-1].lower() in lowered]
        if paths:
            subjects = [] if named else [paths[0]]
        else:
            subjects = [] if _shares_topic(lowered, labeler.describe(action)) else [self.subject(action)]
        missing = [f"'{value}'" for value in _details(action) if value.lower() not in lowered]
        return subjects, missing

    def related(self, first: str, second: str) -> bool:
        if is_git(first) and is_git(second):
            return True
        return bool(set(paths_used(first)) & set(paths_used(second))) or normalize(first) == normalize(second)


def _shares_topic(instruction: str, description: str) -> bool:
    """True when the instruction uses a word of what the action does (beyond 'run', 'files', 'tree'...)."""
    topic = {w[:5] for w in re.findall(r"[a-z]{4,}", description.lower())} - _GENERIC
    return bool(topic & {w[:5] for w in re.findall(r"[a-z]{4,}", instruction)})


def _details(action: str) -> list[str]:
    explained = explain(action)
    if explained is not None:
        return [value for name, value in explained[1].items() if name in _DETAILS]
    pattern = grep_pattern(action)
    return [pattern] if pattern else []
