"""Backward construction: the instruction a span of a trajectory accomplishes.

One template per kind of instruction (``InstructionKind``): ``task`` asks what
task the span completes; ``replicate`` summarizes each step first and then
writes an instruction to replicate them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lbi.envs.base import EnvSpec
from lbi.method.kinds import InstructionKind
from lbi.prompts.parsing import ParseFailure, first_json_object
from lbi.prompts.render import Turn, render_trajectory
from lbi.prompts.templates import messages

KINDS = tuple(InstructionKind)  # for callers that iterate label kinds
MAX_INSTRUCTION_CHARS = 600


@dataclass(frozen=True)
class Label:
    instruction: str
    summary: tuple[str, ...] = ()


def build(spec: EnvSpec, kind: InstructionKind, initial_observation: str, turns: list[Turn]) -> list[dict[str, str]]:
    return messages(
        f"label_{kind}",
        env_id=spec.id,
        action_language=spec.action_language,
        trajectory=render_trajectory(initial_observation, turns),
    )


def parse(answer: str, kind: InstructionKind) -> Label | ParseFailure:
    data = first_json_object(answer)
    if data is None:
        return ParseFailure("no JSON object", answer)
    instruction = data.get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        return ParseFailure('no non-empty "instruction"', answer)
    instruction = " ".join(instruction.split())
    if len(instruction) > MAX_INSTRUCTION_CHARS:
        return ParseFailure(f"instruction longer than {MAX_INSTRUCTION_CHARS} characters", answer)
    summary: tuple[str, ...] = ()
    if kind == InstructionKind.REPLICATE:
        raw = data.get("summary")
        if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw) or not raw:
            return ParseFailure('replicate answer lacks a "summary" list of strings', answer)
        summary = tuple(" ".join(s.split()) for s in raw)
    return Label(instruction=instruction, summary=summary)
