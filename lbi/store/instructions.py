"""Instructions: proposed by self-instruct (one per text per environment) or written backward."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa


def text_hash(text: str) -> str:
    normalized = " ".join(text.lower().split())
    return hashlib.sha256(normalized.encode()).hexdigest()


def add_self_instruct(conn: sa.Connection, *, environment_id: str, chunk_id: int, texts: list[str],
                      run_id: int) -> list[int]:
    """Store proposed tasks once per environment; link each to the chunk that proposed it.

    Rows are written in hash order, so concurrent writers lock them in the same order.
    """
    ids = {}
    for digest, text in sorted((text_hash(t), t) for t in texts):
        conn.execute(
            sa.text(
                "INSERT INTO lbi.instructions (environment_id, origin, text, text_hash, run_id)"
                " VALUES (:env, 'self_instruct', :text, :hash, :run)"
                " ON CONFLICT (environment_id, text_hash) WHERE origin = 'self_instruct' DO NOTHING"
            ),
            {"env": environment_id, "text": text, "hash": digest, "run": run_id},
        )
        instruction_id = conn.execute(
            sa.text(
                "SELECT id FROM lbi.instructions WHERE environment_id = :env AND text_hash = :hash"
                " AND origin = 'self_instruct'"
            ),
            {"env": environment_id, "hash": digest},
        ).scalar_one()
        conn.execute(
            sa.text("INSERT INTO lbi.instruction_sources VALUES (:i, :c) ON CONFLICT DO NOTHING"),
            {"i": instruction_id, "c": chunk_id},
        )
        ids[text] = instruction_id
    return [ids[text] for text in texts]


def instruction_text(conn: sa.Connection, *, instruction_id: int) -> str:
    return conn.execute(
        sa.text("SELECT text FROM lbi.instructions WHERE id = :id"), {"id": instruction_id}
    ).scalar_one()
