"""The dense side's retry (when the graph has missed) ranks the scope's binary-quantized vectors by Hamming
distance, read from the scope's index alone, and re-ranks the nearest by cosine: the same nearest as an
exact search, for an environment's examples and an experiment's corpus alike, also in a store that held
vectors before migration 0012 added their bits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from lbi.retrieval import search
from lbi.retrieval.corpus import CorpusItem, save_items
from lbi.retrieval.queries import CORPUS, EXAMPLES, Searched
from lbi.store import embedded
from lbi.store.migrate import migrate
from tests.older_store import later_migrations, older_store
from tests.retrieval.seeding import CHINOOK, bare_examples, index_made_up, seed_environments

EMBEDDER, GROUPS, MEMBERS, K = "made-up", 50, 30, 10  # more vectors than the retry's shortlist
INDEX = {EXAMPLES: "embeddings_environment", CORPUS: "corpus_items_corpus"}


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _grouped() -> tuple[np.ndarray, np.ndarray]:
    """GROUPS tight groups of MEMBERS vectors, and per group a query less similar to its members than
    search.RETRY_BELOW (so the dense side retries) and unrelated to every other group."""
    rng = np.random.default_rng(17)
    centres = _unit(rng.normal(size=(GROUPS, 384)))
    vectors = _unit(np.repeat(centres, MEMBERS, axis=0) + rng.normal(0, 0.015, size=(GROUPS * MEMBERS, 384)))
    queries = _unit(0.45 * centres + 0.89 * _unit(rng.normal(size=(GROUPS, 384))))
    return vectors, queries


def _store(engine: sa.Engine, vectors: np.ndarray, run_id: int | None = None) -> int:
    """The vectors as the environment's examples (made by ``run_id``, by default a new run) and as an
    experiment's corpus; returns the corpus's id."""
    ids = bare_examples(engine, len(vectors), environment_id=CHINOOK, run_id=run_id)
    with engine.begin() as conn:
        index_made_up(conn, ids, vectors, embedder=EMBEDDER, instructions=[f"item {n}" for n in range(len(ids))])
        experiment = conn.execute(sa.text("INSERT INTO lbi.experiments (environment_id, task_set, task_set_hash)"
                                          " VALUES (:env, 'held-out', 'h') RETURNING id"), {"env": CHINOOK}).scalar()
        corpus_id = conn.execute(sa.text(
            "INSERT INTO lbi.experiment_corpora (experiment_id, name, kind, members_hash)"
            " VALUES (:x, 'all', 'examples', 'h') RETURNING id"), {"x": experiment}).scalar()
        save_items(conn, corpus_id=corpus_id, embedder=EMBEDDER, vectors=vectors,
                   items=[CorpusItem(f"item {n}", "", "", "") for n in range(len(ids))])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("lbi.embeddings", "lbi.example_documents", "lbi.corpus_items"):
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))  # the visibility map lets the index answer alone
    return corpus_id


def _dense_top(engine: sa.Engine, searched: Searched, scope: str | int, query: np.ndarray) -> list[int]:
    """The retried dense side's first K keys, in its order (no word matches, so the fused top K is it)."""
    with engine.begin() as conn:
        hits = search.hybrid(conn, searched, scope=scope, embedder=EMBEDDER, text="no such words", vector=query,
                             k=K)
    return [h.example_id for h in sorted(hits, key=lambda h: h.dense_rank)]


def _scopes(engine: sa.Engine, corpus_id: int) -> dict[Searched, tuple[str | int, list[int]]]:
    """Per searched table: the scope and the keys of the stored vectors, in the order stored."""
    with engine.connect() as conn:
        examples = conn.execute(sa.text("SELECT example_id FROM lbi.embeddings WHERE embedder = :e"
                                        " ORDER BY example_id"), {"e": EMBEDDER}).scalars().all()
        items = conn.execute(sa.text("SELECT id FROM lbi.corpus_items WHERE corpus_id = :c ORDER BY id"),
                             {"c": corpus_id}).scalars().all()
    return {EXAMPLES: (CHINOOK, examples), CORPUS: (corpus_id, items)}


