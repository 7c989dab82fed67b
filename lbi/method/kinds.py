"""The two kinds of instruction backward construction writes for every span (the paper's)."""

from __future__ import annotations

from enum import StrEnum

from lbi.method.roles import Role


class InstructionKind(StrEnum):
    TASK = "task"  # what task the span completes
    REPLICATE = "replicate"  # a summary of each step, then an instruction to replicate them

    @property
    def role(self) -> Role:
        """The model role that writes this kind (its template and its output contract)."""
        return Role(f"label_{self}")
