-- A document's chunks belong to the chunking that made them (chunker and size), so a run with another
-- chunker or size chunks the document anew instead of silently reusing chunks made another way.
-- Chunks of an earlier chunking stay: instructions proposed from them still refer to them.
ALTER TABLE lbi.doc_chunks ADD COLUMN chunking text NOT NULL DEFAULT 'headings-v1:6000';
ALTER TABLE lbi.doc_chunks ALTER COLUMN chunking DROP DEFAULT;
ALTER TABLE lbi.doc_chunks DROP CONSTRAINT doc_chunks_document_id_idx_key;
ALTER TABLE lbi.doc_chunks ADD CONSTRAINT doc_chunks_document_chunking_idx_key UNIQUE (document_id, chunking, idx);
COMMENT ON COLUMN lbi.doc_chunks.chunking IS 'The chunker and its size budget that made this chunk, e.g. headings-v1:6000.';
