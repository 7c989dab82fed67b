"""Backward construction's spans: every contiguous span, n(n+1)/2 of them, per kind."""

from __future__ import annotations

import pytest

from lbi.method.kinds import InstructionKind
from lbi.method.spans import Span, spans, spans_to_label


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7])
def test_a_trajectory_of_n_steps_has_n_times_n_plus_one_over_two_spans_each_once(n: int) -> None:
    found = spans(n)
    assert len(found) == len(set(found)) == n * (n + 1) // 2
    assert set(found) == {Span(i, j) for i in range(n + 1) for j in range(n + 1) if i < j}


def test_spans_run_from_one_observation_to_a_later_one_by_start_then_end() -> None:
    assert spans(3) == [Span(0, 1), Span(0, 2), Span(0, 3), Span(1, 2), Span(1, 3), Span(2, 3)]


def test_a_cap_keeps_only_spans_up_to_that_many_steps() -> None:
    assert spans(3, max_length=1) == [Span(0, 1), Span(1, 2), Span(2, 3)]
    assert [s.length for s in spans(5, max_length=2)] == [1, 2] * 4 + [1]
    assert spans(3, max_length=10) == spans(3) == spans(3, max_length=None)


def test_a_span_takes_the_steps_after_its_start_observation_through_its_end() -> None:
    steps = ["a1", "a2", "a3"]
    assert Span(0, 3).steps_of(steps) == steps
    assert Span(1, 2).steps_of(steps) == ["a2"]
    assert Span(1, 3).length == 2


@pytest.mark.parametrize("n", [0, 1, 4])
def test_every_span_is_labeled_once_per_kind(n: int) -> None:
    jobs = spans_to_label(n)
    assert len(jobs) == len(set(jobs)) == n * (n + 1) // 2 * len(InstructionKind)
    for kind in InstructionKind:
        assert [span for span, k in jobs if k == kind] == spans(n)
