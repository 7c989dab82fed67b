"""Retrieval over an experiment's corpus (lbi.corpus_items): a selection of examples, original pairs, or
documentation chunks for the RAG baseline, searched the way ``ExampleRetriever`` searches an environment.

The same two searches as lbi.retrieval.search: hybrid (dense cosine fused with full text by reciprocal
rank) and observation full text, both over the query's rarest words in the corpus. A corpus is small
(one experiment's), so the dense side is an exact scan, not an HNSW index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sqlalchemy as sa

from lbi.retrieval.documents import EMBEDDED_CHARS
from lbi.retrieval.embedders import Embedder
from lbi.retrieval.search import CANDIDATES, RRF_K, Hit
from lbi.retrieval.store import vector_literal

RAREST_WORDS = 12

_RARE_WORDS = r"""
rare AS MATERIALIZED (
    SELECT CAST(coalesce(string_agg(term, ' | '), '') AS tsquery) AS query
    FROM (SELECT '''' || replace(replace(w.lexeme, '\', '\\'), '''', '''''') || '''' AS term
          FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', left(:text, 20000)))) AS w
          JOIN lbi.corpus_lexemes s ON s.corpus_id = :corpus AND s.field = :field AND s.lexeme = w.lexeme
          ORDER BY s.documents, w.lexeme LIMIT :rarest) AS rarest
)"""

_HYBRID = sa.text(f"""
WITH {_RARE_WORDS},
dense AS (
    SELECT id, row_number() OVER (ORDER BY embedding <=> CAST(:vector AS vector), id) AS rank
    FROM lbi.corpus_items WHERE corpus_id = :corpus AND id <> ALL(:exclude)
    ORDER BY embedding <=> CAST(:vector AS vector), id LIMIT :candidates
),
text AS (
    SELECT id, row_number() OVER (ORDER BY ts_rank(search_tsv, rare.query, 1) DESC, id) AS rank
    FROM lbi.corpus_items, rare
    WHERE corpus_id = :corpus AND search_tsv @@ rare.query AND id <> ALL(:exclude)
    ORDER BY ts_rank(search_tsv, rare.query, 1) DESC, id LIMIT :candidates
),
fused AS (
    SELECT id, coalesce(1.0 / (:rrf_k + dense.rank), 0) + coalesce(1.0 / (:rrf_k + text.rank), 0) AS score,
           dense.rank AS dense_rank, text.rank AS text_rank
    FROM dense FULL OUTER JOIN text USING (id)
)
SELECT f.id, f.score, i.instruction, i.reference, f.dense_rank, f.text_rank
FROM fused f JOIN lbi.corpus_items i USING (id)
ORDER BY f.score DESC, f.id LIMIT :k
""")

_OBSERVATION = sa.text(f"""
WITH {_RARE_WORDS}
SELECT i.id, ts_rank(i.observation_tsv, rare.query, 1) AS score, i.instruction, i.reference
FROM lbi.corpus_items i, rare
WHERE i.corpus_id = :corpus AND i.observation_tsv @@ rare.query AND i.id <> ALL(:exclude)
ORDER BY score DESC, i.id LIMIT :k
""")


@dataclass(frozen=True)
class CorpusItem:
    """One retrievable item: what is searched (instruction, actions, observations) and what is shown."""

    instruction: str
    actions: str
    observations: str
    reference: str
    example_id: int | None = None
    trajectory_id: int | None = None
    chunk_id: int | None = None

    @property
    def embedded_text(self) -> str:
        return f"{self.instruction}\n{self.actions}"[:EMBEDDED_CHARS]  # as an example's document is embedded


class CorpusRetriever:
    """Has ``search`` and ``by_observation`` like ``ExampleRetriever``; a hit's ``example_id`` is the corpus
    item's id (lbi.corpus_items.id)."""

    def __init__(self, engine: sa.Engine, embedder: Embedder, corpus_id: int) -> None:
        self.engine, self.embedder, self.corpus_id = engine, embedder, corpus_id

    def search(self, text: str, k: int = 10, exclude: Sequence[int] = ()) -> list[Hit]:
        vector = self.embedder.embed([text])[0]
        with self.engine.connect() as conn:
            rows = conn.execute(_HYBRID, {"corpus": self.corpus_id, "text": text, "vector": vector_literal(vector),
                                          "exclude": list(exclude), "candidates": max(CANDIDATES, k), "k": k,
                                          "rrf_k": RRF_K, "rarest": RAREST_WORDS, "field": "search"})
            return [Hit(r.id, float(r.score), r.instruction, r.reference, r.dense_rank, r.text_rank) for r in rows]

    def by_observation(self, observation: str, k: int = 5, exclude: Sequence[int] = ()) -> list[Hit]:
        with self.engine.connect() as conn:
            rows = conn.execute(_OBSERVATION, {"corpus": self.corpus_id, "text": observation,
                                               "exclude": list(exclude), "k": k, "rarest": RAREST_WORDS,
                                               "field": "observation"})
            return [Hit(r.id, float(r.score), r.instruction, r.reference) for r in rows]


def save_items(conn: sa.Connection, *, corpus_id: int, items: Sequence[CorpusItem], embedder: str,
               vectors: np.ndarray | Sequence[np.ndarray]) -> None:
    """Store a corpus's items with their vectors, then count their words (the corpus is written once)."""
    if items:
        conn.execute(sa.text("""
            INSERT INTO lbi.corpus_items (corpus_id, example_id, trajectory_id, chunk_id, instruction, actions,
                reference, observation_tsv, embedder, embedding)
            VALUES (:corpus, :example, :trajectory, :chunk, :instruction, :actions, :reference,
                to_tsvector('english', :observations), :embedder, CAST(:vector AS vector))
        """), [{"corpus": corpus_id, "example": i.example_id, "trajectory": i.trajectory_id, "chunk": i.chunk_id,
                "instruction": i.instruction, "actions": i.actions, "reference": i.reference,
                "observations": i.observations, "embedder": embedder, "vector": vector_literal(v)}
               for i, v in zip(items, vectors)])
    conn.execute(sa.text("""
        INSERT INTO lbi.corpus_lexemes (corpus_id, field, lexeme, documents)
        SELECT :corpus, f.field, w.lexeme, count(*)
        FROM lbi.corpus_items i
        CROSS JOIN LATERAL (VALUES ('search', i.search_tsv), ('observation', i.observation_tsv)) AS f(field, tsv)
        CROSS JOIN LATERAL unnest(f.tsv) AS w
        WHERE i.corpus_id = :corpus GROUP BY 2, 3
    """), {"corpus": corpus_id})
    conn.execute(sa.text("UPDATE lbi.experiment_corpora SET items = :n WHERE id = :corpus"),
                 {"n": len(items), "corpus": corpus_id})
