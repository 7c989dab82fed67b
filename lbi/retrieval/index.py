"""The indexing stage: accepted examples become searchable documents with embeddings.

Idempotent: an example already embedded by the embedder is skipped, so a
rerun (or a second flow run) embeds nothing again.
"""

from __future__ import annotations

from itertools import groupby
from typing import Sequence

import sqlalchemy as sa

from lbi.retrieval import store
from lbi.retrieval.documents import ExampleDocument, example_document
from lbi.retrieval.embedders import Embedder
from lbi.store import trajectories

BATCH = 256


def index_examples(engine: sa.Engine, embedder: Embedder, *, example_ids: Sequence[int] | None = None,
                   environment_id: str | None = None) -> int:
    """Embed the accepted examples among ``example_ids`` (or of ``environment_id``, or all) not yet
    embedded by ``embedder``; returns how many were embedded now."""
    with engine.connect() as conn:
        todo = store.accepted_without_embedding(conn, embedder=embedder.name, example_ids=example_ids,
                                                environment_id=environment_id)
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        with engine.connect() as conn:
            documents = load_documents(conn, batch)
        vectors = embedder.embed([d.embedded_text for d in documents])
        with engine.begin() as conn:
            store.save_documents(conn, documents)
            store.save_embeddings(conn, embedder=embedder.name, documents=documents, vectors=vectors)
    return len(todo)


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
