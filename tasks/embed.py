"""Indexing: accepted examples get documents and embeddings.

Vectors are stored per batch of trajectories as soon as the committee has
decided its examples, while other batches are still being judged; an example becomes
searchable only when the indexing stage writes its document, after the judging
gate passed. That stage also indexes whatever was not done while judging.
Idempotent: examples already indexed are skipped.
"""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.retrieval.documents import ExampleDocument
from lbi.retrieval.embedders import embedder_for
from lbi.retrieval.index import index_examples, publish, store_vectors
from lbi.retrieval.store import accepted_among
from tasks.outcome import Outcome, guarded

log = logging.getLogger(__name__)


def store_vectors_early(run_id: int, example_ids: list[int]) -> list[ExampleDocument]:
    """Store the vectors of the accepted examples among ``example_ids``; returns their documents, to be
    written after the judging gate. A failure here costs nothing: the indexing stage does it instead."""
    try:
        rt = runtime.for_run(run_id)
        return store_vectors(rt.engine, embedder_for(rt.settings), example_ids)
    except Exception:  # noqa: BLE001 - the indexing stage indexes these examples itself
        log.warning("storing the vectors of %d examples failed; indexing will do it", len(example_ids),
                    exc_info=True)
        return []


@task(name="index-examples", cache_policy=NONE)
def index_accepted_examples(run_id: int, example_ids: list[int],
                            documents: list[ExampleDocument] | None = None) -> Outcome:
    """Write the documents of the vectors stored while judging, index the rest; returns the accepted
    examples' ids (indexed now or before)."""
    rt = runtime.for_run(run_id)
    engine = rt.engine

    def work() -> list[int]:
        publish(engine, documents or [])
        index_examples(engine, embedder_for(rt.settings), example_ids=example_ids)
        with engine.connect() as conn:
            return accepted_among(conn, example_ids=example_ids)

    return guarded(f"indexing {len(example_ids)} examples of run {run_id}", work)
