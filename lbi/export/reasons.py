"""How exported targets get their REASON line (the actor's own was written for the task it was given, not for
the instruction the span was relabeled with)."""

from __future__ import annotations

from enum import StrEnum


class Reasons(StrEnum):
    OMIT = "omit"  # targets are the action alone
    REGENERATE = "regenerate"  # a reason written for the relabeled instruction by the reason role
