"""Indexing stage: the accepted examples among a run's decided ones get documents and embeddings.

Idempotent: examples already embedded with the configured embedder are skipped.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.config import Settings
from lbi.retrieval.embedders import embedder_for
from lbi.retrieval.index import index_examples
from lbi.retrieval.store import accepted_among
from tasks.outcome import Outcome, guarded


@task(name="index-examples", cache_policy=NONE)
def index_accepted_examples(run_id: int, example_ids: list[int]) -> Outcome:
    """Returns the accepted examples' ids (embedded now or before)."""
    engine = runtime.for_run(run_id).engine

    def work() -> list[int]:
        index_examples(engine, embedder_for(Settings()), example_ids=example_ids)
        with engine.connect() as conn:
            return accepted_among(conn, example_ids=example_ids)

    return guarded(f"indexing {len(example_ids)} examples of run {run_id}", work)
