"""bash in a sandbox over a fresh copy of a working tree.

Action: one bash command line (``bash -c``), at most ``max_action_chars``.
Observation: the command's stdout and stderr, merged and bounded (head and
tail), then ``[exit code N]`` or why the sandbox stopped it; ``error`` when the
exit code is not 0 or the command was stopped.
Episode end: the agent stops; the environment ends it only when the files
outgrow the disk quota. The working directory and exported variables carry
over between commands; background processes do not.
Checks: ``output_contains`` (the last command's output) and ``state`` (a
command run afterwards in the same sandbox).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from lbi.envs.base import CheckResult, Environment, EnvSpec, Limits, Observation, StepResult
from lbi.envs.shell import checks
from lbi.envs.shell.docs import default_docs
from lbi.envs.shell.observation import fit, render
from lbi.envs.shell.project import bundle
from lbi.errors import ConfigError
from lbi.sandbox.base import WORKDIR, CommandResult, Sandbox, SandboxBackend, SandboxError, SandboxLimits
from lbi.sandbox.choose import choose_backend

SHIPPED = "project"
ACTION_LANGUAGE = "bash: one shell command line per action, run with `bash -c`"
BUILD_TIMEOUT_S = 60.0
INTRO = ("ls -AFC -w 100; if [ -d .git ]; then printf '\\n$ git status --short --branch\\n'; "
         "git status --short --branch; fi")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lbi" / "shell"


def user_tree(path: str | os.PathLike[str]) -> Path:
    resolved = Path(path).expanduser().resolve()
    if not resolved.is_dir():
        raise ConfigError(f"tree '{path}' is neither the shipped '{SHIPPED}' nor a directory")
    return resolved


def _describe(name: str, shipped: bool) -> str:
    if shipped:
        subject = ("'weatherlog', a small Python project that ingests weather-station readings: its source "
                   "and tests, CSV data, JSON and INI configuration, ingest and access logs, maintenance "
                   "scripts and a git repository with history, a tag and a feature branch")
    else:
        subject = f"the user's directory '{name}'"
    return (f"A bash shell in a sandbox, working in {WORKDIR}: a fresh private copy of {subject}. Each action "
            "is one command line; the observation is its output (bounded) and its exit code. The system is "
            "read-only, there is no network, and each command has time, memory, process and output limits.")


class ShellEnv(Environment):
    """A working tree in a sandbox; ``step`` runs one untrusted bash command line."""

    def __init__(self, env_id: str, tree: str = SHIPPED, docs: Sequence[str | os.PathLike[str]] | None = None,
                 limits: Limits | None = None, sandbox: SandboxBackend | str | None = None,
                 sandbox_limits: SandboxLimits | None = None, workdir: Path | None = None,
                 cache_dir: Path | None = None, description: str | None = None) -> None:
        self.limits = limits or Limits()
        self.sandbox_limits = sandbox_limits or SandboxLimits()
        self._shipped = str(tree) == SHIPPED
        self._tree = None if self._shipped else user_tree(tree)
        self._name = "the weatherlog project" if self._shipped else self._tree.name
        self._backend = sandbox
        self._workdir = Path(workdir) if workdir is not None else None
        self._cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        sources = tuple(Path(p) for p in docs) if docs is not None else default_docs(handbook=self._shipped)
        self.spec = EnvSpec(id=env_id, family="shell", action_language=ACTION_LANGUAGE, docs=sources,
                            description=description or _describe(self._name, self._shipped), limits=self.limits)
        self._sandbox: Sandbox | None = None
        self._last: CommandResult | None = None

    @property
    def sandbox(self) -> Sandbox | None:
        """The current episode's sandbox (None between episodes)."""
        return self._sandbox

    @property
    def backend(self) -> SandboxBackend:
        """The sandbox backend, chosen on first use (so building a spec never probes the machine)."""
        if not isinstance(self._backend, SandboxBackend):
            self._backend = choose_backend(self._backend, workdir=self._workdir)
        return self._backend

    def reset(self) -> Observation:
        self.close()
        tree = bundle.materialize(self._cache_dir) if self._shipped else self._tree
        self._sandbox = self.backend.open(tree, self.sandbox_limits)
        if self._shipped:
            built = self._sandbox.run(f"bash {bundle.HISTORY_DIR}/build.sh", timeout_s=BUILD_TIMEOUT_S, fresh=True)
            if not built.ok:
                self.close()
                raise SandboxError(f"could not build the prepared project in the sandbox: {built.output[-500:]}")
        intro = self._sandbox.run(INTRO, timeout_s=BUILD_TIMEOUT_S, fresh=True)
        text = (f"bash in a sandbox (no network); the working directory is {WORKDIR}, a fresh copy of "
                f"{self._name}.\n$ ls -AFC\n{intro.output.rstrip()}")
        text, cut = fit(text, self.limits.max_observation_chars)
        return Observation(text=text, truncated=cut)

    def step(self, action: str) -> StepResult:
        if self._sandbox is None:
            raise RuntimeError("reset() must be called before step()")
        refusal = self._refuse(action)
        if refusal:
            return StepResult(Observation(text=f"Error: {refusal}", error=True))
        timeout = self.limits.action_timeout_s
        self._last = self._sandbox.run(action, timeout_s=timeout)
        observation = render(self._last, timeout, self.sandbox_limits, self.limits.max_observation_chars)
        return StepResult(observation, done=self._last.over_disk_quota)

    def check(self, check: dict) -> CheckResult:
        kind = check.get("type")
        if kind == "output_contains":
            return checks.output_contains(self._last, check)
        if kind == "state":
            if self._sandbox is None:
                return CheckResult(False, "the episode is closed; check before close()")
            return checks.state(self._sandbox, check)
        return CheckResult(False, f"unknown check type {kind!r} (shell checks: output_contains, state)")

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
        self._last = None

    def _refuse(self, action: object) -> str | None:
        if not isinstance(action, str):
            return f"an action is a command line, not {type(action).__name__}"
        if len(action) > self.limits.max_action_chars:
            return f"the action is {len(action)} characters long; the limit is {self.limits.max_action_chars}"
        if not action.strip():
            return "empty action: send one command line"
        if "\x00" in action:
            return "the command contains a NUL byte"
        return None
