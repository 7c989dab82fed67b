"""Reads the shell environment's observation: the output, then '[exit code N]' or why the command was stopped.

Tolerant by design: without a trailer, an 'Error:' refusal or a typical
'command: ...: No such file or directory' line counts as a failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EXIT = re.compile(r"\[exit code (-?\d+|None)[^\]]*\]\s*$")
_STOPPED = re.compile(r"\[(?:timed out|stopped)[^\]]*\]\s*$")
_FAILURE_LINE = re.compile(r"(?:No such file or directory|command not found|Permission denied|fatal:|"
                           r"error:|Error:|invalid option|unrecognized option|cannot )", re.IGNORECASE)


@dataclass(frozen=True)
class Result:
    lines: tuple[str, ...]
    exit_code: int | None
    stopped: bool = False
    refused: bool = False

    @property
    def failed(self) -> bool:
        return self.stopped or self.refused or self.exit_code not in (0, None)

    @property
    def error(self) -> str | None:
        """The line that says what went wrong, when the command failed."""
        if not self.failed:
            return None
        found = next((line for line in self.lines if _FAILURE_LINE.search(line)), None)
        return (found or (self.lines[-1] if self.lines else f"exit code {self.exit_code}")).strip()

    def brief(self) -> str:
        """A few words on what came back: 'nothing', 'the value 7', "3 lines, the first '...'"."""
        if self.failed:
            return f"an error ({self.error})"
        if not self.lines:
            return "nothing"
        first = self.lines[0].strip()
        if len(self.lines) == 1:
            return f"the value {first}" if re.fullmatch(r"-?[\d.]+", first) else f"'{first[:80]}'"
        return f"{len(self.lines)} lines, the first '{first[:80]}'"


def read_result(text: str) -> Result:
    body = text.rstrip()
    if body.startswith("Error:") and "\n" not in body:
        return Result((body,), None, refused=True)
    stopped = bool(_STOPPED.search(body))
    exit_match = _EXIT.search(body)
    code: int | None = None
    if exit_match and exit_match.group(1) != "None":
        code = int(exit_match.group(1))
    if exit_match or stopped:
        body = body[:(exit_match or _STOPPED.search(body)).start()].rstrip()
    lines = tuple(line for line in body.splitlines() if line.strip() and line.strip() != "(no output)")
    if code is None and not stopped:
        code = 1 if any(_FAILURE_LINE.search(line) for line in lines[:3]) else 0
    return Result(lines, code, stopped=stopped)
