"""Agentic retrieval (Algorithm 2), as the acting loop's ``references_for`` hook.

At every step: m1 examples whose observations resemble the current one, then
m2 more found with a query the model writes from the goal, the history and
the observation (no example twice). The act prompt shows them as references.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lbi.method.roles import Role
from lbi.envs.base import EnvSpec
from lbi.models.client import ModelClient
from lbi.prompts import query
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.references import render_references
from lbi.prompts.render import Turn
from lbi.retrieval.retriever import ExampleRetriever


@dataclass
class RetrievalLog:
    """What one episode's retrieval did."""

    observation_hits: int = 0
    model_hits: int = 0
    queries: list[str] = field(default_factory=list)
    failed_queries: int = 0
    example_ids: list[int] = field(default_factory=list)

    @property
    def hits(self) -> int:
        return self.observation_hits + self.model_hits


class AgenticRetrieval:
    def __init__(self, retriever: ExampleRetriever, *, client: ModelClient, model: str, spec: EnvSpec,
                 m1: int = 5, m2: int = 5) -> None:
        self.retriever, self.client, self.model, self.spec = retriever, client, model, spec
        self.m1, self.m2 = m1, m2
        self.log = RetrievalLog()

    def references_for(self, instruction: str, history: list[Turn], observation: str) -> str:
        found = self.retriever.by_observation(observation, k=self.m1) if self.m1 else []
        self.log.observation_hits += len(found)
        if self.m2:
            text = self._query(instruction, history, observation)
            more = self.retriever.search(text, k=self.m2, exclude=[hit.example_id for hit in found])
            self.log.model_hits += len(more)
            found += more
        self.log.example_ids.extend(hit.example_id for hit in found)
        return render_references([hit.reference for hit in found])

    def _query(self, instruction: str, history: list[Turn], observation: str) -> str:
        """The model's query; the instruction itself when the answer broke the contract."""
        completion = self.client.complete(role=Role.QUERY_WRITER, family=self.spec.family, model=self.model,
                                          messages=query.build(self.spec, instruction, history, observation),
                                          parse=query.parse)
        if isinstance(completion.parsed, ParseFailure):
            self.log.failed_queries += 1
            return instruction
        self.log.queries.append(completion.parsed)
        return completion.parsed
