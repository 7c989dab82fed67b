"""Instructions for what a span actually did (backward construction), read from its actions and results."""

from __future__ import annotations

import re

from lbi.envs.coding.actions import parse_action
from lbi.envs.coding.offline import reading
from lbi.prompts.render import Turn

DEF = re.compile(r"def (\w+)\(")


def instruction(turns: list[Turn]) -> str:
    calls = [(turn, _call(turn.action)) for turn in turns]
    edits = [(t, c) for t, c in calls if c and c.op == "str_replace" and not reading_failed(t.observation)]
    created = [c for t, c in calls if c and c.op == "create" and not reading_failed(t.observation)]
    runs = [t for t, c in calls if c is None and "pytest" in t.action]
    if edits:
        path = edits[-1][1].args["path"]
        test = next((reading.failing_test(t.observation) for t in turns if reading.failing_test(t.observation)), None)
        passing = [t.action.split()[-1] for t in runs if "::" in t.action and reading.exit_code(t.observation) == 0]
        target = test or (passing[-1] if passing else None)
        if target:
            return f"The test {target} fails; fix the code in {path} so that it passes."
        return f"Change `{edits[-1][1].args['old'].strip()}` in {path} to `{edits[-1][1].args['new'].strip()}`."
    if created:
        path = created[-1].args["path"]
        return f"Add a test file {path} that imports a function of the package and checks it is callable, then run it."
    if runs:
        command = runs[-1].action
        return f"Run `{command}` and report whether the tests pass."
    defined = [name for t in turns for name in DEF.findall(t.action + "\n" + t.observation)]
    if defined:
        return f"Where is `{defined[0]}` defined in this repository? Show me its code."
    return f"Look at the repository: run `{turns[-1].action.splitlines()[0][:80]}`."


def summary(turn: Turn) -> str:
    call = _call(turn.action)
    first = (turn.observation.strip().splitlines() or [""])[0][:80]
    if call is None:
        return f"Ran `{turn.action.splitlines()[0][:100]}`, which printed {first!r}."
    target = call.args.get("path", "")
    return f"Used the editor's {call.op} on {target or 'the change'}: {first!r}."


def reading_failed(observation: str) -> bool:
    code = reading.exit_code(observation)
    return observation.startswith("Error") or (code is not None and code != 0) or "[timed out" in observation


def _call(action: str):
    try:
        return parse_action(action)
    except ValueError:
        return None
