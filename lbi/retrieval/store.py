"""The retrieval tables: example documents and their embeddings (SQL only)."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import psycopg
import sqlalchemy as sa
from pgvector import Vector
from pgvector.psycopg.vector import VectorBinaryDumper
from psycopg.adapt import PyFormat
from psycopg.types import TypeInfo

from lbi.errors import StoreError
from lbi.retrieval.documents import ExampleDocument


def vector_param(conn: sa.Connection, vector: np.ndarray) -> Vector:
    """``vector`` as a parameter of ``conn``'s statements (``CAST(:v AS vector)``), sent in pgvector's binary
    form by pgvector's own dumper, registered on the connection the first time. Its text form took 0.32 ms of
    Python a vector of 384 numbers (0.43 against 0.12 ms an insert) and rounded each number to 7 digits."""
    raw = conn.connection.driver_connection
    try:
        raw.adapters.get_dumper(Vector, PyFormat.BINARY)
    except psycopg.ProgrammingError:
        info = TypeInfo.fetch(raw, "vector")
        if info is None:
            raise StoreError("the store has no vector type (pgvector): run `lbi db migrate`") from None
        raw.adapters.register_dumper(Vector, type("VectorDumper", (VectorBinaryDumper,), {"oid": info.oid}))
    return Vector(np.asarray(vector, dtype=np.float32))


def accepted_not_indexed(conn: sa.Connection, *, embedder: str, example_ids: Sequence[int] | None = None,
                         environment_id: str | None = None) -> list[int]:
    """Accepted examples (among ``example_ids``, or of one environment, or all) without a vector from
    ``embedder`` or without a document (a vector stored before its document is not yet searchable)."""
    return list(conn.execute(sa.text("""
        SELECT e.id FROM lbi.examples e JOIN lbi.trajectories t ON t.id = e.trajectory_id
        WHERE e.status = 'accepted'
          AND (CAST(:ids AS bigint[]) IS NULL OR e.id = ANY(:ids))
          AND (CAST(:env AS text) IS NULL OR t.environment_id = :env)
          AND (NOT EXISTS (SELECT 1 FROM lbi.embeddings m WHERE m.example_id = e.id AND m.embedder = :embedder)
               OR NOT EXISTS (SELECT 1 FROM lbi.example_documents d WHERE d.example_id = e.id))
        ORDER BY e.id
    """), {"ids": list(example_ids) if example_ids is not None else None, "env": environment_id,
           "embedder": embedder}).scalars())


def accepted_among(conn: sa.Connection, *, example_ids: Sequence[int]) -> list[int]:
    return list(conn.execute(
        sa.text("SELECT id FROM lbi.examples WHERE id = ANY(:ids) AND status = 'accepted' ORDER BY id"),
        {"ids": list(example_ids)},
    ).scalars())


def example_spans(conn: sa.Connection, *, example_ids: Sequence[int]) -> list[sa.Row]:
    """(id, trajectory_id, start_step, end_step, environment_id, instruction) per example."""
    return list(conn.execute(sa.text("""
        SELECT e.id, e.trajectory_id, e.start_step, e.end_step, t.environment_id, i.text AS instruction
        FROM lbi.examples e
        JOIN lbi.trajectories t ON t.id = e.trajectory_id
        JOIN lbi.instructions i ON i.id = e.instruction_id
        WHERE e.id = ANY(:ids) ORDER BY e.trajectory_id, e.id
    """), {"ids": list(example_ids)}))


def save_documents(conn: sa.Connection, documents: Sequence[ExampleDocument]) -> None:
    """Insert the documents not stored yet and count their words into lbi.lexeme_stats."""
    lock_documents(conn, {d.environment_id for d in documents})
    inserted = insert_documents(conn, documents)
    if inserted:
        count_words(conn, example_ids=inserted)


def lock_documents(conn: sa.Connection, environment_ids: Iterable[str]) -> None:
    """Take the environments' document lock for the transaction, so two indexers never count a document's
    words twice nor wait on each other's words (in opposite orders)."""
    for environment_id in sorted(set(environment_ids)):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('lbi.example_documents:' || :env))"),
                     {"env": environment_id})


def insert_documents(conn: sa.Connection, documents: Sequence[ExampleDocument]) -> list[int]:
    """Insert the documents not stored yet (a document another transaction is inserting waits for it);
    returns the example ids of those inserted, whose words are still to count (``count_words``)."""
    if not documents:
        return []
    return list(conn.execute(sa.text("""
        INSERT INTO lbi.example_documents (example_id, environment_id, instruction, actions, reference, observation_tsv)
        SELECT d.id, d.env, d.instruction, d.actions, d.reference, to_tsvector('english', d.observations)
        FROM unnest(CAST(:ids AS bigint[]), CAST(:envs AS text[]), CAST(:instructions AS text[]),
                    CAST(:actions AS text[]), CAST(:references AS text[]), CAST(:observations AS text[]))
             AS d(id, env, instruction, actions, reference, observations)
        ON CONFLICT (example_id) DO NOTHING
        RETURNING example_id
    """), {"ids": [d.example_id for d in documents], "envs": [d.environment_id for d in documents],
           "instructions": [d.instruction for d in documents], "actions": [d.actions for d in documents],
           "references": [d.reference for d in documents], "observations": [d.observations for d in documents]},
    ).scalars())


def count_words(conn: sa.Connection, *, example_ids: Sequence[int]) -> None:
    """Add these (newly stored) documents to the document frequencies of their words."""
    conn.execute(sa.text("""
        INSERT INTO lbi.lexeme_stats (environment_id, field, lexeme, documents)
        SELECT d.environment_id, f.field, w.lexeme, count(*)
        FROM lbi.example_documents d
        CROSS JOIN LATERAL (VALUES ('search', d.search_tsv), ('observation', d.observation_tsv)) AS f(field, tsv)
        CROSS JOIN LATERAL unnest(f.tsv) AS w
        WHERE d.example_id = ANY(:ids)
        GROUP BY 1, 2, 3
        ON CONFLICT (environment_id, field, lexeme)
        DO UPDATE SET documents = lbi.lexeme_stats.documents + EXCLUDED.documents
    """), {"ids": list(example_ids)})


def save_embeddings(conn: sa.Connection, *, embedder: str, documents: Sequence[ExampleDocument],
                    vectors: np.ndarray | Sequence[np.ndarray]) -> None:
    if not documents:
        return
    conn.execute(sa.text("""
        INSERT INTO lbi.embeddings (example_id, embedder, environment_id, embedding)
        VALUES (:id, :embedder, :env, CAST(:embedding AS vector))
        ON CONFLICT (example_id, embedder) DO NOTHING
    """), [{"id": d.example_id, "embedder": embedder, "env": d.environment_id, "embedding": vector_param(conn, v)}
           for d, v in zip(documents, vectors)])
