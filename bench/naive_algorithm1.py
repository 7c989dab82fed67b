"""Algorithm 1 taken literally: nested loops, one model call at a time, no cache, no store.

The yardstick for bench/throughput.py: same prompts, parsers, environment and
model as the pipeline, none of its machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import openai

from lbi.agent.loop import run_episode
from lbi.docs.chunking import chunk_text
from lbi.docs.loaders import Document, iter_documents
from lbi.envs import registry
from lbi.prompts import judge, label, self_instruct
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn


class NaiveClient:
    """One request at a time; every request is paid for."""

    def __init__(self, base_url: str) -> None:
        self._openai = openai.OpenAI(base_url=base_url, api_key="offline", max_retries=3)
        self.calls = 0

    def complete(self, *, role: str, model: str, messages: list[dict[str, str]],
                 parse: Callable[[str], Any] = lambda text: text, priority: int = 0) -> SimpleNamespace:
        response = self._openai.chat.completions.create(model=model, messages=messages, temperature=0.0,
                                                        max_tokens=1024)
        self.calls += 1
        text = response.choices[0].message.content or ""
        return SimpleNamespace(text=text, parsed=parse(text))


@dataclass
class NaiveResult:
    calls: int = 0
    examples: int = 0
    accepted: int = 0


def algorithm1(*, base_url: str, env_id: str, docs: list[Path], max_docs: int, n: int, max_steps: int,
               committee: list[str]) -> NaiveResult:
    client, result = NaiveClient(base_url), NaiveResult()
    spec = registry.spec(env_id)
    for document in iter_documents(docs, max_docs=max_docs):
        if not isinstance(document, Document):
            continue
        for chunk in chunk_text(document.text, max_chars=6000):
            tasks = client.complete(role="self_instruct", model="offline-generator",
                                    messages=self_instruct.build(spec, chunk, n),
                                    parse=lambda text: self_instruct.parse(text, n)).parsed
            for task in [] if isinstance(tasks, ParseFailure) else tasks:
                with registry.make(env_id) as env:
                    episode = run_episode(env, client=client, model="offline-actor", instruction=task,
                                          max_steps=max_steps)
                turns, observations = [], [episode.initial_observation]
                for step in episode.steps:
                    if turns and (step.action, step.observation) == (turns[-1].action, turns[-1].observation):
                        continue
                    turns.append(Turn(step.action, step.observation))
                    observations.append(step.observation)
                for i in range(len(turns)):
                    for j in range(i, len(turns)):
                        for kind in label.KINDS:
                            labeled = client.complete(
                                role=f"label_{kind}", model="offline-generator",
                                messages=label.build(spec, kind, observations[i], turns[i:j + 1]),
                                parse=lambda text: label.parse(text, kind)).parsed
                            if isinstance(labeled, ParseFailure):
                                continue
                            result.examples += 1
                            votes = []
                            for name in committee:
                                verdicts = client.complete(
                                    role="judge", model=name,
                                    messages=judge.build(spec, labeled.instruction, observations[i], turns[i:j + 1]),
                                    parse=judge.parse).parsed
                                votes.append(not isinstance(verdicts, ParseFailure) and all(v.accept for v in verdicts))
                            result.accepted += all(votes)
    result.calls = client.calls
    return result
