"""Search one environment's examples: the object agents hold (see ``lbi.retrieval``)."""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa

from lbi.retrieval import search
from lbi.retrieval.embedders import Embedder
from lbi.retrieval.index import index_examples
from lbi.retrieval.search import Hit


class ExampleRetriever:
    def __init__(self, engine: sa.Engine, embedder: Embedder, environment_id: str, *, ef_search: int = 200) -> None:
        self.engine = engine
        self.embedder = embedder
        self.environment_id = environment_id
        self.ef_search = ef_search

    def search(self, text: str, k: int = 10, exclude: Sequence[int] = ()) -> list[Hit]:
        """Hybrid search: the text's embedding (HNSW, cosine) fused with its words (full text) by reciprocal rank."""
        vector = self.embedder.embed([text])[0]
        with self.engine.begin() as conn:
            return search.hybrid_search(conn, environment_id=self.environment_id, embedder=self.embedder.name,
                                        text=text, vector=vector, k=k, exclude=exclude, ef_search=self.ef_search)

    def by_observation(self, observation: str, k: int = 5, exclude: Sequence[int] = ()) -> list[Hit]:
        """Examples whose spans saw observations like this one (full text over their observations)."""
        with self.engine.connect() as conn:
            return search.observation_search(conn, environment_id=self.environment_id, observation=observation,
                                             k=k, exclude=exclude)

    def ensure_indexed(self) -> int:
        """Embed the environment's accepted examples that are not indexed yet; returns how many were."""
        return index_examples(self.engine, self.embedder, environment_id=self.environment_id)
