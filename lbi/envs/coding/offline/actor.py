"""The offline actor's plans: each next action follows from the task and from what the episode has shown so
far (grep hits, numbered views, test results), never from knowing a repository."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lbi.envs.coding.actions import call_text, parse_action
from lbi.envs.coding.offline import reading
from lbi.envs.coding.offline.edits import candidate_edits
from lbi.prompts.act import STOP
from lbi.prompts.render import Turn

WHERE = re.compile(r"^Where is `(\w+)` defined")
TESTS_FOR = re.compile(r"^Which tests exercise `(\w+)`")
ADD_TEST = re.compile(r"^Add a test that checks `(\w+)`")
RUN = re.compile(r"^Run `([^`]+)` and report")
MAX_EDITS = 6
SUITE_OPTIONS = " -x --tb=short"
SOURCE_GREP = "grep -rn 'def {name}(' --include='*.py' . | grep -v '/tests\\?/' | head -n 5"

Action = tuple[str, str]


def next_action(task: str, history: list[Turn], test_command: str) -> Action:
    done = [turn.action for turn in history]
    if match := WHERE.match(task):
        return _where(match.group(1), history, done)
    if match := TESTS_FOR.match(task):
        return _tests_for(match.group(1), history, done, test_command)
    if match := ADD_TEST.match(task):
        return _add_test(match.group(1), history, done, test_command)
    if match := RUN.match(task):
        command = match.group(1)
        return (f"Run `{command}`.", command) if command not in done else ("The tests ran.", STOP)
    return _fix(history, done, test_command)


def _where(name: str, history: list[Turn], done: list[str]) -> Action:
    found = _definition(name, history, done, f"Search the sources for the definition of {name}.")
    if not isinstance(found, Definition):
        return found
    view = call_text("view", found.path, found.line, found.line + 20)
    if view not in done:
        return f"{name} is defined in {found.path} at line {found.line}; read it.", view
    return f"The definition of {name} is shown.", STOP


def _tests_for(name: str, history: list[Turn], done: list[str], test_command: str) -> Action:
    grep = f"grep -rln '{name}(' --include='test_*.py' --include='*_test.py' . | head -n 5"
    if grep not in done:
        return f"Find the test files that call {name}.", grep
    files = [line.strip().removeprefix("./") for line in _after(history, grep).splitlines()
             if line.strip().endswith(".py")]
    if not files:
        return f"No test calls {name}.", STOP
    run = f"{_base(test_command)} {files[0]} -k {name}"
    if run not in done:
        return f"Run the tests in {files[0]} that mention {name}.", run
    return "The tests ran; their result is shown.", STOP


def _add_test(name: str, history: list[Turn], done: list[str], test_command: str) -> Action:
    found = _definition(name, history, done, f"Find where {name} is defined, to import it from there.")
    if not isinstance(found, Definition):
        return found
    module = reading.module_of(found.path)
    path = f"tests/test_{name.lower()}_exists.py"
    text = f"from {module} import {name}\n\n\ndef test_{name.lower()}_is_callable():\n    assert callable({name})\n"
    create = call_text("create", path, text)
    if create not in done:
        return f"Write a small test in {path} that imports {name} from {module}.", create
    run = f"{_base(test_command)} {path}"
    if run not in done:
        return f"Run the new test {path}.", run
    return "The new test is written and passes.", STOP


def _fix(history: list[Turn], done: list[str], test_command: str) -> Action:
    suite = _base(test_command) + SUITE_OPTIONS
    if suite not in done:
        return "Run the tests to see what fails.", suite
    outcome = _after(history, suite)
    failing = reading.failing_test(outcome)
    if failing is None:
        return ("The tests pass; nothing to fix.", STOP) if reading.exit_code(outcome) == 0 else \
            ("The tests do not run; that needs a person.", STOP)
    test_file, _, test_name = failing.partition("::")
    test_name = test_name.split("::")[-1].split("[")[0]
    locate = f"grep -n 'def {test_name}(' {test_file}"
    if locate not in done:
        return f"{failing} fails; find the test.", locate
    located = [line for _, line in reading.hits(f"{test_file}:" + _after(history, locate))]
    if not located:
        return f"The test {test_name} could not be found.", STOP
    read_test = call_text("view", test_file, located[0], located[0] + 20)
    if read_test not in done:
        return f"Read the test {test_name}.", read_test
    called = reading.called_names([text for _, text in reading.numbered_lines(_after(history, read_test))])
    for name in called[:4]:
        grep = SOURCE_GREP.format(name=name)
        if grep not in done:
            return f"The test calls {name}; find its definition.", grep
        found = reading.hits(_after(history, grep))
        if found:
            return _repair(found[0], failing, suite, history, done)
    return "None of the functions the test calls is defined in the sources.", STOP


def _repair(found: tuple[str, int], failing: str, suite: str, history: list[Turn], done: list[str]) -> Action:
    path, line = found
    read = call_text("view", path, line, line + 30)
    if read not in done:
        return f"Read the function in {path} at line {line}.", read
    if done[-1] == "submit()":
        return "Submitted.", STOP
    check = f"{suite.rsplit(' -x', 1)[0]} {failing}"
    whole = f"{suite.rsplit(' -x', 1)[0]} --tb=no"
    tries = [action for action in done if (call := _call(action)) and call.op == "str_replace"]
    last = history[-1]
    if tries and done[-1] == tries[-1] and not last.observation.startswith("Error"):
        return f"Check whether {failing} passes now.", check
    if tries and done[-1] == check:
        if reading.exit_code(last.observation) == 0:
            return f"{failing} passes; run the whole suite.", whole
        return "The edit did not fix it; take it back.", call_text("undo", path)
    if done[-1] == whole:
        return ("Every test passes; submit the change.", "submit()") if reading.exit_code(last.observation) == 0 \
            else ("The fix breaks other tests; take it back.", call_text("undo", path))
    for old, new in candidate_edits(reading.numbered_lines(_after(history, read)))[:MAX_EDITS]:
        edit = call_text("str_replace", path, old, new)
        if edit not in done:
            return f"Perhaps `{old.strip()}` is the bug; try `{new.strip()}`.", edit
    return "No small edit of this function fixes the test.", STOP


@dataclass(frozen=True)
class Definition:
    path: str
    line: int


def _definition(name: str, history: list[Turn], done: list[str], why: str) -> Definition | Action:
    """Where ``name`` is defined in the sources, or the action that looks for it (STOP when nothing is found)."""
    grep = SOURCE_GREP.format(name=name)
    if grep not in done:
        return why, grep
    found = reading.hits(_after(history, grep))
    return Definition(*found[0]) if found else (f"{name} is not defined in the sources.", STOP)


def _after(history: list[Turn], action: str) -> str:
    """The observation that followed the last time ``action`` ran."""
    return next((turn.observation for turn in reversed(history) if turn.action == action), "")


def _call(action: str):
    try:
        return parse_action(action)
    except ValueError:
        return None


def _base(test_command: str) -> str:
    return test_command if "-q" in test_command.split() else f"{test_command} -q"
