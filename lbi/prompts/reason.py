"""The reason for an action, written for the instruction a span was relabeled with (the actor's own reason was
written for the task it was given). Training targets take it as their REASON line."""

from __future__ import annotations

from lbi.envs.base import EnvSpec
from lbi.prompts.parsing import ParseFailure, first_json_object
from lbi.prompts.render import Turn, render_turns
from lbi.prompts.templates import messages

MAX_REASON_CHARS = 600


def build(spec: EnvSpec, instruction: str, history: list[Turn], observation: str, action: str) -> list[dict[str, str]]:
    return messages(
        "reason",
        env_id=spec.id,
        action_language=spec.action_language,
        instruction=instruction,
        history=render_turns(history) if history else "(no actions yet)",
        observation=observation,
        action=action,
    )


def parse(answer: str) -> str | ParseFailure:
    data = first_json_object(answer)
    if data is None:
        return ParseFailure("no JSON object", answer)
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        return ParseFailure('no non-empty "reason"', answer)
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON_CHARS:
        return ParseFailure(f"reason longer than {MAX_REASON_CHARS} characters", answer)
    return reason
