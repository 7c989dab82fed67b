"""The python-repo family's success checks, as SWE-bench judges a patch (docs/task-sets.md).

``tests_pass``: every FAIL_TO_PASS test passes and every PASS_TO_PASS test still passes, run with pytest in
the episode's sandbox within ``timeout_s``, after the test files they name are restored from the pristine
tree. A test id is a pytest node id (``tests/test_x.py::test_y``; a function's id covers its parametrized
cases, a class's id its tests). ``diff_touches_only``: the change against the pristine tree touches no file
outside ``files``. ``all_of``: every check in ``checks`` passes.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal, Protocol

from pydantic import Field

from lbi.envs.base import CheckResult
from lbi.envs.checks import CheckModel, all_of
from lbi.envs.coding.layout import PRISTINE_TESTS, REPO, VENV
from lbi.sandbox.base import CommandResult

TESTS_TIMEOUT_S = 300.0
SHOWN = 3
TestId = Annotated[str, Field(min_length=1, pattern=r"^[^/\s][^\s]*$")]


class TestsPass(CheckModel):
    """SWE-bench's resolution: ``fail_to_pass`` all pass and ``pass_to_pass`` all still pass."""

    type: Literal["tests_pass"] = "tests_pass"
    fail_to_pass: list[TestId] = Field(min_length=1)
    pass_to_pass: list[TestId] = Field(default_factory=list)
    timeout_s: float = Field(TESTS_TIMEOUT_S, gt=0, le=1800)


class DiffTouchesOnly(CheckModel):
    """The episode's change (against the pristine tree, new and deleted files included) lies within ``files``."""

    type: Literal["diff_touches_only"] = "diff_touches_only"
    files: list[str] = Field(min_length=1)


class AllOf(CheckModel):
    type: Literal["all_of"] = "all_of"
    checks: list[Check] = Field(min_length=1)


Check = Annotated[TestsPass | DiffTouchesOnly | AllOf, Field(discriminator="type")]
AllOf.model_rebuild()


def parse_check(data: dict) -> Check:
    from lbi.envs.checks import parse_check as parse

    return parse(Check, data)


class Episode(Protocol):
    def run_tool(self, tool: str, request: dict, timeout_s: float, python: str = ...) -> CommandResult: ...

    def diff(self, name_only: bool = False) -> str: ...


def judge(check: Check, episode: Episode) -> CheckResult:
    if isinstance(check, AllOf):
        return all_of([judge(part, episode) for part in check.checks])
    if isinstance(check, DiffTouchesOnly):
        return _touches_only(check, episode)
    return _tests_pass(check, episode)


def _tests_pass(check: TestsPass, episode: Episode) -> CheckResult:
    tests = list(dict.fromkeys(check.fail_to_pass + check.pass_to_pass))
    result = episode.run_tool("run_tests.py", {"root": REPO, "pristine": PRISTINE_TESTS, "tests": tests}, check.timeout_s,
                              python=f"{VENV}/bin/python")
    if result.timed_out:
        return CheckResult(False, f"the tests did not finish within {check.timeout_s:g} s")
    try:
        report = json.loads(result.output.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return CheckResult(False, f"the test runner failed: {result.output.strip()[-300:]}", broken_check=True)
    if report.get("absent"):
        return CheckResult(False, f"test files not in the pristine tree: {', '.join(report['absent'])}",
                           broken_check=True)
    outcomes = report["results"]
    failing = [t for t in check.fail_to_pass if outcomes.get(t) != "passed"]
    broken = [t for t in check.pass_to_pass if outcomes.get(t) not in ("passed", "skipped")]
    counts = (f"FAIL_TO_PASS {len(check.fail_to_pass) - len(failing)}/{len(check.fail_to_pass)} pass, "
              f"PASS_TO_PASS {len(check.pass_to_pass) - len(broken)}/{len(check.pass_to_pass)} pass")
    if not failing and not broken:
        return CheckResult(True, counts)
    named = [f"{t} ({outcomes.get(t)})" for t in (failing + broken)[:SHOWN]]
    return CheckResult(False, f"{counts}; not passing: {', '.join(named)}")


def _touches_only(check: DiffTouchesOnly, episode: Episode) -> CheckResult:
    changed = [line for line in episode.diff(name_only=True).splitlines() if line.strip()]
    outside = [path for path in changed if path not in check.files]
    if outside:
        return CheckResult(False, f"the change touches {', '.join(outside[:SHOWN])}, outside {', '.join(check.files)}")
    return CheckResult(True, f"the change touches only {', '.join(changed) or 'nothing'}")
