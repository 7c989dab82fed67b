"""The indexing stage: accepted examples become searchable documents with embeddings.

Idempotent: an example with its document and the embedder's vector is
skipped, so a rerun (or a second flow run) embeds nothing again. An example
is searchable once its document is written: the synthesize flow stores
vectors while the committee still judges (``store_vectors``) and writes the
documents only once the judging gate passed (``publish``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Sequence

import numpy as np
import sqlalchemy as sa

from lbi.retrieval import store
from lbi.retrieval.documents import ExampleDocument, example_document
from lbi.retrieval.embedders import Embedder
from lbi.store import trajectories

BATCH = 256


@dataclass(frozen=True)
class IndexEntry:
    """An accepted example's document and vector, not yet written."""

    document: ExampleDocument
    vector: np.ndarray


def index_examples(engine: sa.Engine, embedder: Embedder, *, example_ids: Sequence[int] | None = None,
                   environment_id: str | None = None) -> int:
    """Index the accepted examples among ``example_ids`` (or of ``environment_id``, or all) not yet
    indexed with ``embedder``; returns how many were indexed now."""
    with engine.connect() as conn:
        todo = store.accepted_not_indexed(conn, embedder=embedder.name, example_ids=example_ids,
                                          environment_id=environment_id)
    for start in range(0, len(todo), BATCH):
        entries = _entries(engine, embedder, todo[start:start + BATCH])
        with engine.begin() as conn:
            store.save_documents(conn, [e.document for e in entries])
            store.save_embeddings(conn, embedder=embedder.name, documents=[e.document for e in entries],
                                  vectors=[e.vector for e in entries])
    return len(todo)


def store_vectors(engine: sa.Engine, embedder: Embedder, example_ids: Sequence[int]) -> list[ExampleDocument]:
    """Store the vectors of the accepted examples among ``example_ids`` not yet indexed; returns their
    documents, which make them searchable once ``publish`` has written them."""
    with engine.connect() as conn:
        todo = store.accepted_not_indexed(conn, embedder=embedder.name, example_ids=example_ids)
    entries = _entries(engine, embedder, todo)
    with engine.begin() as conn:
        store.save_embeddings(conn, embedder=embedder.name, documents=[e.document for e in entries],
                              vectors=[e.vector for e in entries])
    return [e.document for e in entries]


def publish(engine: sa.Engine, documents: Sequence[ExampleDocument]) -> None:
    """Write documents (an example stored before keeps its own): their examples become searchable."""
    with engine.begin() as conn:
        store.save_documents(conn, documents)


def _entries(engine: sa.Engine, embedder: Embedder, example_ids: Sequence[int]) -> list[IndexEntry]:
    with engine.connect() as conn:
        documents = load_documents(conn, example_ids)
    vectors = embedder.embed([d.embedded_text for d in documents])
    return [IndexEntry(d, v) for d, v in zip(documents, vectors)]


def load_documents(conn: sa.Connection, example_ids: Sequence[int]) -> list[ExampleDocument]:
    documents = []
    rows = store.example_spans(conn, example_ids=example_ids)
    for trajectory_id, examples in groupby(rows, key=lambda row: row.trajectory_id):
        trajectory = trajectories.load(conn, trajectory_id=trajectory_id)
        for row in examples:
            start_observation, turns = trajectory.span(row.start_step, row.end_step)
            documents.append(example_document(
                example_id=row.id, environment_id=row.environment_id, instruction=row.instruction,
                start_observation=start_observation, turns=turns,
            ))
    return documents
