"""The committee's decision under each policy, and the early decision that asks a judge only
while its answer can still change the decision."""

from __future__ import annotations

from itertools import product

import pytest

from lbi.method.committee import Policy, accepts, decision_settled, judge_accepts, poll
from lbi.prompts.judge import Verdict
from lbi.prompts.parsing import ParseFailure

A, B, C = "judge-a", "judge-b", "judge-c"
COMMITTEE = [A, B, C]


@pytest.mark.parametrize(("policy", "votes", "accepted"), [
    (Policy.UNANIMOUS, (True, True, True), True),
    (Policy.UNANIMOUS, (True, True, False), False),
    (Policy.MAJORITY, (True, True, False), True),
    (Policy.MAJORITY, (True, False, False), False),
    (Policy.ANY, (False, False, True), True),
    (Policy.ANY, (False, False, False), False),
])
def test_the_decision_under_each_policy(policy: Policy, votes: tuple[bool, ...], accepted: bool) -> None:
    assert accepts(policy, COMMITTEE, dict(zip(COMMITTEE, votes))) is accepted


def test_a_judge_without_a_usable_verdict_counts_as_not_accepting() -> None:
    assert not accepts("unanimous", COMMITTEE, {A: True, B: True})
    assert not accepts("majority", [A, B], {A: True})
    assert not judge_accepts(ParseFailure("no JSON object", "prose"))
    assert judge_accepts([Verdict("aligned", True, "r"), Verdict("coherent", True, "r")])
    assert not judge_accepts([Verdict("aligned", True, "r"), Verdict("coherent", False, "r")])


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError):
        accepts("most", COMMITTEE, {})


@pytest.mark.parametrize(("policy", "known", "settled"), [
    ("unanimous", {}, False),
    ("unanimous", {A: False}, True),
    ("any", {A: True}, True),
    ("majority", {A: True, B: True}, True),
    ("majority", {A: True, B: False}, False),
])
def test_a_decision_is_settled_when_no_answer_to_come_can_change_it(policy: str, known: dict[str, bool],
                                                                     settled: bool) -> None:
    assert decision_settled(policy, COMMITTEE, known) is settled


@pytest.mark.parametrize("policy", list(Policy))
@pytest.mark.parametrize("votes", list(product([True, False], repeat=3)))
def test_asking_early_decides_as_asking_all_with_no_more_calls(policy: Policy, votes: tuple[bool, ...]) -> None:
    answers = dict(zip(COMMITTEE, votes))
    asked: dict[bool, list[str]] = {True: [], False: []}
    decisions = {}
    for ask_all in (True, False):
        known = poll(policy, COMMITTEE, {}, lambda name: asked[ask_all].append(name) or answers[name], ask_all=ask_all)
        decisions[ask_all] = accepts(policy, COMMITTEE, known)
    assert decisions[True] == decisions[False] == accepts(policy, COMMITTEE, answers)
    assert asked[True] == COMMITTEE
    assert asked[False] == COMMITTEE[:len(asked[False])], "in committee order"


def test_under_unanimity_a_first_rejection_settles_it_and_known_judges_are_not_asked_again() -> None:
    asked: list[str] = []
    known = poll("unanimous", COMMITTEE, {}, lambda name: asked.append(name) or False, ask_all=False)
    assert asked == [A] and known == {A: False}
    asked.clear()
    known = poll("unanimous", COMMITTEE, {A: True}, lambda name: asked.append(name) or True, ask_all=False)
    assert asked == [B, C] and known == {A: True, B: True, C: True}
