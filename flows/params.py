"""Run parameters as pydantic models, so the Prefect UI shows them as a form."""

from __future__ import annotations

from pydantic import BaseModel, Field

from lbi.method.policy import Policy


class SynthesizeParams(BaseModel):
    env: str = Field("sqlite-chinook-v0", description="Registered environment id (see `lbi envs`).")
    docs: list[str] = Field(default_factory=list, description="Files or directories; empty = the environment's own docs.")
    max_docs: int | None = Field(None, ge=1, description="Ingest at most this many documents.")
    instructions_per_doc: int = Field(3, ge=1, le=20, description="Tasks proposed per document (N), spread over its chunks.")
    max_steps: int = Field(5, ge=1, le=50, description="Actions per rollout before it is cut off (m).")
    max_span_steps: int | None = Field(None, ge=1, description="Longest span relabeled; empty = every span.")
    chunk_chars: int = Field(6000, ge=500, le=100_000, description="Chunk size budget in characters.")
    max_llm_calls: int | None = Field(None, ge=0, description="Stop cleanly after this many model calls.")
    max_tokens: int | None = Field(None, ge=0, description="Stop cleanly after this many tokens.")
    committee_policy: Policy | None = Field(
        None, description="Committee policy; empty = LBI_COMMITTEE_POLICY."
    )
    generator_model: str | None = Field(
        None, description="Model that proposes tasks and relabels spans; empty = LBI_GENERATOR_MODEL."
    )
    actor_model: str | None = Field(None, description="Model that acts in the environment; empty = LBI_ACTOR_MODEL.")
    committee: list[str] | None = Field(
        None, min_length=1, description="Judge models; empty = LBI_COMMITTEE (comma-separated)."
    )
