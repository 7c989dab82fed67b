-- The synthesize flow stores an accepted example's vector as soon as the committee
-- has decided it, while other examples are still being judged; the example becomes
-- searchable only when its document (lbi.example_documents) is written, after the
-- judging gate passed. So a vector no longer needs its document to exist first, and
-- searches join the two: a vector without a document is not yet published.
ALTER TABLE lbi.embeddings DROP CONSTRAINT embeddings_example_id_fkey;
ALTER TABLE lbi.embeddings ADD CONSTRAINT embeddings_example_id_fkey
    FOREIGN KEY (example_id) REFERENCES lbi.examples(id);
COMMENT ON TABLE lbi.embeddings IS
    'One vector per accepted example and embedder. Searchable only when the example also has a row in'
    ' lbi.example_documents (written after the judging gate passed); a vector without one is not yet published.';
