"""Committee filter: judges rate each example on four criteria, in committee order; the policy decides.

A judge is asked only while its answer can still change the decision (under the
unanimous policy, a first rejection settles it), unless the run asks them all.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from lbi.method.roles import Role
from lbi import runtime
from lbi.prompts import judge
from lbi.prompts.parsing import ParseFailure
from lbi.store import examples, failures, trajectories
from tasks.embed import store_vectors_early
from tasks.outcome import Outcome, for_each, for_units
from tasks.priority import call_priority


def committee_accepts(policy: str, committee: list[str], acceptance: dict[str, bool]) -> bool:
    """A judge missing from ``acceptance`` (no usable verdict) counts as not accepting."""
    votes = [acceptance.get(name, False) for name in committee]
    if policy == "unanimous":
        return all(votes)
    if policy == "majority":
        return sum(votes) * 2 > len(votes)
    if policy == "any":
        return any(votes)
    raise ValueError(f"unknown committee policy {policy!r} (unanimous, majority or any)")


def decision_settled(policy: str, committee: list[str], known: dict[str, bool]) -> bool:
    """True when whatever the judges not in ``known`` would answer, the decision stays the same."""
    everyone_else_accepts = {**known, **{name: True for name in committee if name not in known}}
    return committee_accepts(policy, committee, everyone_else_accepts) == committee_accepts(policy, committee, known)


@task(name="committee-filter", cache_policy=NONE)
def judge_trajectory_examples(run_id: int, trajectory_ids: list[int]) -> Outcome:
    """Judge the examples of each trajectory of the batch; returns the ids of those decided, and the
    documents of the accepted ones, whose vectors are stored now, while other batches are judged."""
    outcome = for_units(trajectory_ids, lambda trajectory_id: judge_trajectory(run_id, trajectory_id))
    outcome.unpublished = store_vectors_early(run_id, outcome.ids)
    return outcome


def judge_trajectory(run_id: int, trajectory_id: int) -> Outcome:
    rt = runtime.for_run(run_id)
    committee: list[str] = rt.params["committee"]
    policy: str = rt.params["committee_policy"]
    ask_all: bool = rt.params.get("committee_ask_all", True)  # runs recorded before the setting asked all
    with rt.engine.connect() as conn:
        trajectory = trajectories.load(conn, trajectory_id=trajectory_id)
        todo = examples.to_judge(conn, trajectory_id=trajectory_id)

    def work(example) -> list[int]:  # noqa: ANN001 - a row of examples.to_judge
        known = {name: False for name in example.failed}
        known.update({name: name in example.accepted_by for name in example.judged})
        answers = {}
        if any(name not in known for name in committee):
            start, turns = trajectory.span(example.start_step, example.end_step)
            messages = judge.build(rt.spec, example.instruction, start, turns)
        for name in committee:
            if name in known or (not ask_all and decision_settled(policy, committee, known)):
                continue
            answers[name] = parsed = rt.client.complete(
                role=Role.JUDGE, family=rt.spec.family, model=name, messages=messages, parse=judge.parse,
                priority=call_priority("judge", trajectory_id)).parsed
            known[name] = not isinstance(parsed, ParseFailure) and all(verdict.accept for verdict in parsed)
        with rt.engine.begin() as conn:  # the verdicts and the decision (under this run's policy), together
            for name, parsed in answers.items():
                if isinstance(parsed, ParseFailure):
                    failures.record_failed_generation(
                        conn, stage="judge", subject=f"example:{example.id}", model=name,
                        reason=parsed.reason, answer=parsed.answer, run_id=run_id,
                    )
                else:
                    examples.add_verdicts(
                        conn, example_id=example.id, judge=name,
                        verdicts=[(v.criterion, v.accept, v.rationale) for v in parsed], run_id=run_id,
                    )
            accepted = committee_accepts(policy, committee, examples.judge_acceptance(conn, example_id=example.id))
            examples.decide(conn, example_id=example.id, status="accepted" if accepted else "rejected", policy=policy)
        return [example.id]

    return for_each(todo, work, subject=lambda e: f"example {e.id}", workers=rt.client.concurrency)
