"""An exported record's action-prediction samples (built by lbi.method.samples)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Iterator

from lbi.envs.base import EnvSpec
from lbi.method.samples import ActionSample, action_samples


def record_samples(record: dict[str, Any], spec: EnvSpec) -> Iterator[ActionSample]:
    """One sample for every step of the example a record holds."""
    steps = [SimpleNamespace(**step) for step in record["steps"]]
    return action_samples(spec, record["instruction"], record["initial_observation"], steps)
