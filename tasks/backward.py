"""Backward construction: every span of a trajectory's clean steps relabeled, once per kind
(lbi.method.spans); steps repeating the previous one were marked at rollout."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.method import questions
from lbi.method.kinds import InstructionKind
from lbi.method.spans import Span, spans_to_label
from lbi.method.stages import Stage
from lbi.prompts.parsing import ParseFailure
from lbi.store import examples, failures, trajectories
from lbi.store.trajectories import StoredStep
from tasks.outcome import Outcome, for_each, for_units, guarded
from tasks.priority import call_priority


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
        failed = failures.failed_subjects(conn, stage=Stage.BACKWARD, subject_prefix=f"trajectory:{trajectory_id}:",
                                          retries=rt.settings.retry_failed_generations)
        clean = trajectory.clean_steps
        stored_as = {job: _numbered(*job, clean) for job in spans_to_label(len(clean), max_span_steps)}
        keys = examples.span_keys(conn, trajectory_id=trajectory_id,
                                  spans=[numbered for numbered in stored_as.values() if numbered not in done])
    ours = rt.content_claims.claim((k.key for k in keys.values() if not k.taken), trajectory_id)
    repeated = {numbered for numbered, k in keys.items() if k.key not in ours}  # another trajectory's content

    labels: list[examples.Label] = []  # answered by the model, written together once every span is done
    broken: list[tuple[str, ParseFailure]] = []

    def work(job: tuple[Span, InstructionKind]) -> list[int]:
        first, last, kind = stored_as[job]
        if (first, last, kind) in done:
            return [done[(first, last, kind)]]
        if (first, last, kind) in repeated:
            return []
        subject = f"trajectory:{trajectory_id}:{first}-{last}:{kind}"
        if (subject, model) in failed:
            return []
        start, turns = trajectory.span(first, last)
        parsed = questions.write_instruction(rt.client, rt.spec, model=model, kind=kind, start_observation=start,
                                             turns=turns, priority=call_priority(Stage.BACKWARD, trajectory_id))
        if isinstance(parsed, ParseFailure):
            broken.append((subject, parsed))
        else:
            labels.append(examples.Label(first, last, kind, parsed.instruction, parsed.summary))
        return []

    labeled = for_each(list(stored_as), work,
                       subject=lambda job: f"trajectory {trajectory_id} span {job[0].start}..{job[0].end} {job[1]}",
                       workers=rt.client.concurrency)
    labels.sort(key=lambda label: (label.start_step, label.end_step, label.kind))
    stored = guarded(f"trajectory {trajectory_id}'s labels", lambda: _store(run_id, trajectory.environment_id,
                                                                              trajectory_id, model, labels, broken))
    return Outcome.merge([labeled, stored])


def _numbered(span: Span, kind: InstructionKind, clean: list[StoredStep]) -> tuple[int, int, str]:
    """(first step, last step, kind): a span as stored, by step number (repeated steps counted)."""
    steps = span.steps_of(clean)
    return steps[0].idx, steps[-1].idx, kind


def _store(run_id: int, environment_id: str, trajectory_id: int, model: str, labels: list[examples.Label],
           broken: list[tuple[str, ParseFailure]]) -> list[int]:
    """The trajectory's new examples and broken answers, in one transaction."""
    with runtime.for_run(run_id).engine.begin() as conn:
        for subject, failure in broken:
            failures.record_failed_generation(conn, stage=Stage.BACKWARD, subject=subject, model=model,
                                              reason=failure.reason, answer=failure.answer, run_id=run_id)
        return examples.add_examples(conn, environment_id=environment_id, trajectory_id=trajectory_id,
                                     run_id=run_id, labels=labels)
