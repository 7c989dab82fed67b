"""The committee's decision on an example, under a policy, from each judge's acceptance.

A judge accepts an example when it accepts every criterion; a judge with no usable
answer counts as not accepting. Asking the judges in committee order and only while
an answer can still change the decision gives the same decisions with fewer calls.
"""

from __future__ import annotations

from typing import Callable, Iterable

from lbi.method.policy import Policy
from lbi.prompts.judge import Verdict
from lbi.prompts.parsing import ParseFailure


def judge_accepts(answer: Iterable[Verdict] | ParseFailure) -> bool:
    """One judge's answer: accepted on every criterion (an answer that broke the contract is not)."""
    return not isinstance(answer, ParseFailure) and all(verdict.accept for verdict in answer)


def accepts(policy: str, committee: list[str], acceptance: dict[str, bool]) -> bool:
    """The decision; a judge missing from ``acceptance`` (no usable verdict) counts as not accepting."""
    votes = [acceptance.get(name, False) for name in committee]
    match Policy(policy):
        case Policy.UNANIMOUS:
            return all(votes)
        case Policy.MAJORITY:
            return sum(votes) * 2 > len(votes)
        case Policy.ANY:
            return any(votes)


def decision_settled(policy: str, committee: list[str], known: dict[str, bool]) -> bool:
    """True when whatever the judges not in ``known`` would answer, the decision stays the same."""
    everyone_else_accepts = {**known, **{name: True for name in committee if name not in known}}
    return accepts(policy, committee, everyone_else_accepts) == accepts(policy, committee, known)


def poll(policy: str, committee: list[str], known: dict[str, bool], ask: Callable[[str], bool], *,
         ask_all: bool) -> dict[str, bool]:
    """Ask each judge not in ``known`` (in committee order) whether it accepts; unless ``ask_all``,
    stop as soon as the decision is settled. Returns every acceptance known afterwards."""
    known = dict(known)
    for name in committee:
        if name in known:
            continue
        if not ask_all and decision_settled(policy, committee, known):
            break
        known[name] = ask(name)
    return known
