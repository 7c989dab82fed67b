"""The indexing stage: accepted examples become searchable documents with embeddings.

Idempotent: an example already embedded by the embedder is skipped, so a
rerun (or a second flow run) embeds nothing again. Preparing an entry (its
document and vector) is separate from writing it, so the synthesize flow can
embed while the committee still judges and write only once the gate passed.
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
    """An accepted example made ready for the index, not yet written."""

    document: ExampleDocument
    vector: np.ndarray
    embedder: str


def index_examples(engine: sa.Engine, embedder: Embedder, *, example_ids: Sequence[int] | None = None,
                   environment_id: str | None = None) -> int:
    """Embed the accepted examples among ``example_ids`` (or of ``environment_id``, or all) not yet
    embedded by ``embedder``; returns how many were embedded now."""
    with engine.connect() as conn:
        todo = store.accepted_without_embedding(conn, embedder=embedder.name, example_ids=example_ids,
                                                environment_id=environment_id)
    for start in range(0, len(todo), BATCH):
        write_entries(engine, _entries(engine, embedder, todo[start:start + BATCH]))
    return len(todo)


def prepare_entries(engine: sa.Engine, embedder: Embedder, example_ids: Sequence[int]) -> list[IndexEntry]:
    """Documents and vectors for the accepted examples among ``example_ids`` not yet embedded."""
    with engine.connect() as conn:
        todo = store.accepted_without_embedding(conn, embedder=embedder.name, example_ids=example_ids)
    return _entries(engine, embedder, todo)


def _entries(engine: sa.Engine, embedder: Embedder, example_ids: Sequence[int]) -> list[IndexEntry]:
    with engine.connect() as conn:
        documents = load_documents(conn, example_ids)
    vectors = embedder.embed([d.embedded_text for d in documents])
    return [IndexEntry(d, v, embedder.name) for d, v in zip(documents, vectors)]


def write_entries(engine: sa.Engine, entries: Sequence[IndexEntry]) -> None:
    """Store prepared entries (an example stored before keeps its document and vector)."""
    for name, group in groupby(sorted(entries, key=lambda e: e.embedder), key=lambda e: e.embedder):
        batch = list(group)
        with engine.begin() as conn:
            store.save_documents(conn, [e.document for e in batch])
            store.save_embeddings(conn, embedder=name, documents=[e.document for e in batch],
                                  vectors=[e.vector for e in batch])


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
