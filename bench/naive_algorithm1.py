"""The literal Algorithm 1 (lbi/method/algorithm1.py) with a client that pays for every request.

The yardstick for bench/throughput.py: same prompts, parsers, environment and
model as the pipeline, none of its machinery: one call at a time, no cache, no store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import openai

from lbi.envs import registry
from lbi.method.algorithm1 import Algorithm1Params, run_algorithm1
from lbi.models.metadata import request_metadata


class NaiveClient:
    """One request at a time; every request is paid for."""

    def __init__(self, base_url: str) -> None:
        self._openai = openai.OpenAI(base_url=base_url, api_key="offline", max_retries=3)
        self.calls = 0

    def complete(self, *, role: str, model: str, messages: list[dict[str, str]], family: str | None = None,
                 parse: Callable[[str], Any] = lambda text: text, priority: int = 0) -> SimpleNamespace:
        response = self._openai.chat.completions.create(
            model=model, messages=messages, temperature=0.0, max_tokens=1024,
            metadata=request_metadata(role=role, family=family))
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
    client = NaiveClient(base_url)
    params = Algorithm1Params(generator_model="offline-generator", actor_model="offline-actor", committee=committee,
                              instructions_per_doc=n, max_steps=max_steps, max_docs=max_docs)
    result = run_algorithm1(client, registry.spec(env_id), docs, params)
    return NaiveResult(calls=client.calls, examples=len(result.examples), accepted=len(result.accepted))
