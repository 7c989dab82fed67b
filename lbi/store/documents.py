"""Environments, documents (once per content hash), their chunks, and skipped files."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from lbi.envs.base import EnvSpec


def upsert_environment(conn: sa.Connection, *, spec: EnvSpec, config: dict | None = None) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO lbi.environments (id, family, description, action_language, config)"
            " VALUES (:id, :family, :description, :language, CAST(:config AS jsonb))"
            " ON CONFLICT (id) DO UPDATE SET family = EXCLUDED.family, description = EXCLUDED.description,"
            " action_language = EXCLUDED.action_language, config = lbi.environments.config || EXCLUDED.config"
        ),
        {"id": spec.id, "family": spec.family, "description": spec.description,
         "language": spec.action_language, "config": json.dumps(config or {})},
    )


def add_document(conn: sa.Connection, *, content_hash: str, title: str, format: str, text: str) -> int:
    """The document's id, inserting it when its content hash is new."""
    conn.execute(
        sa.text(
            "INSERT INTO lbi.documents (content_hash, title, format, text, chars)"
            " VALUES (:hash, :title, :format, :text, :chars) ON CONFLICT (content_hash) DO NOTHING"
        ),
        {"hash": content_hash, "title": title[:500], "format": format, "text": text, "chars": len(text)},
    )
    return conn.execute(
        sa.text("SELECT id FROM lbi.documents WHERE content_hash = :hash"), {"hash": content_hash}
    ).scalar_one()


def link_document(conn: sa.Connection, *, environment_id: str, document_id: int, source: str, run_id: int) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO lbi.environment_documents (environment_id, document_id, source, run_id)"
            " VALUES (:env, :doc, :source, :run) ON CONFLICT DO NOTHING"
        ),
        {"env": environment_id, "doc": document_id, "source": source, "run": run_id},
    )


def record_skip(conn: sa.Connection, *, environment_id: str, source: str, reason: str, run_id: int) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO lbi.skipped_documents (environment_id, source, reason, run_id)"
            " VALUES (:env, :source, :reason, :run)"
            " ON CONFLICT (environment_id, source) DO UPDATE SET reason = EXCLUDED.reason"
        ),
        {"env": environment_id, "source": source, "reason": reason, "run": run_id},
    )


def chunk_ids(conn: sa.Connection, *, document_id: int, chunking: str) -> list[int]:
    return list(conn.execute(
        sa.text("SELECT id FROM lbi.doc_chunks WHERE document_id = :doc AND chunking = :chunking ORDER BY idx"),
        {"doc": document_id, "chunking": chunking},
    ).scalars())


def add_chunks(conn: sa.Connection, *, document_id: int, chunking: str, chunks: list[str]) -> list[int]:
    """Chunk the document once per chunking: a document already chunked this way keeps its chunks."""
    if not chunk_ids(conn, document_id=document_id, chunking=chunking):
        conn.execute(
            sa.text(
                "INSERT INTO lbi.doc_chunks (document_id, chunking, idx, text) VALUES (:doc, :chunking, :idx, :text)"
                " ON CONFLICT (document_id, chunking, idx) DO NOTHING"
            ),
            [{"doc": document_id, "chunking": chunking, "idx": idx, "text": text} for idx, text in enumerate(chunks)],
        )
    return chunk_ids(conn, document_id=document_id, chunking=chunking)


@dataclass(frozen=True)
class ChunkToPropose:
    index: int  # in its document, under its chunking
    of: int  # how many chunks its document has under that chunking
    text: str


def chunks_to_propose(conn: sa.Connection, *, chunk_ids: list[int]) -> dict[int, ChunkToPropose]:
    """Each chunk's place in its document and its text, in one statement."""
    rows = conn.execute(sa.text(
        "SELECT c.id, c.idx, (SELECT count(*) FROM lbi.doc_chunks o WHERE o.document_id = c.document_id"
        " AND o.chunking = c.chunking), c.text FROM lbi.doc_chunks c WHERE c.id = ANY(CAST(:ids AS bigint[]))"),
        {"ids": chunk_ids})
    return {chunk_id: ChunkToPropose(int(index), int(of), text) for chunk_id, index, of, text in rows}
