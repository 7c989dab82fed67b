"""Algorithm 2 as the acting loop's hook: observation-based plus model-based examples, the query in the ledger."""

from __future__ import annotations

import json

import sqlalchemy as sa

from lbi.envs import registry
from lbi.models.client import ModelClient
from lbi.retrieval.agentic import AgenticRetrieval
from lbi.retrieval.index import index_examples
from lbi.retrieval.retriever import ExampleRetriever
from tests.retrieval.seeding import CHINOOK, Seed, seed_examples, seed_run
from tests.retrieval.test_search import NEAR_MISSES, TARGET

TASK = "Which albums did AC/DC record?"


def _retrieval(store: sa.Engine, embedder, offline_model: str, m1: int, m2: int) -> tuple[AgenticRetrieval, int]:
    run_id = seed_run(store, model_base_url=offline_model)
    ids = seed_examples(store, run_id, [TARGET, *NEAR_MISSES, Seed("List every genre.", ("SELECT Name FROM Genre",))])
    index_examples(store, embedder, example_ids=ids)
    client = ModelClient(engine=store, base_url=offline_model, api_key="offline", run_id=run_id)
    retrieval = AgenticRetrieval(ExampleRetriever(store, embedder, CHINOOK), client=client, model="offline-actor",
                                 spec=registry.spec(CHINOOK), m1=m1, m2=m2)
    return retrieval, run_id


def test_each_step_gets_m1_by_observation_and_m2_by_the_models_query_without_duplicates(
        store: sa.Engine, embedder, offline_model: str) -> None:
    retrieval, run_id = _retrieval(store, embedder, offline_model, m1=2, m2=3)
    with registry.make(CHINOOK) as env:
        observation = env.reset().text
    references = retrieval.references_for(TASK, [], observation)
    log = retrieval.log
    assert (log.observation_hits, log.model_hits) == (2, 3)
    assert len(set(log.example_ids)) == 5, "the model-based side excludes what the observation side found"
    assert references.count("<example ") == 5 and "</example 5>" in references
    assert "AC/DC" in references
    with store.connect() as conn:
        calls = conn.execute(sa.text(
            "SELECT role, model, status, request, response_text FROM lbi.llm_calls WHERE run_id = :r"),
            {"r": run_id}).mappings().all()
    assert [(c["role"], c["model"], c["status"]) for c in calls] == [("query_writer", "offline-actor", "ok")]
    assert TASK in json.dumps(calls[0]["request"]) and log.queries == [json.loads(calls[0]["response_text"])["query"]]


def test_each_side_can_be_turned_off(store: sa.Engine, embedder, offline_model: str) -> None:
    retrieval, run_id = _retrieval(store, embedder, offline_model, m1=0, m2=4)
    retrieval.references_for(TASK, [], "Title\nHighway to Hell\n(1 row)")
    assert (retrieval.log.observation_hits, retrieval.log.model_hits) == (0, 4)

    retrieval, run_id = _retrieval(store, embedder, offline_model, m1=3, m2=0)
    references = retrieval.references_for(TASK, [], "Title\nFor Those About To Rock We Salute You\n(1 row)")
    assert (retrieval.log.observation_hits, retrieval.log.model_hits) == (3, 0)
    assert references.count("<example ") == 3
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lbi.llm_calls WHERE run_id = :r"), {"r": run_id}).scalar() == 0
