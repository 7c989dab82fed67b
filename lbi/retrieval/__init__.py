"""Retrieval over a dataset's accepted examples, for agents at inference time.

    from lbi.retrieval import retriever_for

    retriever = retriever_for("sqlite-chinook-v0")        # LBI_* settings: store and embedder
    for hit in retriever.search("top customers by spending", k=5):
        print(hit.example_id, hit.score, hit.instruction)
        print(hit.reference)                              # the example as an actor prompt shows it

``AgenticRetrieval(retriever, client=..., model=..., spec=...).references_for``
plugs Algorithm 2 into ``lbi.agent.loop.run_episode``.
"""

from __future__ import annotations

from lbi.config import Settings
from lbi.retrieval.agentic import AgenticRetrieval, RetrievalLog
from lbi.retrieval.embedders import Embedder, embedder_for
from lbi.retrieval.retriever import ExampleRetriever
from lbi.retrieval.search import Hit

__all__ = ["AgenticRetrieval", "Embedder", "ExampleRetriever", "Hit", "RetrievalLog", "embedder_for",
           "retriever_for"]


def retriever_for(environment_id: str, settings: Settings | None = None) -> ExampleRetriever:
    """A retriever over the configured store with the configured embedder (the embedding model loads on first use)."""
    from lbi import runtime

    settings = settings or Settings()
    return ExampleRetriever(runtime.store(settings), embedder_for(settings), environment_id,
                            ef_search=settings.hnsw_ef_search)
