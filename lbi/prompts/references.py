"""How retrieved examples are shown to the actor: each as its instruction and its turns, observations shortened."""

from __future__ import annotations

from typing import Sequence

from lbi.prompts.render import Turn, render_turns

OBSERVATION_CHARS = 400
HEADER = ("Reference examples from earlier work in this environment. They are not your task; "
          "use what helps you choose the next action.")


def render_example(instruction: str, turns: Sequence[Turn], observation_chars: int = OBSERVATION_CHARS) -> str:
    """One example as the actor sees it (stored with the example when it is indexed)."""
    shortened = [Turn(t.action, _shorten(t.observation, observation_chars)) for t in turns]
    return f"Instruction: {' '.join(instruction.split())}\n{render_turns(shortened)}"


def render_references(examples: Sequence[str]) -> str:
    """The references block of the act prompt; empty when there is nothing to show."""
    if not examples:
        return ""
    blocks = [f"<example {n}>\n{text}\n</example {n}>" for n, text in enumerate(examples, start=1)]
    return "\n".join([HEADER, *blocks])


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + " ...(shortened)"
