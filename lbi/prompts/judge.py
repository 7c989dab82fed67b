"""A committee member's verdicts on one example, one per criterion, each with a rationale.

The prompt's list of criteria and the answer's shape are written from
``Criterion``, and the parser asks for exactly its members.
"""

from __future__ import annotations

from dataclasses import dataclass

from lbi.envs.base import EnvSpec
from lbi.method.criteria import Criterion
from lbi.prompts.parsing import ParseFailure, first_json_object
from lbi.prompts.render import Turn, render_trajectory
from lbi.prompts.templates import messages

MAX_RATIONALE_CHARS = 1000
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class Verdict:
    criterion: Criterion
    accept: bool
    rationale: str


def criteria_list() -> str:
    return "\n".join(f"- {criterion}: {criterion.description}" for criterion in Criterion)


def answer_shape() -> str:
    """The JSON answer asked for: the first criterion spelled out, the others elided."""
    first, *others = Criterion
    entries = [f'"{first}": {{"verdict": "yes", "rationale": "..."}}', *(f'"{c}": {{...}}' for c in others)]
    return "{" + ", ".join(entries) + "}"


def build(spec: EnvSpec, instruction: str, initial_observation: str, turns: list[Turn]) -> list[dict[str, str]]:
    count = len(Criterion)
    return messages(
        "judge",
        env_id=spec.id,
        action_language=spec.action_language,
        instruction=instruction,
        trajectory=render_trajectory(initial_observation, turns),
        criteria_count=_NUMBER_WORDS[count] if count < len(_NUMBER_WORDS) else count,
        criteria=criteria_list(),
        answer_shape=answer_shape(),
    )


def parse(answer: str) -> list[Verdict] | ParseFailure:
    data = first_json_object(answer)
    if data is None:
        return ParseFailure("no JSON object", answer)
    verdicts = []
    for criterion in Criterion:
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
