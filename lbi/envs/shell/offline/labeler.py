"""Backward construction on any directory tree: the instruction a span accomplishes, and a step-by-step summary
of it, from what each command does (``explain``) on the files it names and what it printed."""

from __future__ import annotations

from random import Random

from lbi.envs.shell.offline.results import Result, read_result
from lbi.envs.shell.offline.steps import explain
from lbi.envs.shell.offline.templates import fill
from lbi.prompts.label import MAX_INSTRUCTION_CHARS
from lbi.prompts.render import Turn

VAGUE_RATE = 0.08  # how often the labeler, like a weak model, writes an instruction that names nothing
_VAGUE = ("Look around the working tree.", "Run a command in the working tree.", "Check something in the files.")


def describe(command: str) -> str:
    """What a command does, as an instruction ending in a period."""
    explained = explain(command)
    if explained is None:
        return f"Run `{' '.join(command.split())}` in the working tree."
    step, values = explained
    return fill(step.says, values) + "."


def role(command: str) -> str:
    explained = explain(command)
    return explained[0].role if explained else "do"


def task_instruction(turns: list[Turn], rng: Random) -> str:
    if rng.random() < VAGUE_RATE:
        return rng.choice(_VAGUE)
    succeeded = [t for t in turns if not read_result(t.observation).failed]
    done = [t for t in succeeded if role(t.action) == "do"]
    chosen = done[-1] if done else (succeeded[-1] if succeeded else turns[-1])
    return describe(chosen.action)


def replicate(turns: list[Turn], rng: Random) -> tuple[list[str], str]:
    summary, purposes = [], []
    for number, turn in enumerate(turns, start=1):
        result = read_result(turn.observation)
        purpose = _lower_first(describe(turn.action).rstrip("."))
        summary.append(f"Step {number}: {purpose} with `{' '.join(turn.action.split())}`; {_outcome(result)}.")
        if not result.failed and purpose not in purposes:
            purposes.append(purpose)
    if not purposes:
        error = read_result(turns[-1].observation).error
        attempt = _lower_first(describe(turns[-1].action)).rstrip(".")
        return summary, f"Try to {attempt}; the command fails with '{error}'."
    last = read_result(next(t.observation for t in reversed(turns) if not read_result(t.observation).failed))
    ending = f" The last command should print {last.brief()}." if last.lines else ""
    steps = purposes if len(purposes) <= 3 else ["look around the working tree"] + purposes[-2:]
    instruction = (_upper_first(steps[0]) + "." if len(steps) == 1 else "Step by step, " + ", then ".join(steps) + ".")
    instruction += ending
    if len(instruction) > MAX_INSTRUCTION_CHARS:
        instruction = _upper_first(purposes[-1]) + "."
    return summary, instruction


def _outcome(result: Result) -> str:
    if result.failed:
        return f"it failed with '{result.error}'"
    return f"it printed {result.brief()}" if result.lines else "it succeeded without output"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
