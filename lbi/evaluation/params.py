"""An evaluation's parameters, as a pydantic model (the Prefect UI shows it as a form)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


Mode = Literal["baseline", "retrieval", "replay"]
_ENVS = Path(__file__).resolve().parents[1] / "envs"
SHIPPED_TASK_SETS = {
    "sqlite-chinook-v0": _ENVS / "sqlite" / "tasks" / "chinook-heldout.jsonl",
    "shell-project-v0": _ENVS / "shell" / "tasks" / "project-heldout.jsonl",
}


def default_task_set(env_id: str) -> Path | None:
    """The held-out task set of ``env_id``: its spec's ``task_set``, else the shipped one (None when there is
    none); evaluation asks only this."""
    from lbi.envs import registry

    return registry.spec(env_id).task_set or SHIPPED_TASK_SETS.get(env_id)


class EvaluateParams(BaseModel):
    env: str | None = Field(None, description="Registered environment id (see `lbi envs`); empty = the one the "
                                              "task set names.")
    tasks: str | None = Field(None, description="Task set (JSONL); empty = the environment's shipped held-out set.")
    mode: Mode = Field("retrieval", description="baseline: no examples; retrieval: Algorithm 2; replay: gold actions.")
    max_steps: int = Field(8, ge=1, le=50, description="Actions per task before the episode is cut off.")
    m1: int | None = Field(None, ge=0, le=50, description="Examples by observation per step; empty = LBI_RETRIEVAL_M1.")
    m2: int | None = Field(None, ge=0, le=50, description="Examples by model query per step; empty = LBI_RETRIEVAL_M2.")
    workers: int = Field(4, ge=1, le=64, description="Tasks run at once.")
    limit: int | None = Field(None, ge=1, description="Only the first N tasks.")
    max_llm_calls: int | None = Field(None, ge=0, description="Stop cleanly after this many model calls.")
