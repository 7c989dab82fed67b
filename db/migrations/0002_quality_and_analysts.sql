-- Quality gates (what each stage of a run covered, and each gate's result),
-- model prices, the analysts' views, and their read-only role.
-- docs/schema.md explains every view with example queries.

-- The ids each stage of a run covered (made now or found done by an earlier run):
-- ingest -> chunk ids, self_instruct -> instruction ids, rollout -> trajectory ids,
-- backward and judge -> example ids. A run's quality gates validate these rows.
CREATE TABLE lbi.run_stage_ids (
    run_id      bigint NOT NULL REFERENCES lbi.runs(id),
    stage       text NOT NULL CHECK (stage IN ('ingest', 'self_instruct', 'rollout', 'backward', 'judge')),
    ids         bigint[] NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, stage)
);

-- The latest validation of each expectation suite for a run, as the flow's gate ran it.
CREATE TABLE lbi.gate_results (
    run_id        bigint NOT NULL REFERENCES lbi.runs(id),
    suite         text NOT NULL,
    stage         text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('passed', 'warned', 'stopped')),
    rows_checked  integer NOT NULL CHECK (rows_checked >= 0),
    checks        integer NOT NULL CHECK (checks >= 0),
    failures      jsonb NOT NULL DEFAULT '[]',
    result        jsonb NOT NULL DEFAULT '{}',
    checked_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, suite)
);

-- Prices per model, set by whoever pays the bill; runs are costed from the ledger with them.
CREATE TABLE lbi.model_prices (
    model                              text PRIMARY KEY,
    usd_per_million_prompt_tokens      numeric NOT NULL CHECK (usd_per_million_prompt_tokens >= 0),
    usd_per_million_completion_tokens  numeric NOT NULL CHECK (usd_per_million_completion_tokens >= 0),
    updated_at                         timestamptz NOT NULL DEFAULT now()
);

-- The clean steps (no exact repeat of the previous step) of an example's span, as the
-- backward construction and the judges saw them.
CREATE VIEW lbi.example_spans AS
SELECT
    e.id AS example_id,
    t.environment_id,
    e.status,
    span.steps AS span_steps,
    jsonb_build_object(
        'start_observation', CASE WHEN e.start_step = 1 THEN t.initial_observation ELSE prev.observation END,
        'steps', span.turns
    ) AS trajectory
FROM lbi.examples e
JOIN lbi.trajectories t ON t.id = e.trajectory_id
LEFT JOIN lbi.steps prev ON prev.trajectory_id = e.trajectory_id AND prev.idx = e.start_step - 1
CROSS JOIN LATERAL (
    SELECT count(*)::integer AS steps,
           coalesce(jsonb_agg(jsonb_build_object(
               'idx', s.idx, 'reason', s.reason, 'action', s.action,
               'observation', s.observation, 'observation_error', s.observation_error
           ) ORDER BY s.idx), '[]'::jsonb) AS turns
    FROM lbi.steps s
    WHERE s.trajectory_id = e.trajectory_id AND s.idx BETWEEN e.start_step AND e.end_step
      AND NOT s.repeats_previous
) span;
COMMENT ON VIEW lbi.example_spans IS
    'Every example''s sub-trajectory as JSON: the observation before its first step, then its clean steps.';

CREATE VIEW lbi.accepted_dataset AS
SELECT
    e.id AS example_id,
    t.environment_id,
    e.kind,
    i.text AS instruction,
    sp.trajectory,
    sp.span_steps,
    e.start_step,
    e.end_step,
    task.text AS task,
    src.chunk_id AS source_chunk_id,
    d.id AS source_document_id,
    d.title AS source_document_title,
    ed.source AS source_document_path,
    e.trajectory_id,
    t.actor_model,
    e.policy,
    e.run_id,
    e.decided_at
FROM lbi.examples e
JOIN lbi.example_spans sp ON sp.example_id = e.id
JOIN lbi.trajectories t ON t.id = e.trajectory_id
JOIN lbi.instructions i ON i.id = e.instruction_id
JOIN lbi.instructions task ON task.id = t.instruction_id
LEFT JOIN LATERAL (
    SELECT c.id AS chunk_id, c.document_id
    FROM lbi.instruction_sources x JOIN lbi.doc_chunks c ON c.id = x.chunk_id
    WHERE x.instruction_id = t.instruction_id
    ORDER BY c.id LIMIT 1
) src ON true
LEFT JOIN lbi.documents d ON d.id = src.document_id
LEFT JOIN lbi.environment_documents ed ON ed.environment_id = t.environment_id AND ed.document_id = d.id
WHERE e.status = 'accepted';
COMMENT ON VIEW lbi.accepted_dataset IS
    'The dataset: one row per example the committee accepted, with its instruction, sub-trajectory and source.';
