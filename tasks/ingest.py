"""Ingest: documents from files and directories, stored once per content hash, then chunked."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.docs.chunking import chunk_text, chunking_key
from lbi.docs.loaders import Skipped, iter_documents
from lbi.store import documents


@task(name="ingest", cache_policy=NONE)
def ingest_documents(run_id: int, paths: list[str], max_docs: int | None, chunk_chars: int,
                     on_chunks: Callable[[list[int]], None] | None = None) -> list[int]:
    """Chunk ids of every usable document under ``paths``; bad files are recorded as skipped.
    ``on_chunks`` gets each document's chunk ids as soon as they are stored."""
    rt = runtime.for_run(run_id)
    env_id = rt.spec.id
    chunk_ids: list[int] = []
    for item in iter_documents([Path(p) for p in paths], max_docs=max_docs):
        with rt.engine.begin() as conn:
            if isinstance(item, Skipped):
                documents.record_skip(conn, environment_id=env_id, source=item.source, reason=item.reason,
                                      run_id=run_id)
                continue
            document_id = documents.add_document(
                conn, content_hash=item.content_hash, title=item.title, format=item.format, text=item.text
            )
            documents.link_document(conn, environment_id=env_id, document_id=document_id, source=item.source,
                                    run_id=run_id)
            stored = documents.add_chunks(conn, document_id=document_id, chunking=chunking_key(chunk_chars),
                                          chunks=chunk_text(item.text, max_chars=chunk_chars))
        chunk_ids.extend(stored)
        if on_chunks is not None:
            on_chunks(stored)
    return list(dict.fromkeys(chunk_ids))
