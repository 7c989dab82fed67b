"""A key-value store environment (the tests' own family).

Action: one command: ``get KEY``, ``set KEY VALUE``, ``del KEY``, ``keys``, ``wait SECONDS``.
Observation: the answer, or ``Error: ...``; bounded by the limits.
Episode end: the agent stops. Every reset starts from a fresh copy of the store.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from lbi.envs.base import CheckResult, Environment, EnvSpec, Limits, Observation, StepResult
from lbi.envs.checks import refuse_foreign
from tests.envs.kv.checks import AbsentCheck, AnswerCheck, Check, ValueCheck
from tests.envs.kv.family import ACTION_LANGUAGE, describe

STORES = {"colors": {"red": "#ff0000", "green": "#00ff00", "blue": "#0000ff", "white": "#ffffff",
                     "black": "#000000", "noise": "x" * 5000}}


class KvEnv(Environment):
    check_type = Check

    def __init__(self, env_id: str, store: str = "colors", limits: Limits | None = None,
                 workdir: Path | None = None) -> None:
        self.limits = limits or Limits()
        self._initial = dict(STORES[store])
        self.spec = EnvSpec(id=env_id, family="kv", description=describe(store), action_language=ACTION_LANGUAGE)
        self._state: dict[str, str] | None = None
        self._answer: str | None = None

    def reset(self) -> Observation:
        self._state, self._answer = dict(self._initial), None
        return self._bounded(f"Keys ({len(self._state)}): {', '.join(sorted(self._state))}\n"
                             "Send one command: get KEY | set KEY VALUE | del KEY | keys")

    def step(self, action: str) -> StepResult:
        if self._state is None:
            raise RuntimeError("reset() must be called before step()")
        words = action.split(maxsplit=2) if isinstance(action, str) else []
        command, args = (words[0], words[1:]) if words else ("", [])
        if len(action) > self.limits.max_action_chars:
            return self._error(f"the action is longer than {self.limits.max_action_chars} characters")
        if command == "keys" and not args:
            return StepResult(self._bounded("\n".join(sorted(self._state)) or "(no keys)"))
        if command == "get" and len(args) == 1:
            if args[0] not in self._state:
                return self._error(f"no key '{args[0]}'")
            self._answer = self._state[args[0]]
            return StepResult(self._bounded(self._answer))
        if command == "set" and len(args) == 2:
            self._state[args[0]] = args[1]
            return StepResult(Observation("OK"))
        if command == "del" and len(args) == 1:
            if self._state.pop(args[0], None) is None:
                return self._error(f"no key '{args[0]}'")
            return StepResult(Observation("OK"))
        if command == "wait" and len(args) == 1 and args[0].isdigit():
            time.sleep(min(float(args[0]), self.limits.action_timeout_s))
            if float(args[0]) > self.limits.action_timeout_s:
                return self._error(f"the command timed out after {self.limits.action_timeout_s:g} s")
            return StepResult(Observation("OK"))
        return self._error("unknown command; send get KEY | set KEY VALUE | del KEY | keys")

    def check(self, check: Any) -> CheckResult:
        refuse_foreign(check, Check, "kv")
        state = self._state or {}
        if isinstance(check, ValueCheck):
            return CheckResult(state.get(check.key) == check.value, f"{check.key} is {state.get(check.key)!r}")
        if isinstance(check, AbsentCheck):
            return CheckResult(check.key not in state, f"{check.key} is {'present' if check.key in state else 'gone'}")
        assert isinstance(check, AnswerCheck)
        return CheckResult(self._answer == check.value, f"the last answer was {self._answer!r}")

    def close(self) -> None:
        self._state, self._answer = None, None

    def _bounded(self, text: str) -> Observation:
        limit = self.limits.max_observation_chars
        return Observation(text[:limit], truncated=len(text) > limit)

    def _error(self, message: str) -> StepResult:
        return StepResult(Observation(f"Error: {message}"[:self.limits.max_observation_chars], error=True))
