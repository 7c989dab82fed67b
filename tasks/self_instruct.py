"""Self-instruct: N tasks proposed per document, spread over its chunks."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.method import questions
from lbi.method.self_instruct import tasks_for_chunk
from lbi.method.stages import Stage
from lbi.prompts.parsing import ParseFailure
from lbi.store import documents, failures, instructions
from tasks.outcome import Outcome, for_units, guarded
from tasks.priority import call_priority


@task(name="self-instruct", cache_policy=NONE)
def propose_tasks(run_id: int, chunk_ids: list[int], per_document: int) -> Outcome:
    """Propose ``per_document`` tasks per document, spread over its chunks; returns the new instructions' ids."""
    return for_units(chunk_ids, lambda chunk_id: propose_from_chunk(run_id, chunk_id, per_document))


def propose_from_chunk(run_id: int, chunk_id: int, per_document: int) -> Outcome:
    rt = runtime.for_run(run_id)
    model = rt.params["generator_model"]

    subject = f"chunk:{chunk_id}"

    def work() -> list[int]:
        with rt.engine.connect() as conn:
            if model in failures.failed_models(conn, stage=Stage.SELF_INSTRUCT, subject=subject,
                                                retries=rt.settings.retry_failed_generations):
                return []
            n = tasks_for_chunk(per_document, *documents.chunk_position(conn, chunk_id=chunk_id))
            if n == 0:
                return []
            text = documents.chunk_text(conn, chunk_id=chunk_id)
        parsed = questions.propose_tasks(rt.client, rt.spec, model=model, start_observation=rt.start_observation(),
                                         chunk=text, n=n, priority=call_priority(Stage.SELF_INSTRUCT, chunk_id))
        with rt.engine.begin() as conn:
            if isinstance(parsed, ParseFailure):
                failures.record_failed_generation(
                    conn, stage=Stage.SELF_INSTRUCT, subject=subject, model=model,
                    reason=parsed.reason, answer=parsed.answer, run_id=run_id,
                )
                return []
            return instructions.add_self_instruct(
                conn, environment_id=rt.spec.id, chunk_id=chunk_id, texts=parsed, run_id=run_id
            )

    return guarded(f"chunk {chunk_id}", work)
