"""When the HNSW graph search misses a query's neighbours, the dense side searches exactly.

At 100,000 examples the candidate list of one query in 200 filled up in a group of near-duplicates beside
its true neighbours and stopped there (bench/retrieval.py). Here the same happens by construction: a
large group of identical vectors stored first fills its neighbour lists with its own copies, so hardly
an edge leads out of it to the few examples stored after it, and a search that enters the group (through
the entry point, one of its copies) does not leave it.
"""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from lbi.retrieval.search import hybrid_search
from tests.retrieval.seeding import CHINOOK, bare_examples, index_made_up

COPIES, TRUE, K = 2000, 5, 5
CUSTOMERS = ("Rossi", "Bianchi", "Verdi")  # one group of TRUE examples behind the copies each
EMBEDDER = "made-up"


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _store_behind_a_group(store: sa.Engine) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """COPIES identical vectors in direction a (instructions about tracks), then, per customer, TRUE
    examples near a direction of their own orthogonal to a (instructions about that customer's invoices).
    Returns a, the customers' directions and their examples' ids."""
    rng = np.random.default_rng(5)
    a = _unit(rng.normal(size=384))
    directions = _unit(rng.normal(size=(len(CUSTOMERS), 384)))
    directions = _unit(directions - np.outer(directions @ a, a))
    behind = _unit(np.repeat(directions, TRUE, axis=0) + rng.normal(0, 0.01, size=(len(CUSTOMERS) * TRUE, 384)))
    ids = bare_examples(store, COPIES + len(behind), environment_id=CHINOOK)
    instructions = ["Count the tracks of the album."] * COPIES + [
        f"List the invoices of customer {name}." for name in CUSTOMERS for _ in range(TRUE)]
    with store.begin() as conn:
        index_made_up(conn, ids, np.concatenate([np.repeat(a[None], COPIES, axis=0), behind]), embedder=EMBEDDER,
                      instructions=instructions)
        conn.execute(sa.text("DROP INDEX lbi.embeddings_environment"))  # leave the planner the HNSW index only
        conn.execute(sa.text("ANALYZE lbi.embeddings"))
    return a, directions, [ids[COPIES + g * TRUE:COPIES + (g + 1) * TRUE] for g in range(len(CUSTOMERS))]


def _dense_top(conn: sa.Connection, search: dict, *, retry: bool) -> set[int]:
    """Hybrid search's dense side: the examples it ranks in the first K."""
    with conn.begin():
        hits = hybrid_search(conn, k=4 * K, retry=retry, **search)
    return {h.example_id for h in hits if h.dense_rank is not None and h.dense_rank <= K}


@pytest.mark.parametrize("case, similar_to_copies, words", [
    ("the copies are as similar as typical neighbours; a text candidate is nearer", 0.6, "invoices of {}"),
    ("the copies are dissimilar; the text side finds nothing", 0.3, "no such words"),
])
def test_neighbours_the_graph_does_not_reach_are_found_exactly(store: sa.Engine, case: str,
                                                               similar_to_copies: float, words: str) -> None:
    a, directions, groups = _store_behind_a_group(store)
    missed = []
    with store.connect() as conn:
        conn.execute(sa.text("SET enable_sort = off"))  # for the session: the graph, not a sort, on 2,000 rows
        conn.commit()
        for name, direction, group in zip(CUSTOMERS, directions, groups):
            search = {"environment_id": CHINOOK, "embedder": EMBEDDER, "text": words.format(name),
                      "vector": similar_to_copies * a + np.sqrt(1 - similar_to_copies ** 2) * direction}
            if not _dense_top(conn, search, retry=False) & set(group):
                with conn.begin():
                    fused = {h.example_id for h in hybrid_search(conn, k=K, **search)}
                missed.append((_dense_top(conn, search, retry=True), fused, set(group)))
    assert missed, "the control: the graph alone misses a whole group"
    for dense, fused, group in missed:
        assert dense == fused == group
