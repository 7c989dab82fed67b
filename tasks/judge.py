"""Committee filter: judges rate each example on every criterion, in committee order; the policy
decides (lbi.method.committee). A judge is asked only while its answer can still change the
decision, unless the run asks them all."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.method import committee as decision
from lbi.method import questions
from lbi.method.stages import Stage
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.judge import Verdict
from lbi.store import examples, failures, trajectories
from tasks.embed import EarlyVectors
from tasks.outcome import Outcome, for_each, for_units, guarded
from tasks.priority import call_priority

Answer = list[Verdict] | ParseFailure


@task(name="committee-filter", cache_policy=NONE)
def judge_trajectory_examples(run_id: int, trajectory_ids: list[int]) -> Outcome:
    """Judge the examples of each trajectory of the batch; returns the ids of those decided, the documents
    of the accepted ones whose vectors were stored as they were decided, and the decided ones left to store."""
    vectors = EarlyVectors(run_id)

    def unit(trajectory_id: int) -> Outcome:
        judged = judge_trajectory(run_id, trajectory_id)
        vectors.add(judged.ids)
        return judged

    outcome = for_units(trajectory_ids, unit)
    outcome.unpublished, outcome.unembedded = vectors.finish()
    return outcome


def judge_trajectory(run_id: int, trajectory_id: int) -> Outcome:
    """Ask the committee about each example of the trajectory, then store every verdict and decision
    of the trajectory in one transaction (a unit cut short stores nothing; its paid answers stay in
    the ledger and a rerun is served them from it)."""
    rt = runtime.for_run(run_id)
    committee: list[str] = rt.params["committee"]
    policy: str = rt.params["committee_policy"]
    ask_all: bool = rt.params.get("committee_ask_all", True)  # runs recorded before the setting asked all
    with rt.engine.connect() as conn:
        trajectory = trajectories.load(conn, trajectory_id=trajectory_id)
        todo = examples.to_judge(conn, trajectory_id=trajectory_id, retries=rt.settings.retry_failed_generations)
    judged: list[tuple[int, dict[str, Answer], bool]] = []  # example, new answers by judge, accepted

    def work(example) -> list[int]:  # noqa: ANN001 - a row of examples.to_judge
        known = {name: False for name in example.failed}  # an answer that broke the contract: not accepting
        stored = {name: name in example.accepted_by for name in example.judged}
        known.update(stored)
        start, turns = trajectory.span(example.start_step, example.end_step)
        answers: dict[str, Answer] = {}

        def ask(name: str) -> bool:
            answers[name] = questions.judge_example(
                rt.client, rt.spec, model=name, instruction=example.instruction, start_observation=start,
                turns=turns, priority=call_priority(Stage.JUDGE, trajectory_id))
            return decision.judge_accepts(answers[name])

        decision.poll(policy, committee, known, ask, ask_all=ask_all)
        acceptance = {**stored, **{name: decision.judge_accepts(answer) for name, answer in answers.items()
                                   if not isinstance(answer, ParseFailure)}}  # judges whose verdicts are stored
        judged.append((example.id, answers, decision.accepts(policy, committee, acceptance)))
        return []

    asked = for_each(todo, work, subject=lambda e: f"example {e.id}", workers=rt.client.concurrency)

    def store() -> list[int]:
        verdicts = [(example_id, name, v.criterion, v.accept, v.rationale)
                    for example_id, answers, _ in judged for name, parsed in answers.items()
                    if not isinstance(parsed, ParseFailure) for v in parsed]
        decisions = [(example_id, "accepted" if accepted else "rejected") for example_id, _, accepted in judged]
        with rt.engine.begin() as conn:  # verdicts and decisions (under this run's policy), together
            for example_id, answers, _ in judged:
                for name, parsed in answers.items():
                    if isinstance(parsed, ParseFailure):
                        failures.record_failed_generation(
                            conn, stage=Stage.JUDGE, subject=f"example:{example_id}", model=name,
                            reason=parsed.reason, answer=parsed.answer, run_id=run_id,
                        )
            examples.add_verdicts(conn, verdicts=verdicts, run_id=run_id)
            examples.decide(conn, decisions=decisions, policy=policy, run_id=run_id)
        return [example_id for example_id, _, _ in judged]

    return Outcome.merge([asked, guarded(f"verdicts of trajectory {trajectory_id}", store)])
