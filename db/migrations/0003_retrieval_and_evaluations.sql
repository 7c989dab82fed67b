-- Retrieval over accepted examples (Algorithm 2) and stored evaluation runs.
--
-- example_documents: what retrieval searches and shows for an accepted example:
-- full-text vectors over its instruction and actions (search_tsv) and over the
-- observations its span saw (observation_tsv, the observation-based side).
-- embeddings: one dense vector per example and embedder, HNSW-indexed (cosine);
-- environment_id is kept on the row so a filtered search needs no join, and
-- searches run with hnsw.iterative_scan so the filter never starves the result.

CREATE TABLE lbi.example_documents (
    example_id       bigint PRIMARY KEY REFERENCES lbi.examples(id),
    environment_id   text NOT NULL REFERENCES lbi.environments(id),
    instruction      text NOT NULL,
    actions          text NOT NULL,
    reference        text NOT NULL,
    search_tsv       tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector('english', instruction), 'A')
                         || setweight(to_tsvector('english', actions), 'B')) STORED,
    observation_tsv  tsvector NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX example_documents_environment ON lbi.example_documents (environment_id);
CREATE INDEX example_documents_search ON lbi.example_documents USING gin (search_tsv);
CREATE INDEX example_documents_observations ON lbi.example_documents USING gin (observation_tsv);

CREATE TABLE lbi.embeddings (
    example_id      bigint NOT NULL REFERENCES lbi.example_documents(example_id),
    embedder        text NOT NULL,
    environment_id  text NOT NULL REFERENCES lbi.environments(id),
    embedding       vector(384) NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (example_id, embedder)
);
CREATE INDEX embeddings_environment ON lbi.embeddings (environment_id, embedder);
-- m = 32 (pgvector's default is 16): synthesized data holds many near-duplicates
-- (spans labeled twice, tasks proposed alike), and with few links per node the
-- graph splits into islands the search cannot leave (bench/retrieval.py).
CREATE INDEX embeddings_hnsw ON lbi.embeddings USING hnsw (embedding vector_cosine_ops)
    WITH (m = 32, ef_construction = 128);

-- Document frequency of every lexeme, per environment and field, kept up to date
-- by the indexing stage: full-text queries use a text's rarest words (the ones
-- that tell documents apart, as BM25's IDF does), which also bounds how many rows
-- a query ranks.
CREATE TABLE lbi.lexeme_stats (
    environment_id  text NOT NULL REFERENCES lbi.environments(id),
    field           text NOT NULL CHECK (field IN ('search', 'observation')),
    lexeme          text NOT NULL,
    documents       integer NOT NULL CHECK (documents > 0),
    PRIMARY KEY (environment_id, field, lexeme)
);

-- Full-text query over a text's rarest lexemes in the environment: any of them
-- (the rarest always, then the next rarest while the rows they match stay within
-- the budget); when even the rarest matches more rows than that, any two of the
-- three rarest, which keeps the rows BM25 would rank first and drops the rest.
CREATE FUNCTION lbi.rare_words_query(env text, in_field text, body text, budget integer DEFAULT 1000,
                                     max_terms integer DEFAULT 12) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH words AS (
        SELECT DISTINCT w.lexeme FROM unnest(to_tsvector('english', left(coalesce(body, ''), 20000))) AS w
    ), ranked AS (
        SELECT '''' || replace(replace(words.lexeme, '\', '\\'), '''', '''''') || '''' AS term, s.documents,
               sum(s.documents) OVER (ORDER BY s.documents, words.lexeme) AS matched,
               row_number() OVER (ORDER BY s.documents, words.lexeme) AS place
        FROM words JOIN lbi.lexeme_stats s
          ON s.environment_id = env AND s.field = in_field AND s.lexeme = words.lexeme
    ), common AS (
        SELECT count(*) >= 2 AND min(documents) > budget AS yes FROM ranked
    )
    SELECT coalesce(CASE WHEN (SELECT yes FROM common) THEN
               (SELECT string_agg('(' || a.term || ' & ' || b.term || ')', ' | ')
                FROM ranked a JOIN ranked b ON a.place < b.place AND b.place <= 3)
           ELSE
               (SELECT string_agg(term, ' | ' ORDER BY place) FROM ranked
                WHERE (matched <= budget OR place = 1) AND place <= max_terms)
           END, '')::tsquery
$$;

CREATE TABLE lbi.evaluations (
    id              bigserial PRIMARY KEY,
    run_id          bigint REFERENCES lbi.runs(id),
    environment_id  text NOT NULL REFERENCES lbi.environments(id),
    mode            text NOT NULL CHECK (mode IN ('baseline', 'retrieval', 'replay')),
    task_set        text NOT NULL,
    task_set_hash   text NOT NULL,
    actor_model     text,
    params          jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
    message         text,
    tasks           integer NOT NULL DEFAULT 0,
    successes       integer NOT NULL DEFAULT 0,
    success_rate    double precision,
    model_calls     integer NOT NULL DEFAULT 0,
    tokens          bigint NOT NULL DEFAULT 0,
    retrieval_hits  integer NOT NULL DEFAULT 0,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX evaluations_environment ON lbi.evaluations (environment_id, mode, id);

CREATE TABLE lbi.evaluation_results (
    evaluation_id   bigint NOT NULL REFERENCES lbi.evaluations(id),
    task_id         text NOT NULL,
    difficulty      text,
    success         boolean NOT NULL,
    detail          text NOT NULL,
    status          text NOT NULL,
    steps           integer NOT NULL CHECK (steps >= 0),
    model_calls     integer NOT NULL CHECK (model_calls >= 0),
    tokens          integer NOT NULL CHECK (tokens >= 0),
    retrieval_hits  integer NOT NULL CHECK (retrieval_hits >= 0),
    retrieved       bigint[] NOT NULL DEFAULT '{}',
    actions         jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (evaluation_id, task_id)
);
