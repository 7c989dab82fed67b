"""Asking the offline model each role's question over HTTP and parsing the answer, for one EnvSpec."""

from __future__ import annotations

from dataclasses import dataclass

import openai

from lbi.envs.base import EnvSpec
from lbi.prompts import judge, label, self_instruct
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn

JUDGES = ("offline-judge-a", "offline-judge-b")


def ask(client: openai.OpenAI, messages: list[dict[str, str]], model: str = "offline-generator") -> str:
    return client.chat.completions.create(model=model, messages=messages).choices[0].message.content


@dataclass(frozen=True)
class Roles:
    spec: EnvSpec
    initial_observation: str

    def proposed(self, client: openai.OpenAI, chunk: str, n: int = 3) -> list[str]:
        tasks = self_instruct.parse(ask(client, self_instruct.build(self.spec, chunk, n)), n)
        assert not isinstance(tasks, ParseFailure), tasks
        return tasks

    def labelled(self, client: openai.OpenAI, kind: str, turns: list[Turn], initial: str | None = None) -> label.Label:
        start = self.initial_observation if initial is None else initial
        result = label.parse(ask(client, label.build(self.spec, kind, start, turns)), kind)
        assert not isinstance(result, ParseFailure), result
        return result

    def verdicts(self, client: openai.OpenAI, instruction: str, turns: list[Turn], model: str = JUDGES[0]) -> dict:
        result = judge.parse(ask(client, judge.build(self.spec, instruction, self.initial_observation, turns), model))
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
                    kept += all(v.accept for model in JUDGES for v in judge.parse(ask(client, messages, model)))
        return kept, total


def spans(turns: list[Turn]) -> list[tuple[int, int]]:
    """Every contiguous span of the turns as (start, end) slice bounds."""
    return [(i, j) for i in range(len(turns)) for j in range(i + 1, len(turns) + 1)]
