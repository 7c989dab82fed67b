"""How strict the gates are: severities per check and the bounds some checks use."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from lbi.config import Settings


class GateConfig(BaseModel):
    severity: dict[str, Literal["stop", "warn", "off"]] = Field(
        default_factory=dict, description="Severity per check name ('*' for every check), over the defaults."
    )
    keep_rate_min: float = Field(0.01, ge=0, le=1, description="A run's keep rate below this is suspicious.")
    keep_rate_max: float = Field(0.99, ge=0, le=1, description="A run's keep rate above this is suspicious.")
    max_instruction_chars: int = Field(4000, ge=1, description="Longest instruction text that passes.")
    sample_ids: int = Field(5, ge=1, le=100, description="Offending ids named per failed check.")

    @classmethod
    def from_settings(cls, settings: Settings) -> "GateConfig":
        return cls(
            severity=settings.gate_severity,
            keep_rate_min=settings.gate_keep_rate_min,
            keep_rate_max=settings.gate_keep_rate_max,
            max_instruction_chars=settings.gate_max_instruction_chars,
            sample_ids=settings.gate_sample_ids,
        )

    def severity_of(self, check: str, default: str) -> str:
        return self.severity.get(check, self.severity.get("*", default))
