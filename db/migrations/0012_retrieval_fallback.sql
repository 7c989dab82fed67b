-- The dense side's exact retry (lbi/retrieval/queries.py, when the HNSW graph has missed) ranks a
-- scope's vectors by the Hamming distance of their binary-quantized form (one bit per dimension, its
-- sign) and re-ranks the nearest few hundred by cosine, instead of computing the cosine distance of
-- every vector in the scope: at 100,000 examples ~30 ms instead of 120-450 (docs/performance.md).
-- The bits are a stored column, kept in the scope's index beside the key, so that ranking reads the
-- index alone (48 bytes a vector) instead of the table (1.5 kB a vector). Adding the column rewrites
-- both tables and rebuilds their indexes (the HNSW graph too: ~1 min at 120,000 vectors).
SET LOCAL maintenance_work_mem = '1GB';

ALTER TABLE lbi.embeddings ADD COLUMN embedding_bits bit(384)
    GENERATED ALWAYS AS (binary_quantize(embedding)::bit(384)) STORED;
DROP INDEX lbi.embeddings_environment;
CREATE INDEX embeddings_environment ON lbi.embeddings (environment_id, embedder) INCLUDE (example_id, embedding_bits);

ALTER TABLE lbi.corpus_items ADD COLUMN embedding_bits bit(384)
    GENERATED ALWAYS AS (binary_quantize(embedding)::bit(384)) STORED;
DROP INDEX lbi.corpus_items_corpus;
CREATE INDEX corpus_items_corpus ON lbi.corpus_items (corpus_id, embedder) INCLUDE (id, embedding_bits);

-- Unused since the search statements build the rarest-words query themselves (lbi/retrieval/queries.py).
DROP FUNCTION lbi.rare_words_query(text, text, text, integer, integer);
