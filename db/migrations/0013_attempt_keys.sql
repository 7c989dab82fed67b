-- Every attempt's row carries a key its client made, so writing the same row twice keeps one: a row the
-- model's transport committed but whose reply was lost (the process died, the connection broke after the
-- commit) is written again by the client itself, and must not become a second paid attempt. Rows written
-- before this migration have none.
ALTER TABLE lbi.llm_calls ADD COLUMN attempt_key uuid;
CREATE UNIQUE INDEX llm_calls_attempt_key ON lbi.llm_calls (attempt_key);
