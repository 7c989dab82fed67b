"""Reads the fields each role's template fills (the role itself comes from the request's metadata)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from lbi.models.metadata import family_of, role_of
from lbi.prompts.render import Turn


@dataclass(frozen=True)
class Prompt:
    role: str
    family: str
    user: str  # the last user message


def read_prompt(messages: Sequence[dict[str, str]], metadata: Mapping[str, str]) -> Prompt:
    users = [m["content"] for m in messages if m["role"] == "user"]
    return Prompt(role=role_of(metadata), family=family_of(metadata), user=users[-1] if users else "")


def _line_value(text: str, name: str) -> str | None:
    match = re.search(rf"^{re.escape(name)}:[ \t]*(.*)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def between(text: str, start: str, end: str) -> str:
    """The text after the last ``start`` and before the next ``end`` (or the end of ``text``)."""
    begin = text.rfind(start)
    if begin < 0:
        return ""
    begin += len(start)
    stop = text.find(end, begin)
    return text[begin:] if stop < 0 else text[begin:stop]


def requested_count(user: str, default: int = 3) -> int:
    match = re.search(r"Write (\d+) distinct tasks", user)
    return max(1, min(int(match.group(1)), 20)) if match else default


def task_of(user: str) -> str:
    return _line_value(user, "Task") or ""


def instruction_of(user: str) -> str:
    match = re.search(r"^Instruction:[ \t]*(.*?)\n\s*<trajectory>", user, re.MULTILINE | re.DOTALL)
    return " ".join(match.group(1).split()) if match else ""


def parse_turns(text: str) -> list[Turn]:
    """The turns of a rendered trajectory or of an actor's history (the initial observation is skipped).

    Markers are found in order (Action 1, Observation 1, Action 2, ...), so an
    observation that happens to contain other text is kept whole.
    """
    turns: list[Turn] = []
    position, number = 0, 1
    while action_at := re.compile(rf"(?:^|\n)Action {number}:\n").search(text, position):
        observation_at = re.compile(rf"\nObservation {number}:\n").search(text, action_at.end())
        if observation_at is None:
            break
        next_action = re.compile(rf"\n+Action {number + 1}:\n").search(text, observation_at.end())
        position = next_action.start() if next_action else len(text)
        turns.append(Turn(action=text[action_at.end():observation_at.start()].strip(),
                          observation=text[observation_at.end():position].strip("\n")))
        number += 1
    return turns


def trajectory_of(user: str) -> list[Turn]:
    return parse_turns(between(user, "<trajectory>\n", "\n</trajectory>"))


def actor_history(user: str) -> list[Turn]:
    return parse_turns(between(user, "History of this episode:\n", "\n\nCurrent observation:\n"))
