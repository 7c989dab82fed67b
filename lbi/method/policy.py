"""The committee's policies: how many judges must accept an example for it to be kept."""

from __future__ import annotations

from enum import StrEnum


class Policy(StrEnum):
    UNANIMOUS = "unanimous"  # every judge accepts (the paper's strict filter)
    MAJORITY = "majority"  # more than half the judges accept
    ANY = "any"  # one judge accepting is enough (the paper's relaxed ablation)
