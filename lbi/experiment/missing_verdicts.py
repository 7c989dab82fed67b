"""The judges a committee decision did not need, asked after the fact, so the stored verdicts can be decided
again under every policy (the strict / majority / relaxed variants).

By default the synthesis asks a judge only while its answer can still change the decision
(lbi.method.committee.poll), so a rejected example usually lacks the later judges' verdicts. Here the
same poll runs with ``ask_all`` over every decided example, through the same request
(lbi.method.questions.judge_example) and the experiment's model client: calls are cached and in the
ledger under the experiment's run, verdicts and broken answers are stored as the synthesis stores them
(under the experiment's run). The decision itself (``examples.status``) is not touched; and since a
missing judge is one whose answer could not change it, a later synthesis under the same policy decides
as before.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from lbi.envs.base import EnvSpec
from lbi.method import committee as decision
from lbi.method import questions
from lbi.method.policy import Policy
from lbi.method.stages import Stage
from lbi.models.client import ModelClient
from lbi.prompts.judge import Verdict
from lbi.prompts.parsing import ParseFailure
from lbi.store import examples, failures, trajectories


def ask_missing_judges(engine: sa.Engine, client: ModelClient, spec: EnvSpec, *, committee: list[str],
                       run_id: int) -> int:
    """Ask every committee member that has neither a verdict nor a standing broken answer on a decided
    example of the environment; returns how many judges were asked."""
    with engine.connect() as conn:
        trajectory_ids = list(conn.execute(sa.text("""
            SELECT DISTINCT e.trajectory_id FROM lbi.examples e JOIN lbi.trajectories t ON t.id = e.trajectory_id
            WHERE t.environment_id = :env AND e.status <> 'pending' ORDER BY 1
        """), {"env": spec.id}).scalars())
    with ThreadPoolExecutor(max_workers=client.concurrency) as pool:
        return sum(pool.map(lambda t: _complete_trajectory(engine, client, spec, committee, run_id, t),
                            trajectory_ids))


def _complete_trajectory(engine: sa.Engine, client: ModelClient, spec: EnvSpec, committee: list[str], run_id: int,
                         trajectory_id: int) -> int:
    with engine.connect() as conn:
        trajectory = trajectories.load(conn, trajectory_id=trajectory_id)
        decided = [e for e in examples.to_judge(conn, trajectory_id=trajectory_id) if e.status != "pending"]
    asked = 0
    for example in decided:
        known = {name: False for name in example.failed}
        known.update({name: name in example.accepted_by for name in example.judged})
        if set(committee) <= set(known):
            continue
        start, turns = trajectory.span(example.start_step, example.end_step)
        answers: dict[str, list[Verdict] | ParseFailure] = {}

        def ask(name: str) -> bool:
            answers[name] = questions.judge_example(client, spec, model=name, instruction=example.instruction,
                                                    start_observation=start, turns=turns)
            return decision.judge_accepts(answers[name])

        try:
            decision.poll(Policy.UNANIMOUS, committee, known, ask, ask_all=True)
        finally:  # what was answered is kept, even when the budget ran out on a later judge
            _store_answers(engine, example.id, answers, run_id)
        asked += len(answers)
    return asked


def _store_answers(engine: sa.Engine, example_id: int, answers: dict[str, list[Verdict] | ParseFailure],
                   run_id: int) -> None:
    with engine.begin() as conn:
        for name, parsed in answers.items():
            if isinstance(parsed, ParseFailure):
                failures.record_failed_generation(conn, stage=Stage.JUDGE, subject=f"example:{example_id}",
                                                  model=name, reason=parsed.reason, answer=parsed.answer,
                                                  run_id=run_id)
            else:
                examples.add_verdicts(conn, run_id=run_id, verdicts=[
                    (example_id, name, v.criterion, v.accept, v.rationale) for v in parsed])
