"""Indexing: accepted examples get documents and embeddings.

Vectors are stored per batch of trajectories as soon as the committee has
decided its examples, while other batches are still being judged; an example becomes
searchable only when its document is written, which commits only once the judging
gate passed: the documents are written while the gate runs, in a transaction that
waits for its verdict. The indexing stage indexes whatever was not done before.
Idempotent: examples already indexed are skipped.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, TypeVar

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.retrieval.documents import ExampleDocument
from lbi.retrieval.embedders import embedder_for
from lbi.retrieval.index import index_examples, publish, store_vectors
from lbi.retrieval.store import accepted_among, save_documents
from tasks.outcome import Outcome, guarded

log = logging.getLogger(__name__)
T = TypeVar("T")


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


def publish_beside(run_id: int, documents: list[ExampleDocument], gate: Callable[[], T]) -> tuple[T, bool]:
    """``gate()``'s result, with ``documents`` written meanwhile in a transaction of their own that commits
    only once ``gate`` has returned: their examples become searchable only if it passes, and writing
    them (their full-text vectors and index entries, ~0.27 s for 1,335 examples) no longer waits for it.
    The second value says whether they were published; if writing them failed, the indexing stage
    writes them instead."""
    verdict = threading.Event()
    passed, published = [False], [False]

    def write() -> None:
        try:
            with runtime.for_run(run_id).engine.connect() as conn, conn.begin() as transaction:
                save_documents(conn, documents)
                verdict.wait()
                if not passed[0]:
                    transaction.rollback()
            published[0] = passed[0]
        except Exception:  # noqa: BLE001 - the indexing stage writes them itself
            log.warning("writing %d documents beside the judging gate failed; indexing will do it",
                        len(documents), exc_info=True)

    writer = threading.Thread(target=write, name="publish-beside-gate")
    writer.start()
    try:
        result = gate()
        passed[0] = True
    finally:
        verdict.set()
        writer.join()
    return result, published[0]


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
