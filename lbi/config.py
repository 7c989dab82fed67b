"""One Settings object, read from LBI_* environment variables (and a .env file).

Only entry points (the CLI, flows) read it; everything below takes arguments.
"""

from __future__ import annotations

import math
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

from lbi.method.policy import Policy

OFFLINE_PREFIX = "offline-"  # the offline model's names: offline-generator, offline-actor, ...


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LBI_", env_file=".env", extra="ignore", env_parse_none_str="none")

    home: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("lbi")),
        description="Where the embedded Postgres data directory and caches live.",
    )
    database_url: str | None = Field(
        default=None, description="Postgres URL; unset means the embedded server under LBI_HOME."
    )

    model_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint; unset means the offline model."
    )
    model_api_key: SecretStr = SecretStr("offline")
    generator_model: str = "offline-generator"
    actor_model: str = "offline-actor"
    committee: Annotated[list[str], NoDecode] = ["offline-judge-a", "offline-judge-b"]
    committee_policy: Policy = Policy.UNANIMOUS
    committee_ask_all: bool = Field(
        default=False,
        description="Ask every judge about every example; by default a judge is asked only while its answer "
                    "can still change the committee's decision.",
    )

    model_concurrency: int = Field(default=8, ge=1, le=512)
    units_per_task: int | None = Field(
        default=None, ge=1, le=1000,
        description="Chunks, instructions or trajectories handled by one Prefect task run (fewer runs to track); "
                    "unset: half the model concurrency, at least 8.",
    )
    model_timeout_s: float = Field(default=60.0, gt=0)
    model_max_retries: int = Field(default=5, ge=0)
    model_temperature: float | None = Field(default=0.0, description="'none' leaves it to the server.")
    model_max_tokens: int | None = Field(
        default=1024, ge=16, description="'none' omits it (models that reject max_tokens)."
    )

    retry_failed_generations: int = Field(
        default=1, ge=0, le=100,
        description="How many later runs ask again for a unit whose answer broke its role's contract (0: never).",
    )

    model_request_metadata: bool = Field(
        default=True,
        description="Send each call's role and environment family as OpenAI's `metadata` field (the offline "
                    "model routes on it); false for a provider that rejects the field.",
    )
    model_global_limit_name: str | None = Field(
        default=None, description="A Prefect global concurrency limit every paid model call occupies (set by lbi deploy)."
    )
    model_global_limit_block: int = Field(
        default=8, ge=1, le=512,
        description="Slots of the global limit a process leases at a time (given back once idle).",
    )
    model_rpm: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict,
        description='Requests per minute per model, as JSON: {"gpt-4o": 500, "*": 60}; a number applies to every '
                    "model. Each process honours it for its own calls.",
    )
    model_tpm: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict,
        description="Tokens per minute per model (prompt plus max_tokens counted before a call, settled to its "
                    "usage after), as JSON or one number, like LBI_MODEL_RPM.",
    )

    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Embedder: the bundled all-MiniLM-L6-v2 unless LBI_EMBEDDING_BASE_URL names an endpoint.",
    )
    embedding_base_url: str | None = Field(
        default=None, description="OpenAI-compatible /v1 endpoint for embeddings; unset means the bundled model."
    )
    embedding_dimensions: int = Field(default=384, description="Vector size; the store's column is vector(384).")
    embedding_batch_size: int = Field(default=64, ge=1, le=4096)
    query_writer_model: str | None = Field(
        default=None, description="Writes retrieval queries (Algorithm 2); unset means LBI_ACTOR_MODEL."
    )
    retrieval_m1: int = Field(default=5, ge=0, le=50, description="Examples found by observation per step.")
    retrieval_m2: int = Field(default=5, ge=0, le=50, description="Examples found by the model's query per step.")
    hnsw_ef_search: int = Field(default=200, ge=1, le=1000, description="HNSW candidate list size per search.")

    gate_severity: dict[str, Literal["stop", "warn", "off"]] = Field(
        default_factory=dict,
        description='Quality-gate severity per check name, as JSON: {"keep_rate_in_bounds": "stop"}; "*" for all.',
    )
    gate_keep_rate_min: float = Field(default=0.01, ge=0, le=1, description="A run's keep rate below this warns.")
    gate_keep_rate_max: float = Field(default=0.99, ge=0, le=1, description="A run's keep rate above this warns.")
    gate_max_instruction_chars: int = Field(default=4000, ge=1, description="Longer instructions warn.")
    gate_sample_ids: int = Field(default=5, ge=1, le=100, description="Offending ids a failed check names.")

    @field_validator("model_rpm", "model_tpm", mode="before")
    @classmethod
    def _one_limit_for_every_model(cls, value: object) -> object:
        if isinstance(value, (int, str)) and not isinstance(value, bool) and str(value).strip().isdigit():
            return {"*": int(value)}
        return value

    @field_validator("committee", mode="before")
    @classmethod
    def _split_committee(cls, value: object) -> object:
        if isinstance(value, str):
            value = [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("committee")
    @classmethod
    def _committee_distinct(cls, value: list[str]) -> list[str]:
        if len(value) < 1 or len(set(value)) != len(value):
            raise ValueError("LBI_COMMITTEE must list distinct model names, comma-separated (two or more make a committee)")
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _postgres_url(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            return None if isinstance(value, str) else value
        import sqlalchemy as sa

        try:
            backend = sa.engine.make_url(value.strip()).get_backend_name()
        except (sa.exc.ArgumentError, ValueError):
            backend = None
        if backend != "postgresql":  # the URL itself is not repeated: it may hold a password
            raise ValueError("not a Postgres URL (postgresql://USER:PASSWORD@HOST:PORT/DATABASE); unset it for the"
                             " embedded server")
        return value.strip()

    @field_validator("model_base_url", "embedding_base_url", mode="before")
    @classmethod
    def _http_url(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            return None if isinstance(value, str) else value
        try:
            parts = urlsplit(value.strip())
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            raise ValueError("not an http(s) URL such as http://localhost:8000/v1")
        return value.strip()

    @field_validator("model_timeout_s", "model_temperature", "gate_keep_rate_min", "gate_keep_rate_max")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @field_validator("model_temperature")
    @classmethod
    def _temperature_range(cls, value: float | None) -> float | None:
        if value is not None and not 0 <= value <= 2:
            raise ValueError("must be between 0 and 2 (or 'none' to leave it to the server)")
        return value

    @model_validator(mode="after")
    def _keep_rate_bounds_in_order(self) -> "Settings":
        if self.gate_keep_rate_min > self.gate_keep_rate_max:
            raise ValueError("LBI_GATE_KEEP_RATE_MIN is above LBI_GATE_KEEP_RATE_MAX")
        return self

    def units_per_task_run(self) -> int:
        """Each Prefect task run costs the flow and the Prefect server CPU (at C = 64, 8 units a run made
        the server's share 1.1-1.4 ms a model call; 32, 0.5-0.6); two batches still fill the model's slots."""
        return self.units_per_task or max(8, self.model_concurrency // 2)

    def offline_model_names(self) -> dict[str, str]:
        """Setting variable -> the offline model's name it still holds (the defaults), for every role."""
        named = {"LBI_GENERATOR_MODEL": [self.generator_model], "LBI_ACTOR_MODEL": [self.actor_model],
                 "LBI_COMMITTEE": self.committee, "LBI_QUERY_WRITER_MODEL": [self.query_writer_model or ""]}
        return {variable: name for variable, names in named.items() for name in names
                if name.startswith(OFFLINE_PREFIX)}

    @cached_property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @cached_property
    def cache_dir(self) -> Path:
        return self.home / "cache"
