"""Instructions: proposed by self-instruct (one per text per environment) or written backward."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa


def text_hash(text: str) -> str:
    normalized = " ".join(text.lower().split())
    return hashlib.sha256(normalized.encode()).hexdigest()


def add_self_instruct(conn: sa.Connection, *, environment_id: str, chunk_id: int, texts: list[str],
                      run_id: int) -> list[int]:
    """Store proposed tasks once per environment; link each to the chunk that proposed it. Two
    statements whatever the number of texts.

    Rows are written in hash order, so concurrent writers lock them in the same order. A text another
    transaction is storing waits for it, and the second statement (a new snapshot) finds its row.
    """
    digests = [text_hash(t) for t in texts]
    by_hash = dict(zip(digests, texts))
    hashes = sorted(by_hash)
    conn.execute(
        sa.text(
            "INSERT INTO lbi.instructions (environment_id, origin, text, text_hash, run_id)"
            " SELECT :env, 'self_instruct', t.text, t.hash, :run"
            " FROM unnest(CAST(:texts AS text[]), CAST(:hashes AS text[])) AS t(text, hash) ORDER BY t.hash"
            " ON CONFLICT (environment_id, text_hash) WHERE origin = 'self_instruct' DO NOTHING"
        ),
        {"env": environment_id, "run": run_id, "texts": [by_hash[h] for h in hashes], "hashes": hashes},
    )
    ids = dict(conn.execute(
        sa.text(
            "WITH stored AS (SELECT id, text_hash FROM lbi.instructions WHERE environment_id = :env"
            "                AND origin = 'self_instruct' AND text_hash = ANY(CAST(:hashes AS text[]))),"
            " linked AS (INSERT INTO lbi.instruction_sources SELECT id, :c FROM stored ORDER BY id"
            "            ON CONFLICT DO NOTHING)"
            " SELECT text_hash, id FROM stored"
        ),
        {"env": environment_id, "hashes": hashes, "c": chunk_id},
    ).all())
    return [ids[digest] for digest in digests]