COMMENT ON COLUMN lbi.accepted_dataset.instruction IS 'What the span accomplishes, written backward from it.';
COMMENT ON COLUMN lbi.accepted_dataset.trajectory IS
    'JSON: {"start_observation": text, "steps": [{"idx", "reason", "action", "observation", "observation_error"}]}.';
COMMENT ON COLUMN lbi.accepted_dataset.span_steps IS 'Steps in the sub-trajectory (repeated steps left out).';
COMMENT ON COLUMN lbi.accepted_dataset.task IS 'The self-instruct task whose rollout the span comes from.';
COMMENT ON COLUMN lbi.accepted_dataset.source_chunk_id IS 'The document chunk that proposed the task (the first one, if several did).';
COMMENT ON COLUMN lbi.accepted_dataset.run_id IS 'The run that wrote the example.';

CREATE VIEW lbi.example_lineage AS
SELECT
    e.id AS example_id,
    e.status,
    e.kind,
    e.start_step,
    e.end_step,
    i.text AS instruction,
    e.run_id AS example_run_id,
    t.id AS trajectory_id,
    t.status AS trajectory_status,
    t.actor_model,
    t.run_id AS trajectory_run_id,
    task.id AS task_id,
    task.text AS task,
    task.run_id AS task_run_id,
    c.id AS chunk_id,
    c.idx AS chunk_index,
    c.text AS chunk_text,
    d.id AS document_id,
    d.title AS document_title,
    ed.source AS document_path,
    t.environment_id
FROM lbi.examples e
JOIN lbi.instructions i ON i.id = e.instruction_id
JOIN lbi.trajectories t ON t.id = e.trajectory_id
JOIN lbi.instructions task ON task.id = t.instruction_id
LEFT JOIN lbi.instruction_sources x ON x.instruction_id = task.id
LEFT JOIN lbi.doc_chunks c ON c.id = x.chunk_id
LEFT JOIN lbi.documents d ON d.id = c.document_id
LEFT JOIN lbi.environment_documents ed ON ed.environment_id = t.environment_id AND ed.document_id = d.id;
COMMENT ON VIEW lbi.example_lineage IS
    'Where an example came from: example -> trajectory -> self-instruct task -> document chunk -> document '
    '(one row per chunk that proposed the task), with the run that wrote each.';

CREATE VIEW lbi.dataset_funnel AS
SELECT env.id AS environment_id, f.position, f.stage, f.items
FROM lbi.environments env
CROSS JOIN LATERAL (VALUES
    (1, 'documents', (SELECT count(*) FROM lbi.environment_documents d WHERE d.environment_id = env.id)),
    (2, 'chunks', (SELECT count(*) FROM lbi.doc_chunks c
                   JOIN lbi.environment_documents d ON d.document_id = c.document_id
                   WHERE d.environment_id = env.id)),
    (3, 'tasks', (SELECT count(*) FROM lbi.instructions i
                  WHERE i.environment_id = env.id AND i.origin = 'self_instruct')),
    (4, 'trajectories', (SELECT count(*) FROM lbi.trajectories t WHERE t.environment_id = env.id)),
    (5, 'examples', (SELECT count(*) FROM lbi.examples x JOIN lbi.trajectories t ON t.id = x.trajectory_id
                     WHERE t.environment_id = env.id)),
    (6, 'judged', (SELECT count(*) FROM lbi.examples x JOIN lbi.trajectories t ON t.id = x.trajectory_id
                   WHERE t.environment_id = env.id AND x.status <> 'pending')),
    (7, 'accepted', (SELECT count(*) FROM lbi.examples x JOIN lbi.trajectories t ON t.id = x.trajectory_id
                     WHERE t.environment_id = env.id AND x.status = 'accepted'))
) AS f(position, stage, items);
COMMENT ON VIEW lbi.dataset_funnel IS
    'Rows per stage and environment, from documents to accepted examples (position orders the stages).';

CREATE VIEW lbi.stage_keep_rates AS
SELECT env.id AS environment_id, s.position, s.stage, s.considered, s.kept,
       round(s.kept::numeric / nullif(s.considered, 0), 4) AS keep_rate, s.meaning
