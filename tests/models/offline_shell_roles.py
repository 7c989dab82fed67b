"""Asking the offline model each role's question for a shell environment over HTTP, with the request's
metadata (role, family) as the pipeline sends it, and parsing the answer."""

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


def ask(client: openai.OpenAI, messages: list[dict[str, str]], role: Role, model: str = "offline-generator") -> str:
    answer = client.chat.completions.create(model=model, messages=messages,
                                            extra_body={"metadata": request_metadata(role=role, family="shell")})
    return answer.choices[0].message.content


@dataclass(frozen=True)
class ShellRoles:
    client: openai.OpenAI
    spec: EnvSpec
    initial_observation: str

    def proposed(self, chunk: str, n: int = 3) -> list[str]:
        messages = self_instruct.build(self.spec, self.initial_observation, chunk, n)
        tasks = self_instruct.parse(ask(self.client, messages, Role.SELF_INSTRUCT), n)
        assert not isinstance(tasks, ParseFailure), tasks
        return tasks

    def decided(self, task: str, history: list[Turn], observation: str | None = None) -> act.Decision:
        current = observation if observation is not None else (
            history[-1].observation if history else self.initial_observation)
        messages = act.build(self.spec, task, history, current)
        decision = act.parse(ask(self.client, messages, Role.ACTOR, "offline-actor"), 10_000)
        assert not isinstance(decision, ParseFailure), decision
        return decision

    def labelled(self, kind: str, turns: list[Turn], initial: str | None = None) -> label.Label:
        start = self.initial_observation if initial is None else initial
        role = Role.LABEL_TASK if kind == "task" else Role.LABEL_REPLICATE
        result = label.parse(ask(self.client, label.build(self.spec, kind, start, turns), role), kind)
        assert not isinstance(result, ParseFailure), result
        return result

    def verdicts(self, instruction: str, turns: list[Turn], model: str = JUDGES[0],
                 initial: str | None = None) -> dict:
        start = self.initial_observation if initial is None else initial
        answer = ask(self.client, judge.build(self.spec, instruction, start, turns), Role.JUDGE, model)
        result = judge.parse(answer)
        assert not isinstance(result, ParseFailure), result
        return {v.criterion: v for v in result}

    def committee_keeps(self, episodes: list[tuple[str, str, list[Turn]]]) -> tuple[int, int]:
        """(kept, judged): every span of every episode labeled both ways, then judged by both judges."""
        kept = total = 0
        for _, initial, turns in episodes:
            for i in range(len(turns)):
                for j in range(i + 1, len(turns) + 1):
                    span, start = turns[i:j], initial if i == 0 else turns[i - 1].observation
                    for kind in label.KINDS:
                        labelled = self.labelled(kind, span, start)
                        assert kind == "task" or len(labelled.summary) == j - i
                        verdicts = [self.verdicts(labelled.instruction, span, model, start) for model in JUDGES]
                        total += 1
                        kept += all(v.accept for found in verdicts for v in found.values())
        return kept, total
