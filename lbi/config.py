"""One Settings object, read from LBI_* environment variables (and a .env file).

Only entry points (the CLI, flows) read it; everything below takes arguments.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

CommitteePolicy = Literal["unanimous", "majority", "any"]


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
    committee_policy: CommitteePolicy = "unanimous"

    model_concurrency: int = Field(default=8, ge=1, le=512)
    model_timeout_s: float = Field(default=60.0, gt=0)
    model_max_retries: int = Field(default=5, ge=0)
    model_temperature: float | None = Field(default=0.0, description="'none' leaves it to the server.")
    model_max_tokens: int | None = Field(
        default=1024, ge=16, description="'none' omits it (models that reject max_tokens)."
    )

    model_global_limit_name: str | None = Field(
        default=None, description="A Prefect global concurrency limit every paid model call occupies (set by lbi deploy)."
    )

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

    @cached_property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @cached_property
    def cache_dir(self) -> Path:
        return self.home / "cache"
