"""An experiment's parameters, as a pydantic model (the Prefect UI shows it as a form)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from lbi.experiment.variants import variants_named


class ExperimentParams(BaseModel):
    env: str | None = Field(None, description="Registered environment id; empty = the one the task set names.")
    tasks: str | None = Field(None, description="Held-out task set (JSONL); empty = the environment's shipped one.")
    variants: list[str] = Field(default_factory=list, description="Variants to run; empty = every variant.")
    max_steps: int = Field(8, ge=1, le=50, description="Actions per task at evaluation.")
    m1: int | None = Field(None, ge=0, le=50, description="Examples by observation per step; empty = LBI_RETRIEVAL_M1.")
    m2: int | None = Field(None, ge=0, le=50, description="Examples by model query per step; empty = LBI_RETRIEVAL_M2.")
    workers: int = Field(4, ge=1, le=64, description="Tasks run at once.")
    limit: int | None = Field(None, ge=1, description="Only the first N tasks.")
    max_llm_calls: int | None = Field(
        None, ge=0, description="Cap on the experiment's model calls (its evaluations and the no-documents synthesis "
                                "included); when spent, the variants done stay stored.")
    no_documents_tasks: int | None = Field(
        None, ge=1, description="Tasks the no-documents synthesis proposes; empty = as many as the dataset's "
                                "self-instructed trajectories (the same amount of raw data).")
    synthesis_max_steps: int = Field(5, ge=1, le=50, description="Actions per rollout of the no-documents synthesis.")
    max_span_steps: int | None = Field(None, ge=1, description="Longest span the no-documents synthesis relabels.")

    @field_validator("variants")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        variants_named(names)
        return names
