"""The repeated-step filter: a step repeating the previous (action, observation) exactly is dropped."""

from __future__ import annotations

from lbi.method.clean_steps import clean_steps, repeats_previous
from lbi.prompts.render import Turn

A, B = Turn("SELECT 1", "1"), Turn("SELECT 2", "2")


def test_a_step_repeating_the_one_before_it_is_dropped_however_often_it_repeats() -> None:
    steps = [A, A, A, B, A]
    assert repeats_previous(steps) == [False, True, True, False, False]
    assert clean_steps(steps) == [A, B, A]


def test_the_same_action_with_another_observation_is_kept_and_so_is_the_same_observation() -> None:
    changed = Turn(A.action, "2")  # the environment changed
    same_result = Turn("SELECT 1 + 0", A.observation)  # another action
    assert clean_steps([A, changed, same_result]) == [A, changed, same_result]


def test_nothing_to_filter() -> None:
    assert clean_steps([]) == [] and repeats_previous([]) == []
    assert clean_steps([A]) == [A]
