"""An exported record's training samples (built by lbi.method.samples), with the reasons the export chose."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from lbi.envs.base import EnvSpec
from lbi.method.samples import ActionSample, action_samples, conversation

# The reasons of a record's demonstrated actions (its steps', then STOP's); None: targets without reasons.
ReasonWriter = Callable[[dict[str, Any]], list[str | None]]


@dataclass(frozen=True)
class RecordSamples:
    spec: EnvSpec
    reasons: ReasonWriter | None = None

    def _parts(self, record: dict[str, Any]) -> tuple:
        steps = [SimpleNamespace(**step) for step in record["steps"]]
        reasons = self.reasons(record) if self.reasons else None
        return self.spec, record["instruction"], record["start_observation"], steps, reasons

    def action_samples(self, record: dict[str, Any]) -> Iterator[ActionSample]:
        """One sample for every step of the record's example, then its STOP."""
        return action_samples(*self._parts(record))

    def conversation(self, record: dict[str, Any]) -> list[dict[str, object]]:
        return conversation(*self._parts(record))
