"""Searches over one environment's indexed examples, each one SQL statement.

- ``hybrid_search``: dense (pgvector HNSW, cosine) and full-text (ts_rank over
  instruction and actions) candidates fused by reciprocal rank.
- ``observation_search``: the observation-based side of Algorithm 2, full-text
  over the observations each example's span saw.

Full-text queries keep a text's rarest words in the environment (see
lbi.rare_words_query), so a whole observation as the query stays cheap, and
rank at most TEXT_ROWS matching rows.

HNSW runs with ``hnsw.iterative_scan = relaxed_order``: when the environment
filter drops candidates the index keeps scanning instead of returning short;
the outer ORDER BY restores exact distance order. A vector whose example has
no document yet (stored while the committee judges, before the gate) is not
searched.

The graph search can miss a whole group of near neighbours: synthesized data
holds tight groups of near-duplicates (the same task labeled many times), and
the candidate list can fill up in a neighbouring group and stop there (at
100,000 examples one query in 200 got 1 of its 10 true neighbours at
ef_search 200; all 10 at 1000). So the dense side searches exactly (every
vector of the environment, in the same statement) when the graph's nearest
vector is less similar than RETRY_BELOW, or when one of the text side's
candidates is nearer to the query than it: then the graph has certainly
missed something.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sqlalchemy as sa

from lbi.retrieval.store import vector_literal

RRF_K = 60
CANDIDATES = 20  # per side, before fusion
TEXT_ROWS = 1000  # matching rows a full-text side ranks at most (when even the rarest words are common)
RETRY_BELOW = 0.5  # the graph's nearest vector less similar than this: the dense side searches exactly


@dataclass(frozen=True)
class Hit:
    example_id: int
    score: float
    instruction: str
    reference: str
    dense_rank: int | None = None
    text_rank: int | None = None


# Each side's candidates. The text side comes first: its vectors are witnesses for the dense side. The dense
# side is the graph's nearest vectors, or the exact nearest when the graph's best is not similar enough or a
# text candidate is nearer than it (the graph then missed a region); that condition is evaluated once,
# before the exact scan, and "+ 0" keeps the scan off the HNSW index.
_SEARCHED = """environment_id = :env AND embedder = :embedder AND example_id <> ALL(:exclude)
      AND EXISTS (SELECT 1 FROM lbi.example_documents d WHERE d.example_id = m.example_id)"""
_SIDES = f"""q AS MATERIALIZED (SELECT lbi.rare_words_query(:env, 'search', :text) AS query),
text AS MATERIALIZED (
    SELECT example_id, row_number() OVER (ORDER BY score DESC, example_id) AS rank
    FROM (SELECT m.example_id, ts_rank(m.search_tsv, q.query, 1) AS score
          FROM (SELECT d.example_id, d.search_tsv FROM lbi.example_documents d, q
                WHERE d.environment_id = :env AND d.search_tsv @@ q.query AND d.example_id <> ALL(:exclude)
                LIMIT :text_rows) AS m, q
          ORDER BY score DESC, m.example_id LIMIT :candidates) AS matched
),
approximate AS MATERIALIZED (
    SELECT example_id, embedding <=> CAST(:vector AS vector) AS distance FROM lbi.embeddings m
    WHERE {_SEARCHED}
    ORDER BY distance LIMIT :candidates
),
graph_missed AS MATERIALIZED (
    SELECT :retry AND (coalesce(min(distance), 2) > 1 - :retry_below
           OR EXISTS (SELECT 1 FROM text JOIN lbi.embeddings w USING (example_id)
                      WHERE w.embedder = :embedder
                        AND w.embedding <=> CAST(:vector AS vector) < min(approximate.distance))) AS yes
    FROM approximate
),
exact AS MATERIALIZED (
    SELECT example_id, embedding <=> CAST(:vector AS vector) AS distance FROM lbi.embeddings m
    WHERE {_SEARCHED} AND (SELECT yes FROM graph_missed)
    ORDER BY (embedding <=> CAST(:vector AS vector)) + 0 LIMIT :candidates
),
dense AS MATERIALIZED (
    SELECT example_id, row_number() OVER (ORDER BY distance, example_id) AS rank
    FROM (SELECT example_id, distance FROM exact
          UNION ALL
          SELECT example_id, distance FROM approximate WHERE NOT (SELECT yes FROM graph_missed)) AS nearest
)"""

_HYBRID = sa.text(f"""
WITH {_SIDES},
fused AS (
    SELECT example_id, dense.rank AS dense_rank, text.rank AS text_rank,
           coalesce(1.0 / (:rrf_k + dense.rank), 0) + coalesce(1.0 / (:rrf_k + text.rank), 0) AS score
    FROM dense FULL OUTER JOIN text USING (example_id)
)
SELECT f.example_id, f.score, d.instruction, d.reference, f.dense_rank, f.text_rank
FROM fused f JOIN lbi.example_documents d USING (example_id)
ORDER BY f.score DESC, f.example_id
LIMIT :k
""")

_DENSE = sa.text(f"WITH {_SIDES}\nSELECT example_id FROM dense ORDER BY rank LIMIT :k")

_OBSERVATION = sa.text("""
WITH q AS MATERIALIZED (SELECT lbi.rare_words_query(:env, 'observation', :observation) AS query),
matched AS MATERIALIZED (
    SELECT d.example_id, d.observation_tsv FROM lbi.example_documents d, q
    WHERE d.environment_id = :env AND d.observation_tsv @@ q.query AND d.example_id <> ALL(:exclude)
    LIMIT :text_rows
)
SELECT m.example_id, ts_rank(m.observation_tsv, q.query, 1) AS score, d.instruction, d.reference
FROM matched m JOIN lbi.example_documents d USING (example_id), q
ORDER BY score DESC, m.example_id
LIMIT :k
""")


def configure_hnsw(conn: sa.Connection, ef_search: int) -> None:
    """Per transaction: the HNSW candidate list size, and scanning on past a filter."""
    conn.execute(sa.text("SELECT set_config('hnsw.ef_search', :ef, true),"
                         " set_config('hnsw.iterative_scan', 'relaxed_order', true)"), {"ef": str(ef_search)})


def hybrid_search(conn: sa.Connection, *, environment_id: str, embedder: str, text: str, vector: np.ndarray,
                  k: int = 10, exclude: Sequence[int] = (), ef_search: int = 200,
                  candidates: int = CANDIDATES, retry: bool = True) -> list[Hit]:
    configure_hnsw(conn, max(ef_search, candidates))
    rows = conn.execute(_HYBRID, {
        "env": environment_id, "embedder": embedder, "vector": vector_literal(vector), "text": text,
        "exclude": list(exclude), "candidates": max(candidates, k), "rrf_k": RRF_K, "k": k, "text_rows": TEXT_ROWS,
        "retry": retry, "retry_below": RETRY_BELOW,
    })
    return [Hit(r.example_id, float(r.score), r.instruction, r.reference, r.dense_rank, r.text_rank) for r in rows]


def observation_search(conn: sa.Connection, *, environment_id: str, observation: str, k: int = 5,
                       exclude: Sequence[int] = ()) -> list[Hit]:
    rows = conn.execute(_OBSERVATION, {"env": environment_id, "observation": observation, "exclude": list(exclude),
                                       "k": k, "text_rows": TEXT_ROWS})
    return [Hit(r.example_id, float(r.score), r.instruction, r.reference) for r in rows]


def dense_ids(conn: sa.Connection, *, environment_id: str, embedder: str, vector: np.ndarray, k: int,
              ef_search: int = 200, text: str = "", retry: bool = True) -> list[int]:
    """The dense side alone, as hybrid search ranks it for ``text`` (for recall measurements); ``retry=False``
    keeps the graph's answer even when it has missed (for comparisons)."""
    configure_hnsw(conn, ef_search)
    return list(conn.execute(_DENSE, {"env": environment_id, "embedder": embedder, "vector": vector_literal(vector),
                                      "text": text, "exclude": [], "candidates": k, "k": k, "text_rows": TEXT_ROWS,
                                      "retry": retry, "retry_below": RETRY_BELOW}).scalars())
