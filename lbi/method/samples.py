"""The paper's training samples from an example: action prediction (the inputs up to a step, the target that
step's action), one per step and one more for ending with STOP after the span's last step; and the same
example as one multi-turn conversation.

The input of an action sample is the prompt the acting loop sends, so a model trained on these samples sees
at inference what it saw in training. The actor's recorded REASON was written for the task it was given,
not for the instruction the span was relabeled with, so targets carry a reason only when one consistent
with the instruction is supplied (``reasons``); otherwise the target is the action alone (the actor's
parser takes an answer without a REASON line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol, Sequence

from lbi.envs.base import EnvSpec
from lbi.prompts import act
from lbi.prompts.render import Turn

# The conversation's user turn after an action: the observation it produced, then the acting loop's question.
NEXT_OBSERVATION = "Observation:\n{observation}\n\nWhat is the next action?"


class DemonstratedStep(Protocol):
    @property
    def action(self) -> str: ...

    @property
    def observation(self) -> str: ...

    @property
    def observation_error(self) -> bool: ...


@dataclass(frozen=True)
class ActionSample:
    step: int  # 1 for the example's first step; len(steps) + 1 for the closing STOP
    messages: list[dict[str, str]]  # the actor's prompt at that step
    target: str  # the actor's answer: that step's action (with a reason, when given)


def target(reason: str | None, action: str) -> str:
    return f"REASON: {reason}\nACTION: {action}" if reason else f"ACTION: {action}"


def demonstrated_actions(steps: Sequence[DemonstratedStep]) -> list[str]:
    """The actions a model learns from the example: its steps', then STOP."""
    return [*(step.action for step in steps), act.STOP]


def decision_points(start_observation: str,
                    steps: Sequence[DemonstratedStep]) -> Iterator[tuple[list[Turn], str, str]]:
    """(history, current observation, the action taken) before each demonstrated action."""
    history: list[Turn] = []
    observation = start_observation
    for action, step in zip(demonstrated_actions(steps), [*steps, None]):
        yield list(history), observation, action
        if step is not None:
            history.append(Turn(step.action, step.observation))
            observation = step.observation


def action_samples(spec: EnvSpec, instruction: str, start_observation: str, steps: Sequence[DemonstratedStep],
                   reasons: Sequence[str | None] | None = None) -> Iterator[ActionSample]:
    """One sample for every step of an example, and one for the STOP after its last step;
    ``reasons`` holds one reason per action of ``demonstrated_actions`` (None: targets without one)."""
    for number, (history, observation, action) in enumerate(decision_points(start_observation, steps), start=1):
        reason = reasons[number - 1] if reasons else None
        yield ActionSample(number, act.build(spec, instruction, history, observation), target(reason, action))


def conversation(spec: EnvSpec, instruction: str, start_observation: str, steps: Sequence[DemonstratedStep],
                 reasons: Sequence[str | None] | None = None) -> list[dict[str, object]]:
    """The example as one conversation: the actor's system prompt, its first prompt as the first user turn,
    then each action as an assistant turn and the observation it produced as the next user turn, ending with
    STOP. Assistant turns carry a ``weight``: 0 for an action whose observation was an error (kept as
    context, not taught), 1 otherwise."""
    messages: list[dict[str, object]] = list(act.build(spec, instruction, [], start_observation))
    for number, action in enumerate(demonstrated_actions(steps), start=1):
        reason = reasons[number - 1] if reasons else None
        failed = number <= len(steps) and steps[number - 1].observation_error
        messages.append({"role": "assistant", "content": target(reason, action), "weight": 0 if failed else 1})
        if number <= len(steps):
            messages.append({"role": "user", "content": NEXT_OBSERVATION.format(observation=steps[number - 1].observation)})
    return messages
