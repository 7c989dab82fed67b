"""A document is chunked once per chunking: the same chunker and size reuse its chunks, another makes new ones."""

from __future__ import annotations

import sqlalchemy as sa

from lbi.docs.chunking import chunk_text, chunking_key
from lbi.store import documents

TEXT = "# Guide\n\n" + "\n\n".join(f"Paragraph {i}: " + "words " * 60 for i in range(30))


def test_another_chunk_size_chunks_the_document_anew_and_the_same_one_reuses_its_chunks(store: sa.Engine) -> None:
    with store.begin() as conn:
        document_id = documents.add_document(conn, content_hash="h", title="Guide", format="markdown", text=TEXT)
        large = documents.add_chunks(conn, document_id=document_id, chunking=chunking_key(6000),
                                     chunks=chunk_text(TEXT, max_chars=6000))
        small = documents.add_chunks(conn, document_id=document_id, chunking=chunking_key(1000),
                                     chunks=chunk_text(TEXT, max_chars=1000))
        again = documents.add_chunks(conn, document_id=document_id, chunking=chunking_key(1000),
                                     chunks=chunk_text(TEXT, max_chars=1000))
        assert len(small) > len(large) and not set(small) & set(large)
        assert again == small
        read = documents.chunks_to_propose(conn, chunk_ids=small)
        assert (read[small[-1]].index, read[small[-1]].of) == (len(small) - 1, len(small))
        assert set(read) == set(small) and all(len(chunk.text) <= 1000 for chunk in read.values())
