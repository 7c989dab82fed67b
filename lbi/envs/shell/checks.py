"""The shell environment's success checks (docs/task-sets.md): ``output_contains`` and ``state``."""

from __future__ import annotations

from lbi.envs.base import CheckResult
from lbi.sandbox.base import CommandResult, Sandbox

STATE_TIMEOUT_S = 10.0


def output_contains(last: CommandResult | None, check: dict) -> CheckResult:
    text = str(check.get("text", ""))
    if not text:
        return CheckResult(False, "the check gives no 'text' to look for")
    if last is None:
        return CheckResult(False, "no command ran in this episode")
    if text in last.output:
        return CheckResult(True, f"the last command's output contains {text!r}")
    return CheckResult(False, f"the last command's output does not contain {text!r}")


def state(sandbox: Sandbox, check: dict) -> CheckResult:
    command = str(check.get("command", "")).strip()
    if not command:
        return CheckResult(False, "the check gives no 'command' to run")
    expected = int(check.get("exit_code", 0))
    wanted = check.get("output_contains")
    result = sandbox.run(command, timeout_s=float(check.get("timeout_s", STATE_TIMEOUT_S)), fresh=True)
    if result.timed_out or result.output_stopped:
        return CheckResult(False, f"the state command `{command}` did not finish within its limits")
    if result.exit_code != expected:
        return CheckResult(False, f"`{command}` exited with {result.exit_code}, expected {expected}: "
                                  f"{result.output.strip()[:200]}")
    if wanted is not None and str(wanted) not in result.output:
        return CheckResult(False, f"`{command}` succeeded but its output lacks {str(wanted)!r}: "
                                  f"{result.output.strip()[:200]}")
    return CheckResult(True, f"`{command}` exited with {expected}" + (f" and printed {wanted!r}" if wanted else ""))
