-- The store: documents -> chunks -> instructions -> trajectories/steps
-- -> examples -> verdicts, with the model-call ledger and the runs beside them.
-- Every table has a natural key so each stage can be re-run as a no-op.

CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS lbi;

CREATE TABLE lbi.runs (
    id              bigserial PRIMARY KEY,
    flow            text NOT NULL,
    environment_id  text,
    flow_run_id     text,
    params          jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'completed', 'failed', 'budget_exhausted')),
    message         text,
    max_llm_calls   integer CHECK (max_llm_calls >= 0),
    max_tokens      bigint CHECK (max_tokens >= 0),
    llm_calls       integer NOT NULL DEFAULT 0,
    tokens          bigint NOT NULL DEFAULT 0,
    cache_hits      integer NOT NULL DEFAULT 0,
    cached_tokens   bigint NOT NULL DEFAULT 0,
    totals          jsonb NOT NULL DEFAULT '{}',
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

CREATE TABLE lbi.environments (
    id               text PRIMARY KEY,
    family           text NOT NULL,
    description      text NOT NULL,
    action_language  text NOT NULL,
    config           jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lbi.documents (
    id            bigserial PRIMARY KEY,
    content_hash  text NOT NULL UNIQUE,
    title         text NOT NULL,
    format        text NOT NULL,
    text          text NOT NULL,
    chars         integer NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lbi.environment_documents (
    environment_id  text NOT NULL REFERENCES lbi.environments(id),
    document_id     bigint NOT NULL REFERENCES lbi.documents(id),
    source          text NOT NULL,
    run_id          bigint REFERENCES lbi.runs(id),
    PRIMARY KEY (environment_id, document_id)
);

CREATE TABLE lbi.skipped_documents (
    environment_id  text NOT NULL REFERENCES lbi.environments(id),
    source          text NOT NULL,
    reason          text NOT NULL,
    run_id          bigint REFERENCES lbi.runs(id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, source)
);

CREATE TABLE lbi.doc_chunks (
    id           bigserial PRIMARY KEY,
    document_id  bigint NOT NULL REFERENCES lbi.documents(id),
    idx          integer NOT NULL CHECK (idx >= 0),
    text         text NOT NULL CHECK (length(text) > 0),
    UNIQUE (document_id, idx)
);

CREATE TABLE lbi.instructions (
    id              bigserial PRIMARY KEY,
    environment_id  text NOT NULL REFERENCES lbi.environments(id),
    origin          text NOT NULL CHECK (origin IN ('self_instruct', 'backward')),
    text            text NOT NULL,
    text_hash       text NOT NULL,
    run_id          bigint REFERENCES lbi.runs(id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX instructions_self_instruct_unique
    ON lbi.instructions (environment_id, text_hash) WHERE origin = 'self_instruct';

CREATE TABLE lbi.instruction_sources (
    instruction_id  bigint NOT NULL REFERENCES lbi.instructions(id),
    chunk_id        bigint NOT NULL REFERENCES lbi.doc_chunks(id),
    PRIMARY KEY (instruction_id, chunk_id)
);
CREATE INDEX instruction_sources_chunk ON lbi.instruction_sources (chunk_id);

CREATE TABLE lbi.trajectories (
    id                   bigserial PRIMARY KEY,
    instruction_id       bigint NOT NULL REFERENCES lbi.instructions(id),
    environment_id       text NOT NULL REFERENCES lbi.environments(id),
    actor_model          text NOT NULL,
    status               text NOT NULL CHECK (status IN ('completed', 'max_steps', 'errored')),
    error                text,
    initial_observation  text NOT NULL,
    n_steps              integer NOT NULL CHECK (n_steps >= 0),
    run_id               bigint REFERENCES lbi.runs(id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (instruction_id, actor_model)
);

CREATE TABLE lbi.steps (
    trajectory_id      bigint NOT NULL REFERENCES lbi.trajectories(id),
    idx                integer NOT NULL CHECK (idx >= 1),
    reason             text NOT NULL DEFAULT '',
    action             text NOT NULL,
    observation        text NOT NULL,
    observation_error  boolean NOT NULL DEFAULT false,
    repeats_previous   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (trajectory_id, idx)
);

-- Backward construction: one instruction per (span, kind); the example links it to its span.
ALTER TABLE lbi.instructions ADD COLUMN trajectory_id bigint REFERENCES lbi.trajectories(id);

CREATE TABLE lbi.examples (
    id              bigserial PRIMARY KEY,
    trajectory_id   bigint NOT NULL REFERENCES lbi.trajectories(id),
    start_step      integer NOT NULL CHECK (start_step >= 1),
    end_step        integer NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('task', 'replicate')),
    instruction_id  bigint NOT NULL UNIQUE REFERENCES lbi.instructions(id),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    policy          text,
    decided_at      timestamptz,
    run_id          bigint REFERENCES lbi.runs(id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (end_step >= start_step),
    UNIQUE (trajectory_id, start_step, end_step, kind)
);
CREATE INDEX examples_status ON lbi.examples (status);

CREATE TABLE lbi.verdicts (
    example_id   bigint NOT NULL REFERENCES lbi.examples(id),
    judge        text NOT NULL,
    criterion    text NOT NULL CHECK (criterion IN ('aligned', 'coherent', 'natural', 'reasonable')),
    accept       boolean NOT NULL,
    rationale    text NOT NULL,
    run_id       bigint REFERENCES lbi.runs(id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (example_id, judge, criterion)
);

-- The model-call ledger, which is also the cache: a successful call's answer
-- is served again for the same request hash; failures are rows, never answers.
-- Every paid attempt is a row (two processes racing on one request make two);
-- 'invalid' is an answer that broke its role's contract: paid, never served.
CREATE TABLE lbi.llm_calls (
    id                 bigserial PRIMARY KEY,
    request_hash       text NOT NULL,
    run_id             bigint REFERENCES lbi.runs(id),
    role               text NOT NULL,
    model              text NOT NULL,
    status             text NOT NULL CHECK (status IN ('ok', 'error', 'invalid')),
    request            jsonb NOT NULL,
    response_text      text,
    error              text,
    http_status        integer,
    attempt            integer NOT NULL DEFAULT 1,
    prompt_tokens      integer NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens  integer NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    latency_ms         integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_calls_cache ON lbi.llm_calls (request_hash, id) WHERE status = 'ok';
CREATE INDEX llm_calls_run ON lbi.llm_calls (run_id);

-- A model answer that did not follow its role's contract, per stage and subject.
CREATE TABLE lbi.failed_generations (
    stage        text NOT NULL,
    subject      text NOT NULL,
    model        text NOT NULL,
    reason       text NOT NULL,
    answer       text NOT NULL,
    run_id       bigint REFERENCES lbi.runs(id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stage, subject, model)
);
