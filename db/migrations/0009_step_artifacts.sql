-- What an environment reports beside an observation, for people and exports rather than for the model:
-- the coding family's diff of the repository after the step, the web family's screenshot path.
ALTER TABLE lbi.steps ADD COLUMN artifacts jsonb NOT NULL DEFAULT '{}'::jsonb;
COMMENT ON COLUMN lbi.steps.artifacts IS 'What the environment reported beside the observation (e.g. diff: the repository''s change after this step), never shown to the model.';
