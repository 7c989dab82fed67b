"""The actor's prompt and its `REASON: ... ACTION: ...` answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lbi.envs.base import EnvSpec
from lbi.prompts.parsing import ParseFailure, strip_fences
from lbi.prompts.render import Turn, render_turns
from lbi.prompts.templates import messages

STOP = "STOP"


@dataclass(frozen=True)
class Decision:
    reason: str
    action: str

    @property
    def stop(self) -> bool:
        return self.action.upper().rstrip(".") == STOP


def build(
    spec: EnvSpec,
    instruction: str,
    history: list[Turn],
    observation: str,
    references: str = "",
) -> list[dict[str, str]]:
    rendered = render_turns(history) if history else "(no actions yet)"
    return messages(
        "act",
        env_id=spec.id,
        action_language=spec.action_language,
        env_description=spec.description,
        instruction=instruction,
        references=f"\n{references.strip()}\n" if references.strip() else "",
        history=rendered,
        observation=observation,
    )


_ACTION = re.compile(r"^\s*ACTION\s*:\s*", re.MULTILINE | re.IGNORECASE)
_REASON = re.compile(r"^\s*REASON\s*:\s*(.*?)(?=^\s*ACTION\s*:|\Z)", re.MULTILINE | re.IGNORECASE | re.DOTALL)


def parse(answer: str, max_action_chars: int) -> Decision | ParseFailure:
    match = None
    for match in _ACTION.finditer(answer):
        pass  # the last ACTION line wins: models sometimes restate the format first
    if match is None:
        return ParseFailure("no 'ACTION:' line", answer)
    action = strip_fences(answer[match.end():])
    if not action:
        return ParseFailure("empty action", answer)
    if len(action) > max_action_chars:
        return ParseFailure(f"action longer than {max_action_chars} characters", answer)
    reason_match = _REASON.search(answer)
    reason = " ".join(reason_match.group(1).split()) if reason_match else ""
    return Decision(reason=reason, action=action)
