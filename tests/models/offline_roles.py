"""Asking the offline model each role's question over HTTP and parsing the answer, for one EnvSpec.

Requests carry the role and the family in their ``metadata``, as the pipeline's client sends them.
"""

from __future__ import annotations

from dataclasses import dataclass

import openai

from lbi.envs.base import EnvSpec
from lbi.method.roles import Role
from lbi.models.metadata import request_metadata
from lbi.prompts import act, judge, label, self_instruct
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn

JUDGES = ("offline-judge-a", "offline-judge-b")
LABEL_ROLES = {"task": Role.LABEL_TASK, "replicate": Role.LABEL_REPLICATE}


def ask(client: openai.OpenAI, messages: list[dict[str, str]], model: str = "offline-generator", *,
        role: str | None = None, family: str | None = None) -> str:
    metadata = request_metadata(role=role, family=family) if role else None
    return client.chat.completions.create(model=model, messages=messages,
                                          extra_body={"metadata": metadata} if metadata else None,
                                          ).choices[0].message.content


@dataclass(frozen=True)
class Roles:
    spec: EnvSpec
    initial_observation: str

    def ask(self, client: openai.OpenAI, messages: list[dict[str, str]], role: str, model: str = "offline-generator"
            ) -> str:
        return ask(client, messages, model, role=role, family=self.spec.family)

    def proposed(self, client: openai.OpenAI, chunk: str, n: int = 3) -> list[str]:
        messages = self_instruct.build(self.spec, self.initial_observation, chunk, n)
        tasks = self_instruct.parse(self.ask(client, messages, Role.SELF_INSTRUCT), n)
        assert not isinstance(tasks, ParseFailure), tasks
        return tasks

    def acted(self, client: openai.OpenAI, task: str, turns: list[Turn], observation: str) -> str:
        """The actor's raw answer for the next step."""
        return self.ask(client, act.build(self.spec, task, turns, observation), Role.ACTOR, "offline-actor")

    def labelled(self, client: openai.OpenAI, kind: str, turns: list[Turn], initial: str | None = None) -> label.Label:
        start = self.initial_observation if initial is None else initial
        answer = self.ask(client, label.build(self.spec, kind, start, turns), LABEL_ROLES[kind])
        result = label.parse(answer, kind)
        assert not isinstance(result, ParseFailure), result
        return result

    def verdicts(self, client: openai.OpenAI, instruction: str, turns: list[Turn], model: str = JUDGES[0]) -> dict:
        messages = judge.build(self.spec, instruction, self.initial_observation, turns)
        result = judge.parse(self.ask(client, messages, Role.JUDGE, model))
        assert not isinstance(result, ParseFailure), result
        return {v.criterion: v for v in result}

    def assert_every_span_labels(self, client: openai.OpenAI, episodes: list) -> None:
        """Every span of every episode gets both labels, and a replicate label sums up each step."""
        for _, initial, turns in episodes:
            for i, j in spans(turns):
                for kind in label.KINDS:
                    result = self.labelled(client, kind, turns[i:j], initial)
                    assert kind == "task" or len(result.summary) == j - i

    def committee_keeps(self, client: openai.OpenAI, episodes: list) -> tuple[int, int]:
        """(kept, judged): every span of every episode labeled both ways, then judged by both judges."""
        kept = total = 0
        for _, initial, turns in episodes:
            for i, j in spans(turns):
                span, start = turns[i:j], initial if i == 0 else turns[i - 1].observation
                for kind in label.KINDS:
                    messages = judge.build(self.spec, self.labelled(client, kind, span, start).instruction, start, span)
                    total += 1
                    kept += all(v.accept for model in JUDGES
                                for v in judge.parse(self.ask(client, messages, Role.JUDGE, model)))
        return kept, total


def spans(turns: list[Turn]) -> list[tuple[int, int]]:
    """Every contiguous span of the turns as (start, end) slice bounds."""
    return [(i, j) for i in range(len(turns)) for j in range(i + 1, len(turns) + 1)]
