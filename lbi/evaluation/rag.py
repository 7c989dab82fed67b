"""The RAG baseline: at every step, the documentation chunks most like the task and what the agent sees,
shown where Algorithm 2 shows examples; no model call of its own (no query is written)."""

from __future__ import annotations

from lbi.prompts.references import render_references
from lbi.prompts.render import Turn
from lbi.retrieval.agentic import RetrievalLog
from lbi.retrieval.corpus import CorpusRetriever


class DocumentationRAG:
    """Has ``references_for`` and ``log`` like ``AgenticRetrieval``; its hits are chunk items of a corpus."""

    def __init__(self, retriever: CorpusRetriever, *, k: int) -> None:
        self.retriever, self.k = retriever, k
        self.log = RetrievalLog()

    def references_for(self, instruction: str, history: list[Turn], observation: str) -> str:
        found = self.retriever.search(f"{instruction}\n{observation}", k=self.k) if self.k else []
        self.log.observation_hits += len(found)
        self.log.example_ids.extend(hit.example_id for hit in found)
        return render_references([hit.reference for hit in found])
