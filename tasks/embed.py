"""Indexing: accepted examples get documents and embeddings.

Vectors are stored a few dozen decided examples at a time as the committee
decides them, while other trajectories are still being judged, and the last few
beside the judging gate; an example becomes searchable only when its document is
written, which commits only once the judging gate passed (tasks/publication.py).
The indexing stage indexes whatever was not done before. Idempotent: examples
already indexed are skipped.
"""

from __future__ import annotations

import logging
import threading

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


class EarlyVectors:
    """A judging batch's vectors, stored ``group`` decided examples at a time as its trajectories are
    judged; the last few are left to be stored beside the judging gate (``publish_beside``). Storing a
    batch's vectors at its end put their embedding and index inserts (0.6-1.5 s at C = 64 for a whole
    batch, ~0.2-0.45 s for its last group) between the run's last answer and its judging gate."""

    def __init__(self, run_id: int, group: int = 32) -> None:
        self._run_id, self._group = run_id, group
        self._lock = threading.Lock()
        self._waiting: list[int] = []
        self._documents: list[ExampleDocument] = []

    def add(self, example_ids: list[int]) -> None:
        """Examples a trajectory's judging decided (the accepted ones among them get vectors)."""
        with self._lock:
            self._waiting.extend(example_ids)
            if len(self._waiting) < self._group:
                return
            ids, self._waiting = self._waiting, []
        documents = store_vectors_early(self._run_id, ids)
        with self._lock:
            self._documents.extend(documents)

    def finish(self) -> tuple[list[ExampleDocument], list[int]]:
        """The documents of every vector stored, to be published, and the decided examples whose
        vectors are not stored yet."""
        with self._lock:
            return list(self._documents), list(self._waiting)


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
