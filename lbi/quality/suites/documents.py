"""Documents and their chunks, after ingest."""

from __future__ import annotations

from lbi.quality.config import GateConfig
from lbi.quality.scope import Scope
from lbi.quality.suite import BATCH, Check, Suite, between, no_rows, not_null, unique_together


def rows(scope: Scope) -> str:
    return f"""
        SELECT c.id AS chunk_id, c.document_id, c.idx,
               (c.text ~ '\\S')::int AS has_visible_text,
               (SELECT count(*) FROM lbi.doc_chunks o WHERE o.document_id = c.document_id) AS document_chunks,
               (SELECT max(o.idx) FROM lbi.doc_chunks o WHERE o.document_id = c.document_id) AS document_last_idx,
               EXISTS (SELECT 1 FROM lbi.environment_documents d WHERE d.document_id = c.document_id) AS linked
        FROM lbi.doc_chunks c
        WHERE {scope.chunks("c.id")}
    """


def checks(config: GateConfig) -> list[Check]:
    return [
        not_null("chunk_has_document", "every chunk names its document", "document_id"),
        between("chunk_not_empty", "every chunk has visible text", "has_visible_text", min_value=1),
        unique_together("chunk_index_unique", "a document has one chunk per index", ["document_id", "idx"]),
        no_rows(
            "chunk_indexes_contiguous", "a document's chunks are numbered 0..n-1 without a gap",
            f"SELECT DISTINCT document_id, document_chunks, document_last_idx FROM {BATCH}"
            " WHERE document_last_idx <> document_chunks - 1",
            id_column="document_id",
        ),
        no_rows(
            "document_linked_to_environment", "every chunked document belongs to an environment",
            f"SELECT DISTINCT document_id FROM {BATCH} WHERE NOT linked", id_column="document_id",
        ),
    ]


SUITE = Suite(name="documents", key="chunk_id", rows=rows, checks=checks)
