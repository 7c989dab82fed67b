-- The synthesize flow indexes accepted examples for retrieval after the committee,
-- and the embeddings gate follows that stage.
ALTER TABLE lbi.run_stage_ids DROP CONSTRAINT run_stage_ids_stage_check;
ALTER TABLE lbi.run_stage_ids ADD CONSTRAINT run_stage_ids_stage_check
    CHECK (stage IN ('ingest', 'self_instruct', 'rollout', 'backward', 'judge', 'index'));
