"""A committee member's verdicts on one example, four criteria each with a rationale."""

from __future__ import annotations

from dataclasses import dataclass

from lbi.envs.base import EnvSpec
from lbi.prompts.parsing import ParseFailure, first_json_object
from lbi.prompts.render import Turn, render_trajectory
from lbi.prompts.templates import messages

CRITERIA = ("aligned", "coherent", "natural", "reasonable")
MAX_RATIONALE_CHARS = 1000


@dataclass(frozen=True)
class Verdict:
    criterion: str
    accept: bool
    rationale: str


def build(spec: EnvSpec, instruction: str, initial_observation: str, turns: list[Turn]) -> list[dict[str, str]]:
    return messages(
        "judge",
        env_id=spec.id,
        action_language=spec.action_language,
        instruction=instruction,
        trajectory=render_trajectory(initial_observation, turns),
    )


def parse(answer: str) -> list[Verdict] | ParseFailure:
    data = first_json_object(answer)
    if data is None:
        return ParseFailure("no JSON object", answer)
    verdicts = []
    for criterion in CRITERIA:
        entry = data.get(criterion)
        if not isinstance(entry, dict):
            return ParseFailure(f'no verdict for "{criterion}"', answer)
        value = str(entry.get("verdict", "")).strip().lower()
        if value not in ("yes", "no"):
            return ParseFailure(f'"{criterion}" verdict is {value!r}, not "yes" or "no"', answer)
        rationale = " ".join(str(entry.get("rationale", "")).split())[:MAX_RATIONALE_CHARS]
        if not rationale:
            return ParseFailure(f'"{criterion}" has no rationale', answer)
        verdicts.append(Verdict(criterion, value == "yes", rationale))
    return verdicts
