-- Ablations (lbi experiment): the paper's variants evaluated side by side on one held-out task set.
--
-- experiments: one row per `lbi experiment` run.
-- experiment_corpora: what a variant retrieves from, built for the experiment (a selection of the
-- environment's examples, the original task/trajectory pairs, the examples of a synthesis without
-- documents, or documentation chunks). Its items live here, never in lbi.examples or
-- lbi.example_documents, so nothing an experiment makes reaches the dataset, its exports or the
-- environment's retrieval.
-- experiment_variants: the table, one row per variant, with the evaluation it ran.

CREATE TABLE lbi.experiments (
    id              bigserial PRIMARY KEY,
    run_id          bigint REFERENCES lbi.runs(id),
    environment_id  text NOT NULL REFERENCES lbi.environments(id),
    task_set        text NOT NULL,
    task_set_hash   text NOT NULL,
    params          jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed', 'budget_exhausted')),
    message         text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

CREATE TABLE lbi.experiment_corpora (
    id             bigserial PRIMARY KEY,
    experiment_id  bigint NOT NULL REFERENCES lbi.experiments(id),
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('examples', 'original_pairs', 'chunks')),
    members_hash   text NOT NULL,  -- of what it holds: corpora holding the same items are one corpus
    items          integer NOT NULL DEFAULT 0 CHECK (items >= 0),
    UNIQUE (experiment_id, name)
);

CREATE TABLE lbi.corpus_items (
    id               bigserial PRIMARY KEY,
    corpus_id        bigint NOT NULL REFERENCES lbi.experiment_corpora(id),
    example_id       bigint REFERENCES lbi.examples(id),
    trajectory_id    bigint REFERENCES lbi.trajectories(id),
    chunk_id         bigint REFERENCES lbi.doc_chunks(id),
    instruction      text NOT NULL,
    actions          text NOT NULL,
    reference        text NOT NULL,
    search_tsv       tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector('english', instruction), 'A')
                         || setweight(to_tsvector('english', actions), 'B')) STORED,
    observation_tsv  tsvector NOT NULL,
    embedder         text NOT NULL,
    embedding        vector(384) NOT NULL
);
CREATE INDEX corpus_items_corpus ON lbi.corpus_items (corpus_id);

-- Document frequencies per corpus and field, for the same rarest-words full-text queries as
-- lbi.rare_words_query (the corpus stands in for the environment).
CREATE TABLE lbi.corpus_lexemes (
    corpus_id  bigint NOT NULL REFERENCES lbi.experiment_corpora(id),
    field      text NOT NULL CHECK (field IN ('search', 'observation')),
    lexeme     text NOT NULL,
    documents  integer NOT NULL CHECK (documents > 0),
    PRIMARY KEY (corpus_id, field, lexeme)
);

CREATE TABLE lbi.experiment_variants (
    experiment_id            bigint NOT NULL REFERENCES lbi.experiments(id),
    variant                  text NOT NULL,
    position                 integer NOT NULL,
    description              text NOT NULL,
    retrieval                text NOT NULL CHECK (retrieval IN ('off', 'observation', 'model', 'both', 'chunks')),
    corpus_id                bigint REFERENCES lbi.experiment_corpora(id),
    evaluation_id            bigint REFERENCES lbi.evaluations(id),
    examples_kept            integer,
    tasks                    integer,
    success_rate             double precision,
    model_calls_per_task     double precision,
    tokens_per_task          double precision,
    retrieval_hits_per_task  double precision,
    PRIMARY KEY (experiment_id, variant)
);

CREATE VIEW lbi.experiment_table AS
SELECT x.id AS experiment_id, x.environment_id, x.task_set, x.status AS experiment_status, x.finished_at,
       v.position, v.variant, v.description, v.retrieval, c.kind AS corpus_kind, v.examples_kept, v.tasks,
       v.success_rate, v.model_calls_per_task, v.tokens_per_task, v.retrieval_hits_per_task, v.evaluation_id,
       v.corpus_id
FROM lbi.experiment_variants v
JOIN lbi.experiments x ON x.id = v.experiment_id
LEFT JOIN lbi.experiment_corpora c ON c.id = v.corpus_id;
COMMENT ON VIEW lbi.experiment_table IS
    'The ablation table of each lbi experiment: one row per variant, evaluated on the experiment''s held-out task set.';
COMMENT ON COLUMN lbi.experiment_table.examples_kept IS
    'Items the variant retrieves from: examples, original pairs or documentation chunks (null: retrieval off).';
COMMENT ON COLUMN lbi.experiment_table.success_rate IS
    'Share of the tasks that could be judged which the agent solved (task-set errors left out).';
COMMENT ON COLUMN lbi.experiment_table.model_calls_per_task IS
    'Model calls per task at evaluation (actor and query writer; cached answers count).';
COMMENT ON COLUMN lbi.experiment_table.tokens_per_task IS 'Prompt and completion tokens per task at evaluation.';
COMMENT ON COLUMN lbi.experiment_table.experiment_id IS 'The experiment (lbi.experiments.id).';
COMMENT ON COLUMN lbi.experiment_table.environment_id IS 'The environment the experiment evaluated.';
COMMENT ON COLUMN lbi.experiment_table.task_set IS 'The held-out task set file the variants were evaluated on.';
COMMENT ON COLUMN lbi.experiment_table.experiment_status IS
    'running, completed, failed, or budget_exhausted (the rows are the variants done before the cap on model calls was reached).';
COMMENT ON COLUMN lbi.experiment_table.finished_at IS 'When the experiment finished.';
COMMENT ON COLUMN lbi.experiment_table.position IS 'The variant''s place in the table.';
COMMENT ON COLUMN lbi.experiment_table.variant IS 'The variant''s name (full, no-committee, policy-relaxed, rag-documentation, ...).';
COMMENT ON COLUMN lbi.experiment_table.description IS 'What the variant changes from the full method.';
COMMENT ON COLUMN lbi.experiment_table.retrieval IS 'off, observation, model, both, or chunks (the documentation RAG baseline).';
COMMENT ON COLUMN lbi.experiment_table.corpus_kind IS 'What the corpus holds: examples, original_pairs or chunks (null: retrieval off).';
COMMENT ON COLUMN lbi.experiment_table.tasks IS 'Tasks evaluated.';
COMMENT ON COLUMN lbi.experiment_table.retrieval_hits_per_task IS 'Items retrieved per task, over every step.';
COMMENT ON COLUMN lbi.experiment_table.evaluation_id IS 'The stored evaluation (lbi.evaluations.id); its per-task results are in lbi.evaluation_results.';
COMMENT ON COLUMN lbi.experiment_table.corpus_id IS 'The corpus the variant retrieved from (lbi.experiment_corpora.id; null: retrieval off).';

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lbi_analyst') THEN
        GRANT SELECT ON lbi.experiment_table TO lbi_analyst;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE USING MESSAGE = 'lbi_analyst may not read lbi.experiment_table: ' || SQLERRM;
END
$$;
