"""Hybrid search starts no parallel workers: its exact scan (the dense side's retry) is planned in every
search though it runs for few, and at 100,000 examples starting the workers cost more than the whole search
(bench/retrieval.py). The plan is the one the server ran, as auto_explain reports it."""

from __future__ import annotations

import json

import numpy as np
import sqlalchemy as sa

from lbi.retrieval.search import hybrid_search
from lbi.retrieval.store import vector_param
from tests.retrieval.seeding import CHINOOK, bare_examples, index_made_up

EMBEDDER, ROWS = "made-up", 300
CHEAP_WORKERS = ("SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0", "SET min_parallel_table_scan_size = 0",
                 "SET min_parallel_index_scan_size = 0")
EXACT_SCAN = ("SELECT example_id FROM lbi.embeddings WHERE environment_id = :env"
              " ORDER BY (embedding <=> CAST(:vector AS vector)) + 0 LIMIT 20")


def _stored(store: sa.Engine) -> np.ndarray:
    vectors = np.random.default_rng(11).normal(size=(ROWS, 384))
    ids = bare_examples(store, ROWS, environment_id=CHINOOK)
    with store.begin() as conn:
        index_made_up(conn, ids, vectors, embedder=EMBEDDER, instructions=["Count the tracks of the album."] * ROWS)
        conn.execute(sa.text("ANALYZE lbi.embeddings"))
    return vectors[0]


def test_hybrid_search_plans_no_parallel_workers(store: sa.Engine) -> None:
    vector = _stored(store)
    plans: list[dict] = []
    with store.connect() as conn:
        for setting in CHEAP_WORKERS:
            conn.execute(sa.text(setting))
        exact = conn.execute(sa.text("EXPLAIN (FORMAT JSON) " + EXACT_SCAN),
                             {"env": CHINOOK, "vector": vector_param(conn, vector)}).scalar()
        assert "Workers Planned" in json.dumps(exact), "the control: workers are cheap enough to plan"
        for setting in ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                        "SET auto_explain.log_level = 'notice'", "SET auto_explain.log_format = 'json'"):
            conn.execute(sa.text(setting))
        conn.commit()
        conn.connection.driver_connection.add_notice_handler(
            lambda notice: plans.append(json.loads(notice.message_primary.split("plan:", 1)[1])))
        with conn.begin():
            hits = hybrid_search(conn, environment_id=CHINOOK, embedder=EMBEDDER, text="tracks of the album",
                                 vector=vector, k=5)
    assert len(hits) == 5 and hits[0].dense_rank == 1
    [search] = [p for p in plans if "graph_missed" in p["Query Text"]]
    assert "Workers Planned" not in json.dumps(search["Plan"])
