"""The offline actor in the weatherlog project: plays a short plan for the task, one command line per turn.

The plan is fixed by the task (and the seed): sometimes a look around first,
the commands that do the task, sometimes a first attempt at a mistyped path
that the next turn corrects after reading the error; then STOP. Each turn runs
the first planned command that has not yet succeeded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from random import Random

from lbi.models.offline.shell_commands import misspell, normalize, paths_used
from lbi.models.offline.shell_results import read_result
from lbi.models.offline.shell_tasks import (
    KINDS, LOOK_AROUND, PARAMETERS, Step, TaskKind, fill, placeholders, recognize,
)
from lbi.prompts.act import STOP
from lbi.prompts.render import Turn

MAX_ACTIONS = 6
TYPO_RATE = 0.15


@dataclass(frozen=True)
class Entry:
    step: Step
    misspelled: bool = False


@dataclass(frozen=True)
class Script:
    entries: tuple[Entry, ...]
    values: dict[str, str]


def next_action(task: str, history: list[Turn], rng: Random) -> tuple[str, str]:
    """(reason, action) for the next turn; ``rng`` must be seeded from the task alone."""
    script = _script(task, rng)
    if len(history) >= MAX_ACTIONS:
        return "I have taken enough steps; stop here.", STOP
    tried = {normalize(t.action): t for t in history}
    for entry in script.entries:
        command = fill(entry.step.command, script.values)
        if entry.misspelled:
            typo = misspell(command)
            if typo is None or normalize(typo[0]) in tried:
                continue
            return fill(entry.step.reason, script.values), typo[0]
        turn = tried.get(normalize(command))
        if turn is None:
            return _reason_for(entry.step, command, script, history), command
        if not read_result(turn.observation).failed:
            continue
        look = _look_near(command)
        if look and normalize(look) not in tried:
            return "The command failed; look at what is actually there.", look
        return "The command keeps failing and the files do not show why; stop here.", STOP
    return _final_reason(history), STOP


def _script(task: str, rng: Random) -> Script:
    recognized = recognize(task)
    kind, values = recognized if recognized else _closest(task, rng)
    if kind is None:
        return Script((Entry(LOOK_AROUND),), {})
    plan = list(rng.choice(kind.plans))
    entries: list[Entry] = []
    if kind.opening and rng.random() < 0.6:
        entries.append(Entry(kind.opening))
    elif len(plan) == 1 and rng.random() < 0.7:
        entries.append(Entry(LOOK_AROUND))
    first = next(i for i, step in enumerate(plan) if step.role == "do")
    entries += [Entry(step) for step in plan[:first]]
    if rng.random() < TYPO_RATE and misspell(fill(plan[first].command, values)):
        entries.append(Entry(plan[first], misspelled=True))
    entries += [Entry(step) for step in plan[first:]]
    return Script(tuple(entries), values)


def _closest(task: str, rng: Random) -> tuple[TaskKind | None, dict[str, str]]:
    """For a sentence the templates do not know: the kind whose topics it shares most, with values it names."""
    words = set(re.findall(r"[a-z][a-z0-9_-]+", task.lower()))
    scored = sorted(((len(kind.topics & words), index) for index, kind in enumerate(KINDS)), reverse=True)
    if not scored or scored[0][0] < 2:
        return None, {}
    kind = KINDS[scored[0][1]]
    names = {name for plan in kind.plans for step in plan for name in placeholders(step.command)}
    values = {}
    for name in names:
        mentioned = [v for v in PARAMETERS[name] if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", task)]
        values[name] = mentioned[0] if mentioned else rng.choice(PARAMETERS[name])
    return kind, values


def _look_near(command: str) -> str | None:
    paths = paths_used(command)
    if not paths:
        return None
    return f"ls -l {paths[0].split('/')[0]}" if "/" in paths[0] else "ls -l"


def _reason_for(step: Step, command: str, script: Script, history: list[Turn]) -> str:
    if history and read_result(history[-1].observation).failed:
        typo = misspell(command)
        if typo and normalize(history[-1].action) == normalize(typo[0]):
            return f"The previous command failed because {typo[1]} does not exist; the right path is {typo[2]}."
    return fill(step.reason, script.values)


def _final_reason(history: list[Turn]) -> str:
    for turn in reversed(history):
        result = read_result(turn.observation)
        if not result.failed:
            return f"The last command printed {result.brief()}, which completes the task."
    return "There is nothing more I can do for this task."
