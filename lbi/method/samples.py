"""The paper's action-prediction samples: the inputs up to a step, the target that step's action.

The input is the same prompt the acting loop sends, so a model trained on these
samples sees at inference exactly what it saw in training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol, Sequence

from lbi.envs.base import EnvSpec
from lbi.prompts import act
from lbi.prompts.render import Turn

NO_REASON = "This action comes next."  # the target's reason when the actor gave none


class DemonstratedStep(Protocol):
    @property
    def reason(self) -> str | None: ...

    @property
    def action(self) -> str: ...

    @property
    def observation(self) -> str: ...


@dataclass(frozen=True)
class ActionSample:
    step: int  # 1 for the example's first step
    messages: list[dict[str, str]]  # the actor's prompt at that step
    target: str  # the actor's answer: that step's reason and action


def target(reason: str | None, action: str) -> str:
    return f"REASON: {reason or NO_REASON}\nACTION: {action}"


def action_samples(spec: EnvSpec, instruction: str, initial_observation: str,
                   steps: Sequence[DemonstratedStep]) -> Iterator[ActionSample]:
    """One sample for every step of an example (its instruction, first observation and steps)."""
    history: list[Turn] = []
    observation = initial_observation
    for number, step in enumerate(steps, start=1):
        yield ActionSample(number, act.build(spec, instruction, history, observation), target(step.reason, step.action))
        history.append(Turn(step.action, step.observation))
        observation = step.observation
