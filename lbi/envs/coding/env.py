"""A Python repository in a sandbox: bash, a file editor and the project's tests, SWE-bench style.

Action: one bash command line (``bash -c``, as in the shell family), or one editor call
(actions.py): view, create, str_replace, insert, undo, submit().
Observation: for a command, its output (bounded, head and tail) and ``[exit code N]``; for an edit, the edited
region with line numbers, or ``Error: ...`` (``error`` set) when the edit cannot be made.
Episode end: ``submit()`` ends it (the observation shows what changed); the agent may also just stop.
The repository is a git work tree whose first commit is the pristine tree, so a change is ``git diff``; the
dependencies (pytest included) sit read-only at /opt/lbi/venv, first on PATH.
Checks (checks.py): ``tests_pass`` (FAIL_TO_PASS and PASS_TO_PASS), ``diff_touches_only``, ``all_of``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from lbi.envs.base import CheckResult, Environment, EnvSpec, Limits, Observation, StepResult
from lbi.envs.checks import refuse_foreign
from lbi.envs.coding.actions import NotACall, parse_action
from lbi.envs.coding.checks import Check, judge
from lbi.envs.coding.family import ACTION_LANGUAGE, LIMITS
from lbi.envs.coding.layout import BASE, EDITOR_STATE, PRISTINE_TESTS, REPO, TOOLS, TOOLS_DIR, VENV, session_exports
from lbi.envs.coding import layout
from lbi.envs.coding.repository import Repository, repository_for
from lbi.envs.shell.observation import fit, render
from lbi.sandbox.base import CommandResult, Sandbox, SandboxBackend, SandboxError, SandboxLimits
from lbi.sandbox.choose import choose_backend

SETUP_TIMEOUT_S = 60.0
DIFF_TIMEOUT_S = 30.0
DIFF = ("export GIT_INDEX_FILE=/tmp/.lbi-diff-index; cp .git/index \"$GIT_INDEX_FILE\" 2>/dev/null; "
        "git add -A . >/dev/null 2>&1 && git -c core.quotepath=off diff --cached --no-color {options} {commit}")


class CodingEnv(Environment):
    """A repository (``repo``: the shipped ``click`` or a directory) at /testbed in a sandbox.

    ``test_command`` is how its tests run (shown to the model; checks always use pytest by node id);
    ``install`` runs once, on the host, into the dependency environment when it is prepared (its network and
    its files are the user's own: it is their repository); ``workdir`` holds the episodes' host files.
    """

    check_type = Check

    def __init__(self, env_id: str, repo: str = "click", test_command: str | None = None,
                 install: str | None = None, docs: Sequence[str | os.PathLike[str]] | None = None,
                 limits: Limits | None = None, sandbox: SandboxBackend | str | None = None,
                 sandbox_limits: SandboxLimits | None = None, workdir: Path | None = None,
                 cache_dir: Path | None = None, description: str | None = None) -> None:
        self.limits = limits or LIMITS
        self.sandbox_limits = sandbox_limits or SandboxLimits(memory_mb=1024, max_processes=128)
        self.repository: Repository = repository_for(repo, test_command=test_command, install=install)
        self._backend = sandbox
        self._workdir = Path(workdir) if workdir is not None else None
        self._cache_dir = Path(cache_dir) if cache_dir is not None else layout.cache_dir()
        sources = tuple(Path(p) for p in docs) if docs is not None else self.repository.docs(self._cache_dir)
        self.spec = EnvSpec(id=env_id, family="python-repo", action_language=ACTION_LANGUAGE, docs=sources,
                            description=description or self.repository.describe(), limits=self.limits)
        self._sandbox: Sandbox | None = None
        self._last: CommandResult | None = None

    @property
    def sandbox(self) -> Sandbox | None:
        return self._sandbox

    @property
    def backend(self) -> SandboxBackend:
        if not isinstance(self._backend, SandboxBackend):
            self._backend = choose_backend(self._backend, workdir=self._workdir)
        return self._backend

    def prepare(self) -> None:
        """The repository's copy, its dependency environment and the sdist's docs, built once per content hash."""
        self.repository.prepare(self._cache_dir)

    def reset(self) -> Observation:
        self.close()
        prepared = self.repository.prepare(self._cache_dir)
        read_only = {VENV: prepared.venv, TOOLS: TOOLS_DIR, PRISTINE_TESTS: prepared.tests}
        self._sandbox = self.backend.open(prepared.repo, self.sandbox_limits, workdir=REPO, read_only=read_only)
        intro = self._sandbox.run(f"{self._exports()} ls -AF; echo; git log --oneline -1; git status --short",
                                  timeout_s=SETUP_TIMEOUT_S)
        if not intro.ok:
            self.close()
            raise SandboxError(f"could not start the episode: {intro.output[-500:]}")
        text = (f"{self.repository.name} at {REPO}, a git work tree (`git diff` shows your changes); "
                f"tests run with `{self.repository.test_command}`.\n$ ls -AF\n{intro.output.rstrip()}")
        text, cut = fit(text, self.limits.max_observation_chars)
        return Observation(text=text, truncated=cut)

    def step(self, action: str) -> StepResult:
        if self._sandbox is None:
            raise RuntimeError("reset() must be called before step()")
        refusal = self._refuse(action)
        if refusal:
            return StepResult(Observation(text=f"Error: {refusal}", error=True))
        try:
            call = parse_action(action)
        except NotACall as error:
            return StepResult(Observation(text=f"Error: {error}", error=True))
        if call is None:
            result = self._command(action)
        elif call.op == "submit":
            result = self._submit()
        else:
            result = self._edit(call.op, call.args)
        return self._with_diff(result)

    def _with_diff(self, result: StepResult) -> StepResult:
        """The step's result with the repository's change after it (stored for exports, not shown to the model)."""
        try:
            diff = self.diff()
        except SandboxError:
            return result
        observation = replace(result.observation, artifacts={**result.observation.artifacts, "diff": diff})
        return replace(result, observation=observation)

    def check(self, check: Check) -> CheckResult:
        refuse_foreign(check, Check, "python-repo")
        if self._sandbox is None:
            return CheckResult(False, "the episode is closed; check before close()")
        return judge(check, self)

    def diff(self, name_only: bool = False) -> str:
        """The episode's change against the commit it started from (the pristine tree, or the task's amended
        one), new files included, in ``git diff`` form."""
        result = self.run_after(DIFF.format(options="--name-only" if name_only else "", commit=BASE),
                                DIFF_TIMEOUT_S)
        if not result.ok:
            raise SandboxError(f"could not compute the diff: {result.output[-300:]}")
        return result.output

    def run_after(self, command: str, timeout_s: float) -> CommandResult:
        """A command run fresh in the episode's sandbox, the dependency environment first on PATH."""
        if self._sandbox is None:
            raise SandboxError("the episode is closed")
        return self._sandbox.run(f"{self._exports()} {command}", timeout_s=timeout_s, fresh=True)

    def run_tool(self, tool: str, request: dict, timeout_s: float, python: str = "/usr/bin/python3 -I") -> CommandResult:
        payload = base64.b64encode(json.dumps(request).encode()).decode()
        return self.run_after(f"{python} {TOOLS}/{tool} {payload}", timeout_s)

    @property
    def last(self) -> CommandResult | None:
        return self._last

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
        self._last = None

    def _command(self, action: str) -> StepResult:
        assert self._sandbox is not None
        timeout = self.limits.action_timeout_s
        self._last = self._sandbox.run(action, timeout_s=timeout)
        observation = render(self._last, timeout, self.sandbox_limits, self.limits.max_observation_chars)
        return StepResult(observation, done=self._last.over_disk_quota)

    def _edit(self, op: str, args: dict) -> StepResult:
        timeout = self.limits.action_timeout_s
        result = self.run_tool("editor.py", {"op": op, "root": REPO, "state": EDITOR_STATE, "args": args}, timeout)
        self._last = result
        if result.timed_out or result.output_stopped or result.exit_code not in (0, 1):
            return StepResult(render(result, timeout, self.sandbox_limits, self.limits.max_observation_chars))
        text, cut = fit(result.output.rstrip("\n") or "(no output)", self.limits.max_observation_chars)
        return StepResult(Observation(text=text, error=result.exit_code != 0, truncated=cut),
                          done=result.over_disk_quota)

    def _submit(self) -> StepResult:
        changed = self.run_after(DIFF.format(options="--stat", commit=BASE), DIFF_TIMEOUT_S)
        summary = changed.output.strip() or "no file changed"
        text, cut = fit(f"Submitted. Changes made in this episode:\n{summary}", self.limits.max_observation_chars)
        return StepResult(Observation(text=text, truncated=cut), done=True)

    def _exports(self) -> str:
        return session_exports(self.repository.python_path())

    def _refuse(self, action: object) -> str | None:
        if not isinstance(action, str):
            return f"an action is a command line or an editor call, not {type(action).__name__}"
        if len(action) > self.limits.max_action_chars:
            return f"the action is {len(action)} characters long; the limit is {self.limits.max_action_chars}"
        if not action.strip():
            return "empty action: send one command line or one editor call"
        if "\x00" in action:
            return "the action contains a NUL byte"
        return None
