"""An environment whose reset also runs a task's setup actions; the agent sees only the reset observation."""

from __future__ import annotations

from typing import Any

from lbi.envs.base import CheckResult, Environment, Observation, StepResult
from lbi.errors import LbiError


class SetupFailed(LbiError, RuntimeError):
    """A task's setup action failed: the task cannot be attempted as written."""


class WithSetup(Environment):
    def __init__(self, inner: Environment, setup: list[str]) -> None:
        self.inner = inner
        self.spec = inner.spec
        self.check_type = inner.check_type
        self.setup = setup

    def reset(self) -> Observation:
        observation = self.inner.reset()
        for action in self.setup:
            result = self.inner.step(action)
            if result.observation.error:
                raise SetupFailed(f"setup action {action!r} failed: {result.observation.text[:300]}")
        return observation

    def step(self, action: str) -> StepResult:
        return self.inner.step(action)

    def check(self, check: Any) -> CheckResult:
        return self.inner.check(check)

    def close(self) -> None:
        self.inner.close()