FROM lbi.environments env
CROSS JOIN LATERAL (
    SELECT
        (SELECT count(*) FROM lbi.environment_documents d WHERE d.environment_id = env.id) AS documents,
        (SELECT count(*) FROM lbi.skipped_documents d WHERE d.environment_id = env.id) AS skipped,
        (SELECT count(*) FROM lbi.doc_chunks c JOIN lbi.environment_documents d ON d.document_id = c.document_id
           WHERE d.environment_id = env.id) AS chunks,
        (SELECT count(DISTINCT x.chunk_id) FROM lbi.instruction_sources x
           JOIN lbi.instructions i ON i.id = x.instruction_id WHERE i.environment_id = env.id) AS chunks_with_tasks,
        (SELECT count(*) FROM lbi.instructions i
           WHERE i.environment_id = env.id AND i.origin = 'self_instruct') AS tasks,
        (SELECT count(DISTINCT t.instruction_id) FROM lbi.trajectories t
           WHERE t.environment_id = env.id AND t.status <> 'errored') AS tasks_rolled_out,
        (SELECT count(*) FROM lbi.examples x JOIN lbi.trajectories t ON t.id = x.trajectory_id
           WHERE t.environment_id = env.id) AS examples,
        (SELECT count(*) FROM lbi.failed_generations f JOIN lbi.runs r ON r.id = f.run_id
           WHERE r.environment_id = env.id AND f.stage = 'backward') AS failed_labels,
        (SELECT count(*) FROM lbi.examples x JOIN lbi.trajectories t ON t.id = x.trajectory_id
           WHERE t.environment_id = env.id AND x.status <> 'pending') AS judged,
        (SELECT count(*) FROM lbi.examples x JOIN lbi.trajectories t ON t.id = x.trajectory_id
           WHERE t.environment_id = env.id AND x.status = 'accepted') AS accepted
) n
CROSS JOIN LATERAL (VALUES
    (1, 'ingest', n.documents + n.skipped, n.documents, 'files read that became documents (the rest were skipped with a reason)'),
    (2, 'self_instruct', n.chunks, n.chunks_with_tasks, 'chunks that proposed at least one task'),
    (3, 'rollout', n.tasks, n.tasks_rolled_out, 'tasks rolled out to a trajectory that did not error'),
    (4, 'backward', n.examples + n.failed_labels, n.examples, 'spans labeled with a usable instruction'),
    (5, 'judge', n.judged, n.accepted, 'judged examples the committee accepted')
) AS s(position, stage, considered, kept, meaning);
COMMENT ON VIEW lbi.stage_keep_rates IS
    'Per environment and stage: units considered, units kept, and the keep rate (kept / considered).';

CREATE VIEW lbi.criterion_keep_rates AS
SELECT t.environment_id, v.criterion,
       count(*) AS verdicts,
       count(*) FILTER (WHERE v.accept) AS accepting,
       round(avg(v.accept::integer), 4) AS keep_rate,
       count(DISTINCT v.example_id) FILTER (WHERE NOT v.accept) AS examples_failing
FROM lbi.verdicts v
JOIN lbi.examples e ON e.id = v.example_id
JOIN lbi.trajectories t ON t.id = e.trajectory_id
GROUP BY t.environment_id, v.criterion;
COMMENT ON VIEW lbi.criterion_keep_rates IS
    'Per environment and criterion (aligned, coherent, natural, reasonable): the share of verdicts that accept.';

CREATE VIEW lbi.judge_keep_rates AS
SELECT environment_id, judge,
       count(*) AS examples_judged,
       count(*) FILTER (WHERE accepted_all) AS examples_accepted,
       round(avg(accepted_all::integer), 4) AS keep_rate,
       sum(verdicts) AS verdicts,
       sum(accepting) AS verdicts_accepting
FROM (
    SELECT t.environment_id, v.judge, v.example_id, bool_and(v.accept) AS accepted_all,
           count(*) AS verdicts, count(*) FILTER (WHERE v.accept) AS accepting
    FROM lbi.verdicts v
    JOIN lbi.examples e ON e.id = v.example_id
    JOIN lbi.trajectories t ON t.id = e.trajectory_id
    GROUP BY t.environment_id, v.judge, v.example_id
) per_example
GROUP BY environment_id, judge;
COMMENT ON VIEW lbi.judge_keep_rates IS
    'Per environment and judge model: examples it judged and the share it accepted on every criterion.';

