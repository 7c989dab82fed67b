"""How the offline actor uses reference examples: it follows the one whose instruction is closest to
its task, with the task's words put in where the two instructions differ ('Canada' for 'Brazil').

Like the rest of the offline model this is a deterministic stand-in: it shows
the pipeline working end to end, not what a real model gains from examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Callable

from lbi.models.offline.prompt_reading import parse_turns
from lbi.prompts.act import STOP
from lbi.prompts.render import Turn

MIN_SIMILARITY = 0.6
_EXAMPLE = re.compile(r"<example (\d+)>\n(.*?)\n</example \1>", re.DOTALL)
_WORD = re.compile(r"\w+(?:[/&'’-]\w+)*")


@dataclass(frozen=True)
class Reference:
    number: int
    instruction: str
    turns: tuple[Turn, ...]


def references_of(user: str) -> list[Reference]:
    found = []
    for match in _EXAMPLE.finditer(user):
        first, _, rest = match.group(2).partition("\n")
        if first.startswith("Instruction: "):
            found.append(Reference(int(match.group(1)), first.removeprefix("Instruction: "),
                                   tuple(parse_turns(rest))))
    return found


def follow_reference(task: str, history: list[Turn], references: list[Reference],
                     failed: Callable[[str], bool]) -> tuple[str, str] | None:
    """(reason, action) taken from the closest reference, or None when none is close enough."""
    scored = [(similarity(task, r.instruction), -r.number, r) for r in references if r.turns]
    if not scored:
        return None
    score, _, best = max(scored, key=lambda item: item[:2])
    if score < MIN_SIMILARITY:
        return None
    swaps = substitutions(best.instruction, task)
    tried = {" ".join(t.action.split()) for t in history}
    for turn in best.turns:
        if failed(turn.observation):
            continue
        action = _substitute(turn.action, swaps)
        if " ".join(action.split()) not in tried:
            return (f"Reference example {best.number} did a task like this one ('{best.instruction}'); "
                    "take its next step."), action
    return f"I have followed reference example {best.number} to its end.", STOP


def similarity(first: str, second: str) -> float:
    return SequenceMatcher(None, _words(first, lower=True), _words(second, lower=True), autojunk=False).ratio()


def substitutions(reference: str, task: str) -> list[tuple[str, str]]:
    """(reference phrase, task phrase) for each stretch of words the two replace one for the other."""
    ref_words, task_words = _words(reference), _words(task)
    matcher = SequenceMatcher(None, [w.lower() for w in ref_words], [w.lower() for w in task_words],
                              autojunk=False)
    return [(" ".join(ref_words[i1:i2]), " ".join(task_words[j1:j2]))
            for op, i1, i2, j1, j2 in matcher.get_opcodes() if op == "replace"]


def _substitute(action: str, swaps: list[tuple[str, str]]) -> str:
    for old, new in swaps:
        action = re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", lambda _: new, action)
    return action


def _words(text: str, lower: bool = False) -> list[str]:
    words = _WORD.findall(text)
    return [w.lower() for w in words] if lower else words
