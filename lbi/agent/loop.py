"""The acting loop: the actor model acts in an environment until it stops or runs out of steps.

Rollouts (synthesis) and evaluation use this same loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from lbi.method.roles import Role
from lbi.envs.base import Environment
from lbi.models.client import ModelClient
from lbi.prompts import act
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn

ReferencesFor = Callable[[str, list[Turn], str], str]


@dataclass
class Step:
    reason: str
    action: str
    observation: str
    observation_error: bool
    artifacts: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Episode:
    initial_observation: str
    steps: list[Step] = field(default_factory=list)
    status: str = "max_steps"  # completed | max_steps | errored
    error: str | None = None
    failed_answer: str | None = None
    model_calls: int = 0


def run_episode(env: Environment, *, client: ModelClient, model: str, instruction: str, max_steps: int,
                references_for: ReferencesFor | None = None, priority: int = 0) -> Episode:
    spec = env.spec
    observation = env.reset()
    episode = Episode(initial_observation=observation.text)
    history: list[Turn] = []
    while len(episode.steps) < max_steps:
        references = references_for(instruction, history, observation.text) if references_for else ""
        messages = act.build(spec, instruction, history, observation.text, references)
        completion = client.complete(role=Role.ACTOR, family=spec.family, model=model, messages=messages,
                                     parse=lambda text: act.parse(text, spec.limits.max_action_chars),
                                     priority=priority)
        episode.model_calls += 1
        decision = completion.parsed
        if isinstance(decision, ParseFailure):
            episode.status, episode.error = "errored", f"unparseable action: {decision.reason}"
            episode.failed_answer = completion.text
            return episode
        if decision.stop:
            episode.status = "completed"
            return episode
        try:
            result = env.step(decision.action)
        except Exception as error:  # the action broke the environment itself: that is data, not a crash
            episode.status, episode.error = "errored", f"environment failed on action: {type(error).__name__}: {error}"
            return episode
        observation = result.observation
        episode.steps.append(Step(decision.reason, decision.action, observation.text, observation.error,
                                  dict(observation.artifacts)))
        history.append(Turn(decision.action, observation.text))
        if result.done:
            episode.status = "completed"
            return episode
    return episode  # status stays max_steps
