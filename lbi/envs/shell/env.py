"""bash in a sandbox over a fresh copy of a working tree.

Action: one bash command line (``bash -c``), at most ``max_action_chars``.
Observation: the command's stdout and stderr, merged and bounded (head and
tail), then ``[exit code N]`` or why the sandbox stopped it; ``error`` when the
exit code is not 0 or the command was stopped.
Episode end: the agent stops; the environment ends it when the files fill the
disk quota or the sandbox itself fails (an error observation, never an
exception); a step after the end is refused the same way. The working directory
and exported variables carry over between commands; background processes do not.
Checks (checks.py): on the last command's output (``output_contains``,
``output_equals``, ``output_regex``, ``output_empty``, ``same_output_as`` a
reference command on a fresh copy), ``state`` (a command run afterwards in the
same sandbox) and ``all_of``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from lbi.envs.base import CheckResult, Environment, EnvSpec, Limits, Observation, StepResult
from lbi.envs.checks import refuse_foreign
from lbi.envs.shell.checks import Check, judge
from lbi.envs.shell.docs import default_docs
from lbi.envs.shell.family import ACTION_LANGUAGE, WEATHERLOG, describe
from lbi.envs.shell.observation import fit, render
from lbi.envs.shell.project import bundle
from lbi.errors import ConfigError
from lbi.sandbox.base import WORKDIR, CommandResult, Sandbox, SandboxBackend, SandboxError, SandboxLimits
from lbi.sandbox.choose import choose_backend
from lbi.sandbox.workdir import validated_workdir

log = logging.getLogger(__name__)
SHIPPED = "project"
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


def _describe(name: str, shipped: bool, workdir: str) -> str:
    return describe(WEATHERLOG if shipped else f"the user's directory '{name}'", workdir)


class ShellEnv(Environment):
    """A working tree in a sandbox; ``step`` runs one untrusted bash command line.

    ``sandbox_workdir`` is where the tree sits inside the sandbox and where every command starts
    (``/home/user/project`` by default; see lbi/sandbox/workdir.py for what is allowed). ``workdir`` is the
    host directory that holds the episodes' files.
    """

    check_type = Check

    def __init__(self, env_id: str, tree: str = SHIPPED, docs: Sequence[str | os.PathLike[str]] | None = None,
                 limits: Limits | None = None, sandbox: SandboxBackend | str | None = None,
                 sandbox_limits: SandboxLimits | None = None, workdir: Path | None = None,
                 cache_dir: Path | None = None, description: str | None = None,
                 sandbox_workdir: str = WORKDIR) -> None:
        self.limits = limits or Limits()
        self.sandbox_limits = sandbox_limits or SandboxLimits()
        self.sandbox_workdir = validated_workdir(sandbox_workdir)
        self._shipped = str(tree) == SHIPPED
        if self._shipped and self.sandbox_workdir != WORKDIR:
            raise ConfigError(f"the shipped project builds its history at {WORKDIR}; sandbox_workdir "
                              f"{self.sandbox_workdir} is for your own trees")
        self._tree = None if self._shipped else user_tree(tree)
        self._name = "the weatherlog project" if self._shipped else self._tree.name
        self._backend = sandbox
        self._workdir = Path(workdir) if workdir is not None else None
        self._cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        sources = tuple(Path(p) for p in docs) if docs is not None else default_docs(handbook=self._shipped)
        self.spec = EnvSpec(id=env_id, family="shell", action_language=ACTION_LANGUAGE, docs=sources,
                            description=description or _describe(self._name, self._shipped, self.sandbox_workdir),
                            limits=self.limits)
        self._sandbox: Sandbox | None = None
        self._last: CommandResult | None = None
        self._ended: str | None = None  # why the environment ended the episode

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
        self._sandbox = self._fresh_sandbox()
        intro = self._sandbox.run(INTRO, timeout_s=BUILD_TIMEOUT_S, fresh=True)
        text = (f"bash in a sandbox (no network); the working directory is {self.sandbox_workdir}, a fresh copy of "
                f"{self._name}.\n$ ls -AFC\n{intro.output.rstrip()}")
        text, cut = fit(text, self.limits.max_observation_chars)
        return Observation(text=text, truncated=cut)

    def step(self, action: str) -> StepResult:
        if self._sandbox is None:
            raise RuntimeError("reset() must be called before step()")
        if self._ended:
            return StepResult(Observation(text=f"Error: the episode has ended ({self._ended}); reset() starts a new one",
                                          error=True), done=True)
        refusal = self._refuse(action)
        if refusal:
            return StepResult(Observation(text=f"Error: {refusal}", error=True))
        timeout = self.limits.action_timeout_s
        try:
            self._last = self._sandbox.run(action, timeout_s=timeout)
        except (SandboxError, OSError, RecursionError) as error:
            self._ended = "the sandbox failed"
            text, _ = fit(f"Error: the sandbox failed, so the episode ends: {type(error).__name__}: {error}",
                          self.limits.max_observation_chars)
            return StepResult(Observation(text=text, error=True), done=True)
        observation = render(self._last, timeout, self.sandbox_limits, self.limits.max_observation_chars)
        if self._last.over_disk_quota:
            self._ended = f"the {self.sandbox_limits.disk_mb} MB disk quota is full"
        return StepResult(observation, done=self._last.over_disk_quota)

    def check(self, check: Check) -> CheckResult:
        refuse_foreign(check, Check, "shell")
        if self._sandbox is None:
            return CheckResult(False, "the episode is closed; check before close()")
        return judge(check, self)

    @property
    def last(self) -> CommandResult | None:
        """The last command's result in this episode (None before any)."""
        return self._last

    def run_after(self, command: str, timeout_s: float) -> CommandResult:
        """Run a check's command fresh in the episode's sandbox."""
        if self._sandbox is None:
            raise SandboxError("the episode is closed")
        return self._sandbox.run(command, timeout_s=timeout_s, fresh=True)

    def run_reference(self, command: str, timeout_s: float) -> CommandResult:
        """Run a reference command in a new sandbox over a fresh copy of the tree."""
        with self._fresh_sandbox() as sandbox:
            return sandbox.run(command, timeout_s=timeout_s, fresh=True)

    def _fresh_sandbox(self) -> Sandbox:
        tree = bundle.materialize(self._cache_dir) if self._shipped else self._tree
        sandbox = self.backend.open(tree, self.sandbox_limits, workdir=self.sandbox_workdir)
        if self._shipped:
            built = sandbox.run(f"bash {bundle.HISTORY_DIR}/build.sh", timeout_s=BUILD_TIMEOUT_S, fresh=True)
            if not built.ok:
                sandbox.close()
                raise SandboxError(f"could not build the prepared project in the sandbox: {built.output[-500:]}")
        return sandbox

    def close(self) -> None:
        """Release the episode; what the sandbox could not release is logged (``lbi clean`` reclaims it)."""
        sandbox, self._sandbox, self._last, self._ended = self._sandbox, None, None, None
        if sandbox is not None:
            try:
                sandbox.close()
            except SandboxError as error:
                log.warning("closing the shell episode: %s", error)

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
