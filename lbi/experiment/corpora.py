"""An experiment's corpora: what each variant retrieves from, stored in lbi.corpus_items with vectors.

Items are made the way the indexing stage makes an example's document
(lbi.retrieval.documents.example_document), so every variant is searched and
shown alike. Vectors already stored for an example by the same embedder are
reused; the rest are embedded here. Two corpora holding the same items are
stored once and share their evaluation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sqlalchemy as sa

from lbi.prompts.render import Turn
from lbi.retrieval.corpus import CorpusItem, save_items
from lbi.retrieval.documents import example_document
from lbi.retrieval.embedders import Embedder
from lbi.retrieval.index import load_documents
from lbi.store import trajectories

CHUNK_REFERENCE_CHARS = 1500  # of a chunk, as the actor is shown it


def item_of(*, environment_id: str, instruction: str, start_observation: str, turns: Sequence[Turn],
            trajectory_id: int | None = None) -> CorpusItem:
    """An (instruction, sub-trajectory) pair as retrieval keeps it."""
    document = example_document(example_id=0, environment_id=environment_id, instruction=instruction,
                                start_observation=start_observation, turns=list(turns))
    return CorpusItem(document.instruction, document.actions, document.observations, document.reference,
                      trajectory_id=trajectory_id)


def example_items(conn: sa.Connection, example_ids: Sequence[int]) -> list[CorpusItem]:
    return [CorpusItem(d.instruction, d.actions, d.observations, d.reference, example_id=d.example_id)
            for d in load_documents(conn, list(example_ids))]


@dataclass(frozen=True)
class OriginalPair:
    """A self-instructed task with the whole clean trajectory rolled out for it (no relabeling)."""

    trajectory_id: int
    task: str
    start_observation: str
    turns: tuple[Turn, ...]


def original_pairs(conn: sa.Connection, *, tasks: Sequence[tuple[int, str]]) -> list[OriginalPair]:
    """Each (trajectory id, self-instructed task) with a clean step as one pair."""
    pairs = []
    for trajectory_id, task in tasks:
        trajectory = trajectories.load(conn, trajectory_id=trajectory_id)
        clean = trajectory.clean_steps
        if clean:
            start, turns = trajectory.span(clean[0].idx, clean[-1].idx)
            pairs.append(OriginalPair(trajectory_id, task, start, tuple(turns)))
    return pairs


def original_pair_item(pair: OriginalPair, *, environment_id: str) -> CorpusItem:
    return item_of(environment_id=environment_id, instruction=pair.task, start_observation=pair.start_observation,
                   turns=pair.turns, trajectory_id=pair.trajectory_id)


def chunk_items(chunks: Sequence[sa.Row]) -> list[CorpusItem]:
    """A chunk is searched by its document's title and its text (as instruction and actions are)."""
    items = []
    for chunk in chunks:
        text = chunk.text if len(chunk.text) <= CHUNK_REFERENCE_CHARS else \
            chunk.text[:CHUNK_REFERENCE_CHARS].rstrip() + " ...(shortened)"
        items.append(CorpusItem(chunk.title, chunk.text, chunk.text, f"Documentation: {chunk.title}\n{text}",
                                chunk_id=chunk.id))
    return items


def members_hash(items: Sequence[CorpusItem]) -> str:
    keys = sorted(json.dumps([i.instruction, i.actions, i.observations, i.reference]) for i in items)
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def store_corpus(engine: sa.Engine, embedder: Embedder, *, experiment_id: int, name: str, kind: str,
                 items: Sequence[CorpusItem]) -> int:
    """The corpus's id: a new one with its items and vectors, or the experiment's corpus already holding
    the same items."""
    digest = members_hash(items)
    with engine.connect() as conn:
        same = conn.execute(sa.text("SELECT id FROM lbi.experiment_corpora WHERE experiment_id = :x"
                                    " AND members_hash = :h"), {"x": experiment_id, "h": digest}).scalar()
        if same is not None:
            return same
        vectors = _vectors(conn, embedder, items)
    with engine.begin() as conn:
        corpus_id = conn.execute(sa.text("""
            INSERT INTO lbi.experiment_corpora (experiment_id, name, kind, members_hash)
            VALUES (:x, :name, :kind, :h) RETURNING id
        """), {"x": experiment_id, "name": name, "kind": kind, "h": digest}).scalar_one()
        save_items(conn, corpus_id=corpus_id, items=items, embedder=embedder.name, vectors=vectors)
    return corpus_id


def _vectors(conn: sa.Connection, embedder: Embedder, items: Sequence[CorpusItem]) -> list[np.ndarray]:
    """One vector per item: the one the indexing stage stored for its example, else embedded now."""
    ids = [i.example_id for i in items if i.example_id is not None]
    stored = {example_id: np.asarray(json.loads(vector), dtype=np.float32) for example_id, vector in conn.execute(
        sa.text("SELECT example_id, CAST(embedding AS text) FROM lbi.embeddings"
                " WHERE embedder = :embedder AND example_id = ANY(:ids)"), {"embedder": embedder.name, "ids": ids})}
    missing = [i for i in items if i.example_id not in stored]
    fresh = iter(embedder.embed([i.embedded_text for i in missing]))
    return [stored[i.example_id] if i.example_id in stored else next(fresh) for i in items]
