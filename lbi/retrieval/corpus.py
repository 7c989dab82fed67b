"""Retrieval over an experiment's corpus (lbi.corpus_items): a selection of examples, original pairs, or
documentation chunks for the RAG baseline, searched the way ``ExampleRetriever`` searches an environment.

The same two statements as an environment's examples (lbi.retrieval.queries, over the corpus's table):
hybrid (dense cosine fused with full text by reciprocal rank) and observation full text, both over the
query's rarest words in the corpus. A corpus is small (one experiment's) and has no HNSW index: its dense
side is an exact scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sqlalchemy as sa

from lbi.retrieval import search
from lbi.retrieval.documents import EMBEDDED_CHARS
from lbi.retrieval.embedders import Embedder
from lbi.retrieval.queries import CORPUS
from lbi.retrieval.search import Hit
from lbi.retrieval.store import vector_param


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
        with self.engine.begin() as conn:
            return search.hybrid(conn, CORPUS, scope=self.corpus_id, embedder=self.embedder.name, text=text,
                                 vector=vector, k=k, exclude=exclude)

    def by_observation(self, observation: str, k: int = 5, exclude: Sequence[int] = ()) -> list[Hit]:
        with self.engine.connect() as conn:
            return search.observation(conn, CORPUS, scope=self.corpus_id, observation=observation, k=k,
                                      exclude=exclude)


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
                "observations": i.observations, "embedder": embedder, "vector": vector_param(conn, v)}
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
