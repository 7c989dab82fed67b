"""The shell environment's success checks (docs/task-sets.md).

Output checks judge the last command's output: ``output_contains`` (whole
tokens), ``output_equals``, ``output_regex``, ``output_empty``, and
``same_output_as`` (a reference command's output on a fresh copy of the tree).
``state`` runs a command in the episode's sandbox afterwards; ``all_of``
passes when every one of its checks does. Text is whitespace-normalised
before it is compared unless a check says ``normalize_whitespace: false``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Protocol

from pydantic import Field, field_validator

from lbi.envs.base import CheckResult
from lbi.envs.checks import CheckModel, TextMatching, all_of
from lbi.sandbox.base import CommandResult

CHECK_TIMEOUT_S = 10.0
SHOWN_CHARS = 200
RegexFlag = Literal["IGNORECASE", "MULTILINE", "DOTALL"]


class OutputContains(TextMatching):
    """The output holds ``text``; with ``whole_words`` (default) not inside a longer word or number."""

    type: Literal["output_contains"] = "output_contains"
    text: str = Field(min_length=1)
    whole_words: bool = True

    def judge(self, output: str) -> CheckResult:
        text = self.prepared(self.text)
        before = r"(?<![\w.])" if self.whole_words and re.match(r"\w", text) else ""
        after = r"(?![\w]|\.\w)" if self.whole_words and re.search(r"\w$", text) else ""
        found = re.search(before + re.escape(text) + after, self.prepared(output))
        return CheckResult(bool(found), f"output {'contains' if found else 'lacks'} {self.text!r}"
                                        f"{' as whole words' if self.whole_words else ''}")


class OutputEquals(TextMatching):
    """The output is ``text`` (after normalisation)."""

    type: Literal["output_equals"] = "output_equals"
    text: str

    def judge(self, output: str) -> CheckResult:
        if self.prepared(output) == self.prepared(self.text):
            return CheckResult(True, f"output equals {self.text!r}")
        return CheckResult(False, f"output is {_shown(output)}, expected {self.text!r}")


class OutputRegex(CheckModel):
    """``pattern`` (Python ``re``) matches the output: the whole of it (``fullmatch``, default) or any part
    (``search``); ``flags`` from IGNORECASE, MULTILINE, DOTALL."""

    type: Literal["output_regex"] = "output_regex"
    pattern: str = Field(min_length=1)
    mode: Literal["fullmatch", "search"] = "fullmatch"
    flags: list[RegexFlag] = Field(default_factory=list)
    normalize_whitespace: bool = True

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return pattern

    def judge(self, output: str) -> CheckResult:
        flags = 0
        for flag in self.flags:
            flags |= getattr(re, flag)
        text = TextMatching(normalize_whitespace=self.normalize_whitespace).prepared(output)
        found = getattr(re, self.mode)(self.pattern, text, flags)
        verb = "matches" if self.mode == "fullmatch" else "has a match for"
        return CheckResult(found is not None, f"output {verb if found else 'does not match'} /{self.pattern}/"
                                              + ("" if found else f": {_shown(output)}"))


class OutputEmpty(CheckModel):
    """The output is empty or blank (whatever the exit code: ``grep`` finding nothing exits 1)."""

    type: Literal["output_empty"] = "output_empty"

    def judge(self, output: str) -> CheckResult:
        if output.strip():
            return CheckResult(False, f"output is {_shown(output)}, expected none")
        return CheckResult(True, "output is empty")


class SameOutputAs(TextMatching):
    """The output equals what ``command`` prints in a fresh sandbox over a fresh copy of the same tree
    (the task's setup actions are not run there)."""

    type: Literal["same_output_as"] = "same_output_as"
    command: str = Field(min_length=1)
    timeout_s: float = Field(CHECK_TIMEOUT_S, gt=0, le=120)


OutputCheck = Annotated[OutputContains | OutputEquals | OutputRegex | OutputEmpty, Field(discriminator="type")]


class State(CheckModel):
    """After the episode, ``command`` runs (fresh, from the working directory) in the episode's sandbox: it
    must exit with ``exit_code`` and, when given, its output must pass ``output`` and contain
    ``output_contains`` (whole words, as ``output_contains`` checks)."""

    type: Literal["state"] = "state"
    command: str = Field(min_length=1)
    exit_code: int = 0
    output_contains: str | None = Field(None, min_length=1)
    output: OutputCheck | None = None
    timeout_s: float = Field(CHECK_TIMEOUT_S, gt=0, le=120)


class AllOf(CheckModel):
    """Every check in ``checks`` passes."""

    type: Literal["all_of"] = "all_of"
    checks: list[Check] = Field(min_length=1)


Check = Annotated[OutputContains | OutputEquals | OutputRegex | OutputEmpty | SameOutputAs | State | AllOf,
                  Field(discriminator="type")]
AllOf.model_rebuild()


class Episode(Protocol):
    """What the checks need of a shell episode."""

    @property
    def last(self) -> CommandResult | None: ...

    def run_after(self, command: str, timeout_s: float) -> CommandResult:
        """Run ``command`` fresh in the episode's sandbox."""

    def run_reference(self, command: str, timeout_s: float) -> CommandResult:
        """Run ``command`` in a new sandbox over a fresh copy of the tree."""


def judge(check: Check, episode: Episode) -> CheckResult:
    if isinstance(check, AllOf):
        return all_of([judge(part, episode) for part in check.checks])
    if isinstance(check, State):
        return _state(check, episode)
    last = episode.last
    if last is None:
        return CheckResult(False, "no command ran in this episode")
    if isinstance(check, SameOutputAs):
        return _same_output(check, last, episode)
    return _noting_cut(check.judge(last.output), last)


def _state(check: State, episode: Episode) -> CheckResult:
    result = episode.run_after(check.command, check.timeout_s)
    if result.timed_out or result.output_stopped:
        return CheckResult(False, f"the state command `{check.command}` did not finish within its limits")
    if result.exit_code != check.exit_code:
        return CheckResult(False, f"`{check.command}` exited with {result.exit_code}, expected {check.exit_code}: "
                                  f"{_shown(result.output)}")
    parts = [OutputContains(text=check.output_contains)] if check.output_contains else []
    parts += [check.output] if check.output else []
    for part in parts:
        verdict = part.judge(result.output)
        if not verdict.success:
            return CheckResult(False, f"`{check.command}` exited with {check.exit_code} but its {verdict.detail}")
    return CheckResult(True, f"`{check.command}` exited with {check.exit_code}"
                             + "".join(f"; its {part.judge(result.output).detail}" for part in parts))


def _same_output(check: SameOutputAs, last: CommandResult, episode: Episode) -> CheckResult:
    reference = episode.run_reference(check.command, check.timeout_s)
    if not reference.ok:
        ended = "did not finish within its limits" if reference.exit_code is None else \
            f"exited with {reference.exit_code}"
        return CheckResult(False, f"the reference command `{check.command}` {ended}: {_shown(reference.output)}",
                           broken_check=True)
    if check.prepared(last.output) == check.prepared(reference.output):
        return _noting_cut(CheckResult(True, f"output is the same as `{check.command}`'s"), last)
    return _noting_cut(CheckResult(False, f"output is {_shown(last.output)}; `{check.command}` prints "
                                          f"{_shown(reference.output)}"), last)


def _noting_cut(verdict: CheckResult, last: CommandResult) -> CheckResult:
    if not last.truncated:
        return verdict
    return CheckResult(verdict.success, f"{verdict.detail} (the output was cut: {last.output_bytes} bytes, only the "
                                        "head and tail were kept)", verdict.broken_check)


def _shown(output: str) -> str:
    text = output.strip()
    return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "...") if text else "empty"
