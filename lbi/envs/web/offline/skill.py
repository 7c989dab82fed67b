"""The offline model's skill for the web family: it acts in any web application of the family by reading
the accessibility tree it observes (links, fields and buttons found by their labels)."""

from __future__ import annotations

from random import Random

from lbi.envs.web.actions import ActionError, parse
from lbi.envs.web.offline import actor, labeler, page, proposer
from lbi.prompts.render import Turn

INSPECTION = ("scroll", "noop", "tab_focus", "go_back")


class WebSkill:
    def propose_tasks(self, document: str, environment: str, count: int, rng: Random) -> list[str]:
        return proposer.propose(document, environment, count, rng)

    def next_action(self, task: str, history: list[Turn], rng: Random, observation: str = "") -> tuple[str, str]:
        return actor.next_action(task, history, observation)

    def task_instruction(self, turns: list[Turn], rng: Random) -> str:
        return labeler.task_instruction(turns)

    def replicate(self, turns: list[Turn], rng: Random) -> tuple[list[str], str]:
        return labeler.replicate(turns)

    def failed(self, observation: str) -> bool:
        return page.failed(observation)

    def is_inspection(self, action: str) -> bool:
        return action.strip().startswith(INSPECTION)

    def asks_about_structure(self, instruction: str) -> bool:
        return False

    def subject(self, action: str) -> str:
        try:
            parsed = parse(action)
        except ActionError:
            return "the page"
        if parsed.element is not None:
            return f"element [{parsed.element}]"
        return f"the page {parsed.args[0]}" if parsed.name == "goto" else "the page"

    def unmentioned(self, instruction: str, action: str) -> tuple[list[str], list[str]]:
        try:
            parsed = parse(action)
        except ActionError:
            return [], []
        if parsed.name in ("fill", "answer") and parsed.args[-1] and parsed.args[-1] not in instruction \
                and parsed.name == "fill":
            return [], [repr(parsed.args[-1])]
        return [], []

    def related(self, first: str, second: str) -> bool:
        try:
            a, b = parse(first), parse(second)
        except ActionError:
            return False
        return a.element is not None and a.element == b.element