def _exact(vectors: np.ndarray, query: np.ndarray, keys: list[int]) -> list[int]:
    return [keys[n] for n in np.argsort(-(vectors @ query), kind="stable")[:K]]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.mark.parametrize("searched", [EXAMPLES, CORPUS], ids=["examples", "corpus"])
def test_the_retry_reads_the_quantized_vectors_from_the_index(store: sa.Engine, searched: Searched) -> None:
    vectors, queries = _grouped()
    scope, keys = _scopes(store, _store(store, vectors))[searched]
    plans: list[dict] = []
    with store.connect() as conn:
        for setting in ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                        "SET auto_explain.log_analyze = on", "SET auto_explain.log_level = 'notice'",
                        "SET auto_explain.log_format = 'json'"):
            conn.execute(sa.text(setting))
        conn.commit()
        conn.connection.driver_connection.add_notice_handler(
            lambda notice: "plan:" in notice.message_primary and plans.append(
                json.loads(notice.message_primary.split("plan:", 1)[1])))
        with conn.begin():
            hits = search.hybrid(conn, searched, scope=scope, embedder=EMBEDDER, text="no such words",
                                 vector=queries[0], k=K)
    assert sorted(h.example_id for h in hits) == sorted(_exact(vectors, queries[0], keys))
    [plan] = [p["Plan"] for p in plans if "graph_missed" in p["Query Text"]]
    [shortlist] = [n for n in _nodes(plan) if n.get("Subplan Name") == "CTE shortlist"]
    assert shortlist["Actual Rows"] == search.SHORTLIST < len(vectors), "the control: the retry ran, on a shortlist"
    [read] = [n for n in _nodes(shortlist) if n.get("Relation Name") == searched.vectors.split(".")[1]]
    assert (read["Node Type"], read["Index Name"], read["Heap Fetches"]) == ("Index Only Scan", INDEX[searched], 0)
    assert read["Actual Rows"] == len(vectors)
    [exact] = [n for n in _nodes(plan) if n.get("Subplan Name") == "CTE exact"]
    [ranked] = [n["Plans"][0] for n in _nodes(exact) if n["Node Type"] == "Sort"]
    assert ranked["Actual Rows"] == search.SHORTLIST, "cosine distances computed for the shortlist only"


def test_the_retry_finds_the_nearest_in_a_store_migrated_with_its_vectors(
        pg_info: embedded.PostmasterInfo, tmp_path: Path) -> None:
    """A store migrated up to 0011, holding vectors, then migrated to the latest: the bits are filled, and
    the retry finds the exact nearest of every query in both tables."""
    with older_store(pg_info, tmp_path, before=12) as engine:
        vectors, queries = _grouped()
        with engine.begin() as conn:
            seed_environments(conn)
            old_run = conn.execute(sa.text("INSERT INTO lbi.runs (flow, environment_id) VALUES ('synthesize', :env)"
                                           " RETURNING id"), {"env": CHINOOK}).scalar_one()  # as 0011 made runs
        corpus_id = _store(engine, vectors, old_run)
        assert migrate(engine) == later_migrations(12)
        with engine.connect() as conn:
            for table in ("lbi.embeddings", "lbi.corpus_items"):
                assert conn.execute(sa.text(f"SELECT count(*) FROM {table}"
                                            " WHERE embedding_bits = binary_quantize(embedding)")).scalar() \
                    == len(vectors), table
            assert conn.execute(sa.text("SELECT to_regproc('lbi.rare_words_query')")).scalar() is None
        for searched, (scope, keys) in _scopes(engine, corpus_id).items():
            for query in queries:
                assert _dense_top(engine, searched, scope, query) == _exact(vectors, query, keys)
