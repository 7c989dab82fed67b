"""The committee's criteria: each judge accepts or rejects an example on each of them.

The description is what the judge prompt says about the criterion; the values
are stored (lbi.verdicts.criterion).
"""

from __future__ import annotations

from enum import StrEnum


class Criterion(StrEnum):
    description: str

    def __new__(cls, value: str, description: str) -> "Criterion":
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    ALIGNED = "aligned", "the trajectory achieves what the instruction asks."
    COHERENT = "coherent", "each action follows from what was observed before it; nothing contradicts."
    NATURAL = "natural", "a person would plausibly ask for this and act this way."
    REASONABLE = "reasonable", "neither over-complicated nor trivial, no going back and forth between states."
