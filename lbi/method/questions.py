"""What the method asks the model, one call each: tasks from a chunk (self-instruct), the
instruction a span accomplishes (backward construction), a judge's verdicts on an example.

The flow's tasks and the literal Algorithm 1 make the very same requests through these.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

from lbi.envs.base import EnvSpec
from lbi.method.kinds import InstructionKind
from lbi.method.roles import Role
from lbi.prompts import judge, label, self_instruct
from lbi.prompts.judge import Verdict
from lbi.prompts.label import Label
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn


class Answer(Protocol):
    @property
    def parsed(self) -> Any: ...  # the parsed value, or a ParseFailure


class Completer(Protocol):
    """A model client: lbi.models.client.ModelClient, or anything that answers the same way."""

    def complete(self, *, role: str, model: str, messages: list[dict[str, str]], family: str | None = None,
                 parse: Callable[[str], Any] = ..., priority: int = 0) -> Answer: ...


def propose_tasks(client: Completer, spec: EnvSpec, *, model: str, start_observation: str, chunk: str, n: int,
                  priority: int = 0) -> list[str] | ParseFailure:
    return client.complete(role=Role.SELF_INSTRUCT, family=spec.family, model=model,
                           messages=self_instruct.build(spec, start_observation, chunk, n),
                           parse=lambda text: self_instruct.parse(text, n), priority=priority).parsed


def write_instruction(client: Completer, spec: EnvSpec, *, model: str, kind: InstructionKind, start_observation: str,
                      turns: list[Turn], priority: int = 0) -> Label | ParseFailure:
    return client.complete(role=kind.role, family=spec.family, model=model,
                           messages=label.build(spec, kind, start_observation, turns),
                           parse=lambda text: label.parse(text, kind), priority=priority).parsed


def judge_example(client: Completer, spec: EnvSpec, *, model: str, instruction: str, start_observation: str,
                  turns: list[Turn], priority: int = 0) -> list[Verdict] | ParseFailure:
    return client.complete(role=Role.JUDGE, family=spec.family, model=model,
                           messages=judge.build(spec, instruction, start_observation, turns),
                           parse=judge.parse, priority=priority).parsed
