"""Indexing: accepted examples get documents and embeddings.

Entries are prepared (embedded) per trajectory as soon as the committee has
decided its examples, while other trajectories are still being judged; the
indexing stage writes them only after the judging gate passed, and embeds
whatever was not prepared. Idempotent: examples already embedded are skipped.
"""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.retrieval.embedders import embedder_for
from lbi.retrieval.index import IndexEntry, index_examples, prepare_entries, write_entries
from lbi.retrieval.store import accepted_among
from tasks.outcome import Outcome, guarded

log = logging.getLogger(__name__)


def prepare_index_entries(run_id: int, example_ids: list[int]) -> list[IndexEntry]:
    """Documents and vectors for the accepted examples among ``example_ids``; nothing is written.
    A failure here costs nothing: the indexing stage embeds what was not prepared."""
    try:
        rt = runtime.for_run(run_id)
        return prepare_entries(rt.engine, embedder_for(rt.settings), example_ids)
    except Exception:  # noqa: BLE001 - the indexing stage embeds these examples itself
        log.warning("preparing index entries for %d examples failed; indexing will embed them", len(example_ids),
                    exc_info=True)
        return []


@task(name="index-examples", cache_policy=NONE)
def index_accepted_examples(run_id: int, example_ids: list[int], prepared: list[IndexEntry] | None = None) -> Outcome:
    """Write the prepared entries, embed the rest; returns the accepted examples' ids (embedded now or before)."""
    rt = runtime.for_run(run_id)
    engine = rt.engine

    def work() -> list[int]:
        write_entries(engine, prepared or [])
        index_examples(engine, embedder_for(rt.settings), example_ids=example_ids)
        with engine.connect() as conn:
            return accepted_among(conn, example_ids=example_ids)

    return guarded(f"indexing {len(example_ids)} examples of run {run_id}", work)