CREATE VIEW lbi.span_lengths AS
SELECT environment_id, span_steps,
       count(*) AS examples,
       count(*) FILTER (WHERE status = 'accepted') AS accepted,
       count(*) FILTER (WHERE status = 'rejected') AS rejected
FROM lbi.example_spans
GROUP BY environment_id, span_steps;
COMMENT ON VIEW lbi.span_lengths IS 'Per environment: how many examples (and accepted ones) span how many steps.';

CREATE VIEW lbi.run_costs AS
SELECT
    r.id AS run_id,
    r.environment_id,
    r.flow,
    r.status,
    r.started_at,
    r.finished_at,
    coalesce(c.paid_calls, 0) AS paid_calls,
    coalesce(c.failed_calls, 0) AS failed_calls,
    r.cache_hits AS cached_calls,
    coalesce(c.prompt_tokens, 0) AS prompt_tokens,
    coalesce(c.completion_tokens, 0) AS completion_tokens,
    coalesce(c.prompt_tokens + c.completion_tokens, 0) AS tokens,
    r.cached_tokens,
    round(c.estimated_usd, 6) AS estimated_usd,
    coalesce(c.unpriced_calls, 0) AS unpriced_calls,
    (r.totals->>'accepted')::integer AS accepted,
    round(c.estimated_usd / nullif((r.totals->>'accepted')::integer, 0), 6) AS usd_per_accepted,
    round(coalesce(c.prompt_tokens + c.completion_tokens, 0)::numeric
          / nullif((r.totals->>'accepted')::integer, 0), 1) AS tokens_per_accepted
FROM lbi.runs r
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE l.status <> 'error') AS paid_calls,
           count(*) FILTER (WHERE l.status = 'error') AS failed_calls,
           sum(l.prompt_tokens) AS prompt_tokens,
           sum(l.completion_tokens) AS completion_tokens,
           sum((l.prompt_tokens * p.usd_per_million_prompt_tokens
                + l.completion_tokens * p.usd_per_million_completion_tokens) / 1000000) AS estimated_usd,
           count(*) FILTER (WHERE p.model IS NULL AND l.status <> 'error') AS unpriced_calls
    FROM lbi.llm_calls l
    LEFT JOIN lbi.model_prices p ON p.model = l.model
    WHERE l.run_id = r.id
) c ON true;
COMMENT ON VIEW lbi.run_costs IS
    'Per run: model calls paid, failed and answered from the cache, tokens, and estimated dollars '
    '(from lbi.model_prices; NULL when no called model has a price) per accepted example.';
COMMENT ON COLUMN lbi.run_costs.accepted IS 'Accepted examples the run covered (made now or found done).';
COMMENT ON COLUMN lbi.run_costs.unpriced_calls IS 'Paid calls to models without a row in lbi.model_prices (not in estimated_usd).';

CREATE VIEW lbi.quality_gates AS
SELECT g.run_id, r.environment_id, g.stage, g.suite, g.outcome, g.rows_checked, g.checks, g.checked_at,
       f.value->>'check' AS failed_check,
       f.value->>'severity' AS severity,
       (f.value->>'unexpected')::integer AS unexpected,
       f.value->'sample_ids' AS sample_ids,
       f.value->>'message' AS message
FROM lbi.gate_results g
JOIN lbi.runs r ON r.id = g.run_id
LEFT JOIN LATERAL jsonb_array_elements(g.failures) f ON true;
COMMENT ON VIEW lbi.quality_gates IS
    'Each run''s quality gates: one row per suite that passed, or per check that failed (warned or stopped the run).';

-- Analysts read the views and nothing else; a server where the migrating user may not
-- create roles gets the views without the role (an administrator can create it later).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lbi_analyst') THEN
        CREATE ROLE lbi_analyst LOGIN;
    END IF;
    ALTER ROLE lbi_analyst SET default_transaction_read_only = on;
    ALTER ROLE lbi_analyst SET statement_timeout = '5min';
    GRANT USAGE ON SCHEMA lbi TO lbi_analyst;
    GRANT SELECT ON lbi.accepted_dataset, lbi.example_spans, lbi.example_lineage, lbi.dataset_funnel,
        lbi.stage_keep_rates, lbi.criterion_keep_rates, lbi.judge_keep_rates, lbi.span_lengths,
        lbi.run_costs, lbi.quality_gates TO lbi_analyst;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE USING MESSAGE = 'lbi_analyst not set up (no privilege to create roles): ' || SQLERRM;
END
$$;
