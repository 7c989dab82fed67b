"""The offline actor: the task's plan, one intent per step, each resolved against the page it observes."""

from __future__ import annotations

from lbi.envs.web.offline import page
from lbi.envs.web.offline.kinds import Intent, plan
from lbi.prompts.act import STOP
from lbi.prompts.render import Turn


def next_action(task: str, history: list[Turn], observation: str) -> tuple[str, str]:
    intents = plan(task)
    if not intents:
        return "The task names nothing this page offers, so there is nothing to do.", STOP
    if history and page.failed(history[-1].observation):
        return "The last action failed, so I stop rather than guess.", STOP
    if len(history) >= len(intents):
        return "Every step of the task is done.", STOP
    intent = intents[len(history)]
    return act(intent, observation or (history[-1].observation if history else ""))


def act(intent: Intent, observation: str) -> tuple[str, str]:
    if intent.verb == "answer_title":
        title = page.header(observation, "Title") or ""
        return f"The page's title is '{title}'.", f"answer({title!r})"
    element = page.find(observation, intent.roles, intent.name) or _field_before_button(intent, observation)
    if element is None:
        return f"The page shows no {intent.roles[0]} '{intent.name}'.", STOP
    if intent.verb == "fill":
        return (f"The {element.role} [{element.id}] '{element.name or intent.name}' takes the text.",
                f"fill({element.id}, {intent.text!r})")
    return f"The {element.role} [{element.id}] '{element.name}' does what the task asks.", f"click({element.id})"


def _field_before_button(intent: Intent, observation: str) -> page.Element | None:
    """A field without a label of its own, just before the button named like the field (a search box)."""
    if intent.verb != "fill":
        return None
    elements = page.elements(observation)
    for before, after in zip(elements, elements[1:]):
        if before.role in intent.roles and not before.name and after.role == "button" \
                and after.name.casefold() == intent.name.casefold():
            return before
    return None
