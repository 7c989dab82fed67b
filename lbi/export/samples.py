"""The paper's action-prediction samples: the inputs up to a step, the target that step's action.

The input is the same prompt the acting loop sends, so a model trained on these
samples sees at inference exactly what it saw in training.
"""

from __future__ import annotations

from typing import Any, Iterator

from lbi.envs.base import EnvSpec
from lbi.prompts import act
from lbi.prompts.render import Turn


def target(step: dict[str, Any]) -> str:
    reason = step["reason"] or "This action comes next."
    return f"REASON: {reason}\nACTION: {step['action']}"


def action_samples(record: dict[str, Any], spec: EnvSpec) -> Iterator[tuple[int, list[dict[str, str]], str]]:
    """(step number, prompt messages, target) for every step of one example."""
    history: list[Turn] = []
    observation = record["initial_observation"]
    for number, step in enumerate(record["steps"], start=1):
        yield number, act.build(spec, record["instruction"], history, observation), target(step)
        history.append(Turn(step["action"], step["observation"]))
        observation = step["observation"]
