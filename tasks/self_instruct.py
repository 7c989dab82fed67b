"""Self-instruct: N tasks proposed per document, spread over its chunks."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.method import questions
from lbi.method.self_instruct import tasks_for_chunk
from lbi.method.stages import Stage
from lbi.prompts.parsing import ParseFailure
from lbi.progress import id_range
from lbi.store import documents, failures, instructions
from lbi.store.documents import ChunkToPropose
from tasks.outcome import Outcome, for_units, guarded, guarded_read
from tasks.priority import call_priority


@task(name="self-instruct", cache_policy=NONE)
def propose_tasks(run_id: int, chunk_ids: list[int], per_document: int) -> Outcome:
    """Propose ``per_document`` tasks per document, spread over its chunks; returns the new instructions' ids.
    The batch's chunks, and the models whose answers for them broke the contract, are read once."""
    rt = runtime.for_run(run_id)

    def read() -> tuple[dict[int, ChunkToPropose], dict[str, set[str]]]:
        with rt.engine.connect() as conn:
            return (documents.chunks_to_propose(conn, chunk_ids=chunk_ids),
                    failures.failed_models(conn, stage=Stage.SELF_INSTRUCT, subjects=[_subject(c) for c in chunk_ids],
                                           retries=rt.settings.retry_failed_generations))

    found = guarded_read(f"chunks {id_range(chunk_ids)}", read)
    if isinstance(found, Outcome):
        return found
    chunks, failed = found
    return for_units(chunk_ids, lambda chunk_id: propose_from_chunk(
        run_id, chunk_id, chunks.get(chunk_id), failed.get(_subject(chunk_id), set()), per_document))


def propose_from_chunk(run_id: int, chunk_id: int, chunk: ChunkToPropose | None, failed_models: set[str],
                       per_document: int) -> Outcome:
    rt = runtime.for_run(run_id)
    model = rt.params["generator_model"]
    subject = _subject(chunk_id)

    def work() -> list[int]:
        if chunk is None:
            raise LookupError(f"no chunk {chunk_id} in the store")
        if model in failed_models:
            return []
        n = tasks_for_chunk(per_document, chunk.index, chunk.of)
        if n == 0:
            return []
        parsed = questions.propose_tasks(rt.client, rt.spec, model=model, start_observation=rt.start_observation(),
                                         chunk=chunk.text, n=n, priority=call_priority(Stage.SELF_INSTRUCT, chunk_id))
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


def _subject(chunk_id: int) -> str:
    return f"chunk:{chunk_id}"
