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
