"""The indexing stage as the synthesize flow runs it: a Prefect task over a run's decided example ids."""

from __future__ import annotations

import sqlalchemy as sa

from lbi import runtime
from tasks.embed import index_accepted_examples
from tests.retrieval.seeding import Seed, seed_examples, seed_run
from tests.retrieval.test_search import NEAR_MISSES, TARGET


def test_the_stage_indexes_accepted_examples_once(store: sa.Engine, lbi_env, embedder) -> None:
    run_id = seed_run(store, model_base_url=lbi_env["LBI_MODEL_BASE_URL"])
    seeds = [TARGET, *NEAR_MISSES[:2], Seed("Count the albums.", ("SELECT count(*) FROM Album",), status="rejected")]
    ids = seed_examples(store, run_id, seeds)
    try:
        first = index_accepted_examples.fn(run_id, ids)
        with store.connect() as conn:
            rows = conn.execute(sa.text("SELECT example_id, created_at FROM lbi.embeddings ORDER BY 1")).all()
        second = index_accepted_examples.fn(run_id, ids)
        with store.connect() as conn:
            again = conn.execute(sa.text("SELECT example_id, created_at FROM lbi.embeddings ORDER BY 1")).all()
    finally:
        runtime.release(run_id)
    assert first.ids == second.ids == ids[:3] and not first.failures
    assert [r.example_id for r in rows] == ids[:3]
    assert again == rows, "a second run embeds nothing again"
