-- A run's ledger rows by id: the progress line after each batch counts the run's calls since the
-- previous line (lbi/progress.py, run_id = r AND id > after). On (run_id) alone it read every row of
-- the run for each line, so a run's lines read its ledger over and over (34 rows a model call in a
-- run of 4,373 calls, and growing with the square of a run's length).
DROP INDEX lbi.llm_calls_run;
CREATE INDEX llm_calls_run ON lbi.llm_calls (run_id, id);
