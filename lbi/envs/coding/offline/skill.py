"""The offline skill for any Python repository: it reads the intro, grep hits, numbered views and test
results it is shown; it knows no repository by heart."""

from __future__ import annotations

from random import Random

from lbi.envs.coding.actions import parse_action
from lbi.envs.coding.offline import actor, labeler, proposer, reading
from lbi.prompts.render import Turn

INSPECTING = ("ls", "cat ", "grep ", "git status", "git log", "git diff", "head ", "sed -n", "find ")


class CodingSkill:

    def propose_tasks(self, document: str, environment: str, count: int, rng: Random) -> list[str]:
        return proposer.propose_tasks(document, environment, count, rng)

    def next_action(self, task: str, history: list[Turn], rng: Random, observation: str = "") -> tuple[str, str]:
        return actor.next_action(task, history, _test_command(history, observation))

    def task_instruction(self, turns: list[Turn], rng: Random) -> str:
        return labeler.instruction(turns)

    def replicate(self, turns: list[Turn], rng: Random) -> tuple[list[str], str]:
        return [labeler.summary(turn) for turn in turns], labeler.instruction(turns)

    def failed(self, observation: str) -> bool:
        return labeler.reading_failed(observation)

    def is_inspection(self, action: str) -> bool:
        call = _call(action)
        if call is not None:
            return call.op == "view"
        return action.strip().startswith(INSPECTING)

    def asks_about_structure(self, instruction: str) -> bool:
        return instruction.startswith(("Where is", "Which", "List", "Look at"))

    def subject(self, action: str) -> str:
        call = _call(action)
        if call is not None:
            return call.args.get("path", "the change")
        words = action.split()
        return next((w for w in reversed(words) if ".py" in w), f"`{action.splitlines()[0][:60]}`")

    def unmentioned(self, instruction: str, action: str) -> tuple[list[str], list[str]]:
        call = _call(action)
        path = call.args.get("path") if call is not None and call.op != "view" else None
        return ([path] if path and path not in instruction else []), []

    def related(self, first: str, second: str) -> bool:
        return self.subject(first) == self.subject(second)


def _test_command(history: list[Turn], observation: str) -> str:
    """The repository's test command: from the intro at the first step, then from the first suite run."""
    if not history:
        return reading.test_command(observation)
    first = history[0].action
    return first.removesuffix(actor.SUITE_OPTIONS) if first.endswith(actor.SUITE_OPTIONS) else "pytest -q"


def _call(action: str):
    try:
        return parse_action(action)
    except ValueError:
        return None
