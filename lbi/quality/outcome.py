"""What a suite's validation found, in words a person can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from lbi.errors import LbiError


class GateFailed(LbiError, RuntimeError):
    """A quality gate found data that must not flow to the next stage."""


@dataclass(frozen=True)
class CheckOutcome:
    check: str
    explains: str
    severity: str
    success: bool
    unexpected: int | None = None
    id_column: str | None = None
    sample_ids: list[Any] = field(default_factory=list)
    observed: dict[str, Any] | None = None  # the first offending row
    error: str | None = None

    def describe(self) -> str:
        if self.success:
            return f"{self.check}: ok"
        text = f"{self.check} ({self.explains})"
        if self.error:
            return f"{text}: could not be evaluated: {self.error}"
        found = ", ".join(f"{k}={v}" for k, v in (self.observed or {}).items())
        if not self.sample_ids:
            return f"{text}: observed {found}" if found else text
        rows = f"{self.unexpected} offending row{'s' if self.unexpected != 1 else ''}, " if self.unexpected else ""
        text += f": {rows}e.g. {self.id_column} " + ", ".join(str(i) for i in self.sample_ids)
        return f"{text} (first: {found})" if found else text

    def as_record(self) -> dict[str, Any]:
        return {"check": self.check, "severity": self.severity, "success": self.success,
                "unexpected": self.unexpected, "sample_ids": self.sample_ids, "message": self.describe()}


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    scope: str
    rows: int
    checks: list[CheckOutcome]
    result: dict[str, Any] = field(default_factory=dict)  # GX's validation result, summarized

    @property
    def failures(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.success]

    @property
    def stopping(self) -> list[CheckOutcome]:
        return [c for c in self.failures if c.severity == "stop"]

    @property
    def outcome(self) -> Literal["passed", "warned", "stopped"]:
        if self.stopping:
            return "stopped"
        return "warned" if self.failures else "passed"

    def summary(self) -> str:
        failed = "; ".join(c.describe() for c in (self.stopping or self.failures))
        head = (f"quality gate '{self.suite}' {self.outcome} on {self.scope}"
                f" ({self.rows} rows, {len(self.checks)} checks)")
        return f"{head}: {failed}" if failed else head
