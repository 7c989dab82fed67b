"""Backward construction's spans: every contiguous span of a clean trajectory, each to be
relabeled once per kind of instruction.

A trajectory of n clean steps is o0 a1 o1 ... an on; the span (i, j), 0 <= i < j <= n,
runs from observation i to observation j: it starts from o_i and takes steps i+1..j.
There are n(n+1)/2 spans (fewer under a cap on their length).
"""

from __future__ import annotations

from typing import NamedTuple, Sequence, TypeVar

from lbi.method.kinds import InstructionKind

T = TypeVar("T")


class Span(NamedTuple):
    start: int  # observation index the span starts from
    end: int  # observation index it ends at

    @property
    def length(self) -> int:
        """The number of steps the span takes."""
        return self.end - self.start

    def steps_of(self, steps: Sequence[T]) -> list[T]:
        """The span's steps out of the trajectory's clean steps (step k is ``steps[k - 1]``)."""
        return list(steps[self.start:self.end])


def spans(n: int, max_length: int | None = None) -> list[Span]:
    """Every span of a trajectory of ``n`` clean steps, at most ``max_length`` steps long
    (None: no cap); by start, then by end."""
    longest = max_length or n
    return [Span(i, j) for i in range(n) for j in range(i + 1, min(n, i + longest) + 1)]


def spans_to_label(n: int, max_length: int | None = None) -> list[tuple[Span, InstructionKind]]:
    """Every (span, kind) backward construction writes an instruction for."""
    return [(span, kind) for span in spans(n, max_length) for kind in InstructionKind]
