-- A run's ledger rows by id: the progress line after each batch counts the run's calls since the
-- previous line (lbi/progress.py, run_id = r AND id > after). On (run_id) alone each line read every
-- ledger row of the run so far, so a run's lines together read a number of rows that grows with the
-- square of its length.
DROP INDEX lbi.llm_calls_run;
CREATE INDEX llm_calls_run ON lbi.llm_calls (run_id, id);
