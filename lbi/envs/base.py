"""The environment contract: what every environment offers the pipeline.

An environment is a small Gym-like class. Synthesis and evaluation only ever
call ``reset``, ``step`` and ``close``; everything an episode touches is a
fresh copy made by ``reset``, and every action is untrusted input.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping


@dataclass(frozen=True)
class Observation:
    """What the agent sees after reset or after an action.

    ``text`` is already bounded by the environment's output limit; ``error``
    is true when the action failed (a SQL error, a non-zero exit code).
    """

    text: str
    error: bool = False
    truncated: bool = False
    # what the environment reports beside the observation for people and exports, never shown to the model
    # (the coding family's ``diff`` after the step); stored with the step
    artifacts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    """Whether an episode met its task's success check, and why (shown in evaluation reports)."""

    success: bool
    detail: str
    # The check itself could not be judged (its gold query or reference command failed): the task set is at
    # fault, not the agent, and evaluation reports it apart from ordinary failures.
    broken_check: bool = False


@dataclass(frozen=True)
class StepResult:
    observation: Observation
    done: bool = False


@dataclass(frozen=True)
class Limits:
    """Per-action bounds every environment enforces."""

    action_timeout_s: float = 5.0
    max_observation_chars: int = 2000
    max_action_chars: int = 10_000


@dataclass(frozen=True)
class EnvSpec:
    """Everything about one registered environment, declared at registration: reading it starts nothing.

    ``kwargs`` are the family's constructor arguments for this instance (its database, its tree, ...);
    ``task_set`` is its held-out task set (evaluation's default), if it has one.
    """

    id: str
    family: str
    description: str
    action_language: str
    docs: tuple[Path, ...] = field(default_factory=tuple)
    limits: Limits = field(default_factory=Limits)
    task_set: Path | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)


class Environment(ABC):
    """One episode at a time: reset, then step until done, then close."""

    spec: EnvSpec
    # The family's typed success checks: a discriminated union of pydantic models (``Check`` in the family's
    # checks module) that task sets are validated against and ``check`` takes.
    check_type: ClassVar[Any] = None

    def prepare(self) -> None:
        """Make what episodes and the spec's documentation need exist (a download, a build), once; later calls
        are cheap. Synthesis calls it before reading the documentation; ``reset`` may rely on it."""

    @abstractmethod
    def reset(self) -> Observation:
        """Start a new episode from a fresh copy of the initial state."""

    @abstractmethod
    def step(self, action: str) -> StepResult:
        """Run one untrusted action and return what it produced.

        A forbidden, failing or timed-out action is not an exception: it
        yields an observation with ``error=True`` naming what went wrong.
        """

    def check(self, check: Any) -> "CheckResult":
        """Judge the episode's outcome against a task's success check, one of ``check_type``'s models
        (see docs/task-sets.md).

        Called after the last action and before ``close``. A model of another family is a TypeError.
        """
        raise NotImplementedError(f"{type(self).__name__} has no checker")

    @abstractmethod
    def close(self) -> None:
        """Release everything the episode holds (files, processes, handles)."""

    def __enter__(self) -> "Environment":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
