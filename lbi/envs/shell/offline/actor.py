"""The offline actor on any directory tree: plays a short plan for the task, one command line per turn.

A task the proposer wrote is recognized and its steps filled with the names it
carries; sometimes a look around comes first; a file the plan discovers is
read from the previous output. Any other task gets a plan of its own
(``free_form``). Each turn runs the first planned command not yet run; when a
command fails the actor looks at what is there, then stops.
"""

from __future__ import annotations

import re
from random import Random

from lbi.envs.shell.offline import free_form
from lbi.envs.shell.offline.commands import normalize, paths_used
from lbi.envs.shell.offline.kinds import TaskKind, recognize
from lbi.envs.shell.offline.results import read_result
from lbi.envs.shell.offline.templates import PATH, Step, fill, placeholders
from lbi.prompts.act import STOP
from lbi.prompts.render import Turn

MAX_ACTIONS = 6
OPENING_RATE = 0.6
Planned = free_form.Planned


def next_action(task: str, history: list[Turn], rng: Random, observation: str = "") -> tuple[str, str]:
    """(reason, action) for the next turn; ``rng`` must be seeded from the task alone."""
    if len(history) >= MAX_ACTIONS:
        return "I have taken enough steps; stop here.", STOP
    recognized = recognize(task)
    plan = _plan(*recognized, history, rng) if recognized else free_form.plan(task, history, rng, observation)
    tried = {normalize(t.action): t for t in history}
    for step in plan:
        turn = tried.get(normalize(step.command))
        if turn is None:
            return step.reason, step.command
        if not read_result(turn.observation).failed:
            continue
        look = _look_near(step.command)
        if look and normalize(look) not in tried:
            return "The command failed; look at what is actually there.", look
        return "The command keeps failing and the files do not show why; stop here.", STOP
    return _final_reason(history), STOP


def _plan(kind: TaskKind, values: dict[str, str], history: list[Turn], rng: Random) -> list[Planned]:
    steps: list[Step] = list(kind.plan)
    if kind.opening and rng.random() < OPENING_RATE:
        steps.insert(0, kind.opening)
    plan: list[Planned] = []
    for step in steps:
        if kind.discovers and kind.discovers in placeholders(step.command) and kind.discovers not in values:
            found = _discovered(fill(kind.plan[0].command, values), history)
            if found is None:
                break
            values = {**values, kind.discovers: found}
        plan.append(Planned(fill(step.reason, values), fill(step.command, values)))
    return plan


def _discovered(finder: str, history: list[Turn]) -> str | None:
    """The first path the finder command printed ('  14 dir/file.md' or 'dir/file.md'), once it has run."""
    turn = next((t for t in history if normalize(t.action) == normalize(finder)), None)
    if turn is None:
        return None
    result = read_result(turn.observation)
    for line in result.lines if not result.failed else ():
        last = line.split()[-1]
        if last != "total" and re.fullmatch(PATH, last):
            return last.removeprefix("./")
    return None


def _look_near(command: str) -> str | None:
    paths = paths_used(command)
    if not paths:
        return None
    return f"ls -l {paths[0].rsplit('/', 1)[0]}" if "/" in paths[0] else "ls -l"


def _final_reason(history: list[Turn]) -> str:
    for turn in reversed(history):
        result = read_result(turn.observation)
        if not result.failed:
            return f"The last command printed {result.brief()}, which completes the task."
    return "There is nothing more I can do for this task."
