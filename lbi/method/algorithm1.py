"""Algorithm 1 taken literally: plain loops over documents -> chunks -> tasks -> rollout -> spans
-> instructions -> committee, one model call at a time, nothing stored.

The yardstick the pipeline is measured and tested against: the same requests
(lbi.method.questions), acting loop, repeated-step filter, spans and committee
decision as the synthesize flow, none of its machinery (store, cache, streaming).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lbi.agent.loop import run_episode
from lbi.docs.chunking import chunk_text
from lbi.docs.loaders import Skipped, iter_documents
from lbi.envs import registry
from lbi.envs.base import EnvSpec
from lbi.method import committee as decision
from lbi.method import questions
from lbi.method.clean_steps import clean_steps
from lbi.method.committee import Policy
from lbi.method.kinds import InstructionKind
from lbi.method.questions import Completer
from lbi.method.self_instruct import tasks_for_chunk
from lbi.method.spans import Span, spans_to_label
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn


@dataclass(frozen=True)
class Algorithm1Params:
    generator_model: str
    actor_model: str
    committee: list[str]
    policy: str = Policy.UNANIMOUS
    ask_all: bool = True  # the literal algorithm: every judge rates every example
    instructions_per_doc: int = 3  # N, spread over a document's chunks
    max_steps: int = 5  # m
    max_span_steps: int | None = None
    chunk_chars: int = 6000
    max_docs: int | None = None


@dataclass(frozen=True)
class SynthesizedExample:
    task: str  # the self-instruct task whose rollout the span comes from
    span: Span
    kind: InstructionKind
    instruction: str
    initial_observation: str
    turns: tuple[Turn, ...]
    accepted: bool

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(turn.action for turn in self.turns)


@dataclass
class Algorithm1Result:
    examples: list[SynthesizedExample] = field(default_factory=list)

    @property
    def accepted(self) -> list[SynthesizedExample]:
        return [example for example in self.examples if example.accepted]


def run_algorithm1(client: Completer, spec: EnvSpec, docs: list[Path], params: Algorithm1Params) -> Algorithm1Result:
    result = Algorithm1Result()
    with registry.make(spec.id) as env:
        start_observation = env.reset().text
    for document in iter_documents(docs, max_docs=params.max_docs):
        if isinstance(document, Skipped):
            continue
        chunks = chunk_text(document.text, max_chars=params.chunk_chars)
        for index, chunk in enumerate(chunks):
            n = tasks_for_chunk(params.instructions_per_doc, index, len(chunks))
            if n == 0:
                continue
            tasks = questions.propose_tasks(client, spec, model=params.generator_model,
                                            start_observation=start_observation, chunk=chunk, n=n)
            for task in [] if isinstance(tasks, ParseFailure) else tasks:
                result.examples.extend(examples_of_task(client, spec, task, params))
    return result


def examples_of_task(client: Completer, spec: EnvSpec, task: str, params: Algorithm1Params) -> list[SynthesizedExample]:
    """Roll the task out, then relabel and judge every span of the clean trajectory."""
    with registry.make(spec.id) as env:
        episode = run_episode(env, client=client, model=params.actor_model, instruction=task,  # type: ignore[arg-type]
                              max_steps=params.max_steps)
    steps = clean_steps(episode.steps)
    observations = [episode.initial_observation, *(step.observation for step in steps)]
    turns = [Turn(step.action, step.observation) for step in steps]
    examples = []
    for span, kind in spans_to_label(len(steps), params.max_span_steps):
        start, span_turns = observations[span.start], span.steps_of(turns)
        label = questions.write_instruction(client, spec, model=params.generator_model, kind=kind,
                                            start_observation=start, turns=span_turns)
        if isinstance(label, ParseFailure):
            continue
        accepted = committee_accepts(client, spec, params, label.instruction, start, span_turns)
        examples.append(SynthesizedExample(task, span, kind, label.instruction, start, tuple(span_turns), accepted))
    return examples


def committee_accepts(client: Completer, spec: EnvSpec, params: Algorithm1Params, instruction: str, start: str,
                      turns: list[Turn]) -> bool:
    def accepted_by(judge: str) -> bool:
        return decision.judge_accepts(questions.judge_example(
            client, spec, model=judge, instruction=instruction, start_observation=start, turns=turns))

    acceptance = decision.poll(params.policy, params.committee, {}, accepted_by, ask_all=params.ask_all)
    return decision.accepts(params.policy, params.committee, acceptance)
