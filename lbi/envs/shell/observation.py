"""A command's result as the agent sees it: the output (head and tail within the limit), then how it ended."""

from __future__ import annotations

from lbi.envs.base import Observation
from lbi.sandbox.base import CommandResult, SandboxLimits

HEAD_SHARE = 0.4


def fit(text: str, max_chars: int) -> tuple[str, bool]:
    """``text`` within ``max_chars``: its head and tail around a note of what was left out."""
    if len(text) <= max_chars:
        return text, False
    marker_room = 48
    head = max(0, int((max_chars - marker_room) * HEAD_SHARE))
    tail = max(0, max_chars - marker_room - head)
    omitted = len(text) - head - tail
    return f"{text[:head]}\n... [{omitted} characters omitted] ...\n{text[len(text) - tail:]}"[:max_chars], True


def ending(result: CommandResult, timeout_s: float, limits: SandboxLimits) -> str:
    if result.timed_out:
        return f"[timed out after {timeout_s:g} s: the command and everything it started were stopped]"
    if result.output_stopped:
        return (f"[stopped: the command wrote more than {limits.output_ceiling_bytes} bytes of output, "
                "the limit]")
    if result.over_disk_quota:
        return (f"[exit code {result.exit_code}; the sandbox's files reached its {limits.disk_mb} MB disk quota, "
                "so the episode ends]")
    return f"[exit code {result.exit_code}]"


def render(result: CommandResult, timeout_s: float, limits: SandboxLimits, max_chars: int) -> Observation:
    end = ending(result, timeout_s, limits)
    body = result.output.rstrip("\n") or "(no output)"
    body, cut = fit(body, max(0, max_chars - len(end) - 1))
    return Observation(text=f"{body}\n{end}", error=not result.ok, truncated=cut or result.truncated)
