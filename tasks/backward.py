"""Backward construction: every contiguous span of a trajectory relabeled, both kinds.

Steps that repeat the previous (action, observation) exactly are left out
before spans are enumerated, as the paper's filter does.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from lbi.method.roles import Role
from lbi import runtime
from lbi.prompts import label
from lbi.prompts.parsing import ParseFailure
from lbi.store import examples, failures, trajectories
from tasks.outcome import Outcome, for_each, for_units
from tasks.priority import call_priority

Span = tuple[int, int, str]  # (first clean position, last clean position, kind)


def spans(n_clean: int, max_span_steps: int | None) -> list[tuple[int, int]]:
    longest = max_span_steps or n_clean
    return [(i, j) for i in range(n_clean) for j in range(i, min(n_clean, i + longest))]


@task(name="backward-construction", cache_policy=NONE)
def label_spans(run_id: int, trajectory_ids: list[int], max_span_steps: int | None) -> Outcome:
    """Every span of each trajectory of the batch labeled; returns the examples' ids."""
    return for_units(trajectory_ids, lambda trajectory_id: label_trajectory(run_id, trajectory_id, max_span_steps))


def label_trajectory(run_id: int, trajectory_id: int, max_span_steps: int | None) -> Outcome:
    rt = runtime.for_run(run_id)
    model = rt.params["generator_model"]
    with rt.engine.connect() as conn:
        trajectory = trajectories.load(conn, trajectory_id=trajectory_id)
        done = examples.existing_spans(conn, trajectory_id=trajectory_id)
        failed = failures.failed_subjects(conn, stage="backward", subject_prefix=f"trajectory:{trajectory_id}:")
    clean = trajectory.clean_steps
    todo: list[Span] = [(i, j, kind) for i, j in spans(len(clean), max_span_steps) for kind in label.KINDS]

    def work(span: Span) -> list[int]:
        i, j, kind = span
        first, last = clean[i], clean[j]
        if (first.idx, last.idx, kind) in done:
            return [done[(first.idx, last.idx, kind)]]
        subject = f"trajectory:{trajectory_id}:{first.idx}-{last.idx}:{kind}"
        if (subject, model) in failed:
            return []
        start, turns = trajectory.span(first.idx, last.idx)
        answer = rt.client.complete(role=Role(f"label_{kind}"), family=rt.spec.family, model=model, messages=label.build(rt.spec, kind, start, turns),
                                    parse=lambda text: label.parse(text, kind),
                                    priority=call_priority("backward", trajectory_id))
        parsed = answer.parsed
        with rt.engine.begin() as conn:
            if isinstance(parsed, ParseFailure):
                failures.record_failed_generation(
                    conn, stage="backward", subject=subject, model=model, reason=parsed.reason,
                    answer=parsed.answer, run_id=run_id,
                )
                return []
            return [examples.add_example(
                conn, environment_id=trajectory.environment_id, trajectory_id=trajectory_id,
                start_step=first.idx, end_step=last.idx, kind=kind, instruction=parsed.instruction, run_id=run_id,
            )]

    return for_each(todo, work, subject=lambda s: f"trajectory {trajectory_id} span {s}",
                    workers=rt.client.concurrency)

