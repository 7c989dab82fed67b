"""The paper's repeated-step filter: a step whose (action, observation) repeats the previous
step's exactly (an invalid action, or an environment that did not change) is left out."""

from __future__ import annotations

from typing import Protocol, Sequence, TypeVar


class ActedStep(Protocol):
    @property
    def action(self) -> str: ...

    @property
    def observation(self) -> str: ...


S = TypeVar("S", bound=ActedStep)


def repeats_previous(steps: Sequence[ActedStep]) -> list[bool]:
    """For each step, whether its (action, observation) equals the step before it."""
    keys = [(step.action, step.observation) for step in steps]
    return [k > 0 and keys[k] == keys[k - 1] for k in range(len(keys))]


def clean_steps(steps: Sequence[S]) -> list[S]:
    """The steps without those repeating the previous step."""
    return [step for step, repeated in zip(steps, repeats_previous(steps)) if not repeated]
