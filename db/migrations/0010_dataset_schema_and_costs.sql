-- The dataset as trainers and analysts use it (docs/schema.md):
-- the replicate labeler's step-by-step summary kept with its example; the run that first accepted an
-- example (so a run is credited with what it newly accepted, not with what it found done); the views
-- under the export's names (start_observation, steps, summary, ...); cost per role and model and per
-- source document for the analysts' role; a COMMENT on every view column.

ALTER TABLE lbi.examples ADD COLUMN summary jsonb
    CHECK (summary IS NULL OR jsonb_typeof(summary) = 'array');
COMMENT ON COLUMN lbi.examples.summary IS
    'The replicate labeler''s step-by-step summary of the span (a JSON array of strings); NULL for task examples.';

ALTER TABLE lbi.examples ADD COLUMN accepted_run_id bigint REFERENCES lbi.runs(id);
COMMENT ON COLUMN lbi.examples.accepted_run_id IS
    'The run whose decision made the example accepted (kept while later runs accept it again); NULL unless accepted.';
-- Examples accepted before this column existed: the run of the last verdict the decision needed.
UPDATE lbi.examples e SET accepted_run_id = (SELECT max(v.run_id) FROM lbi.verdicts v WHERE v.example_id = e.id)
WHERE e.status = 'accepted';

-- Steps carry what the environment reported beside them (lbi.steps.artifacts), as the exports do.
CREATE OR REPLACE VIEW lbi.example_spans AS
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
               'observation', s.observation, 'observation_error', s.observation_error, 'artifacts', s.artifacts
           ) ORDER BY s.idx), '[]'::jsonb) AS turns
    FROM lbi.steps s
    WHERE s.trajectory_id = e.trajectory_id AND s.idx BETWEEN e.start_step AND e.end_step
      AND NOT s.repeats_previous
) span;

-- The columns of 0002 first (a view keeps its columns), then the rest of what an export record holds.
CREATE OR REPLACE VIEW lbi.accepted_dataset AS
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
    e.decided_at,
    sp.trajectory->'start_observation' #>> '{}' AS start_observation,
    sp.trajectory->'steps' AS steps,
    e.summary,
    t.status AS trajectory_status,
    d.content_hash AS source_document_hash,
    e.accepted_run_id
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

CREATE OR REPLACE VIEW lbi.run_costs AS
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
          / nullif((r.totals->>'accepted')::integer, 0), 1) AS tokens_per_accepted,
    n.newly_accepted,
    round(c.estimated_usd / nullif(n.newly_accepted, 0), 6) AS usd_per_newly_accepted,
    round(coalesce(c.prompt_tokens + c.completion_tokens, 0)::numeric / nullif(n.newly_accepted, 0), 1)
        AS tokens_per_newly_accepted
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
) c ON true
CROSS JOIN LATERAL (
    SELECT count(*)::integer AS newly_accepted FROM lbi.examples x WHERE x.accepted_run_id = r.id
) n;

-- The ledger by run, role and model, without prompts, answers or errors.
CREATE VIEW lbi.call_costs AS
SELECT
    l.run_id,
    r.environment_id,
    r.flow,
    l.role,
    l.model,
    count(*) FILTER (WHERE l.status <> 'error') AS paid_calls,
    count(*) FILTER (WHERE l.status = 'invalid') AS invalid_calls,
    count(*) FILTER (WHERE l.status = 'error') AS failed_calls,
    sum(l.prompt_tokens)::bigint AS prompt_tokens,
    sum(l.completion_tokens)::bigint AS completion_tokens,
    sum(l.prompt_tokens + l.completion_tokens)::bigint AS tokens,
    sum(l.latency_ms)::bigint AS latency_ms,
    round(sum((l.prompt_tokens * p.usd_per_million_prompt_tokens
               + l.completion_tokens * p.usd_per_million_completion_tokens) / 1000000), 6) AS estimated_usd,
    p.model IS NOT NULL AS priced
FROM lbi.llm_calls l
LEFT JOIN lbi.runs r ON r.id = l.run_id
LEFT JOIN lbi.model_prices p ON p.model = l.model
GROUP BY l.run_id, r.environment_id, r.flow, l.role, l.model, p.model;

-- Per source document: what its tasks became, and the synthesis cost allocated to it. A task belongs to
-- the first chunk that proposed it (as in accepted_dataset); each run's cost of a role is shared over the
-- documents by the units of that role the run made from each: tasks (self_instruct), actor turns
-- (trajectory steps + 1, the closing answer), labeled examples (label_task, label_replicate), judge
-- answers (judge). Other roles, and a run's calls of a role that made no unit, are not allocated.
CREATE VIEW lbi.document_costs AS
WITH task_documents AS (
    SELECT i.id AS task_id, i.environment_id,
           (SELECT c.document_id FROM lbi.instruction_sources x JOIN lbi.doc_chunks c ON c.id = x.chunk_id
            WHERE x.instruction_id = i.id ORDER BY c.id LIMIT 1) AS document_id
    FROM lbi.instructions i WHERE i.origin = 'self_instruct'
), units AS (
    SELECT i.run_id, 'self_instruct' AS role, td.environment_id, td.document_id, 1 AS weight
    FROM lbi.instructions i JOIN task_documents td ON td.task_id = i.id
    UNION ALL
    SELECT t.run_id, 'actor', t.environment_id, td.document_id, t.n_steps + 1
    FROM lbi.trajectories t JOIN task_documents td ON td.task_id = t.instruction_id
    UNION ALL
    SELECT e.run_id, 'label_' || e.kind, t.environment_id, td.document_id, 1
    FROM lbi.examples e JOIN lbi.trajectories t ON t.id = e.trajectory_id
    JOIN task_documents td ON td.task_id = t.instruction_id
    UNION ALL
    SELECT v.run_id, 'judge', t.environment_id, td.document_id, 1
    FROM (SELECT DISTINCT example_id, judge, run_id FROM lbi.verdicts) v
    JOIN lbi.examples e ON e.id = v.example_id JOIN lbi.trajectories t ON t.id = e.trajectory_id
    JOIN task_documents td ON td.task_id = t.instruction_id
), shares AS (
    SELECT run_id, role, environment_id, document_id,
           sum(weight)::numeric / sum(sum(weight)) OVER (PARTITION BY run_id, role) AS share
    FROM units WHERE run_id IS NOT NULL GROUP BY run_id, role, environment_id, document_id
), allocated AS (
    SELECT s.environment_id, s.document_id,
           sum(s.share * c.tokens) AS tokens,
           sum(s.share * c.estimated_usd) AS estimated_usd
    FROM shares s
    JOIN (SELECT run_id, role, sum(tokens) AS tokens, sum(estimated_usd) AS estimated_usd
          FROM lbi.call_costs GROUP BY run_id, role) c ON c.run_id = s.run_id AND c.role = s.role
    GROUP BY s.environment_id, s.document_id
), made AS (
    SELECT td.environment_id, td.document_id,
           count(DISTINCT td.task_id) AS tasks,
           count(DISTINCT t.id) AS trajectories,
           count(DISTINCT e.id) AS examples,
           count(DISTINCT e.id) FILTER (WHERE e.status <> 'pending') AS judged,
           count(DISTINCT e.id) FILTER (WHERE e.status = 'accepted') AS accepted
    FROM task_documents td
    LEFT JOIN lbi.trajectories t ON t.instruction_id = td.task_id
    LEFT JOIN lbi.examples e ON e.trajectory_id = t.id
    GROUP BY td.environment_id, td.document_id
)
SELECT
    m.environment_id,
    m.document_id AS source_document_id,
    d.title AS source_document_title,
    ed.source AS source_document_path,
    d.content_hash AS source_document_hash,
    m.tasks,
    m.trajectories,
    m.examples,
    m.judged,
    m.accepted,
    round(m.accepted::numeric / nullif(m.judged, 0), 4) AS keep_rate,
    round(coalesce(a.tokens, 0), 1) AS allocated_tokens,
    round(a.estimated_usd, 6) AS allocated_usd,
    round(a.estimated_usd / nullif(m.accepted, 0), 6) AS usd_per_accepted
FROM made m
LEFT JOIN allocated a ON a.environment_id = m.environment_id
                     AND a.document_id IS NOT DISTINCT FROM m.document_id
LEFT JOIN lbi.documents d ON d.id = m.document_id
LEFT JOIN lbi.environment_documents ed ON ed.environment_id = m.environment_id AND ed.document_id = m.document_id;

-- Every view and every view column says what it is (docs/schema.md says the same, with examples).
COMMENT ON VIEW lbi.example_spans IS
    'Every example''s sub-trajectory as JSON: the observation before its first step, then its clean steps.';
COMMENT ON COLUMN lbi.example_spans.example_id IS 'The example.';
COMMENT ON COLUMN lbi.example_spans.environment_id IS 'The environment it was made in.';
COMMENT ON COLUMN lbi.example_spans.status IS 'pending, accepted or rejected (the committee''s decision).';
COMMENT ON COLUMN lbi.example_spans.span_steps IS 'Steps in the sub-trajectory (steps repeating the previous one left out).';
COMMENT ON COLUMN lbi.example_spans.trajectory IS
    'JSON: {"start_observation": text, "steps": [{"idx", "reason", "action", "observation", "observation_error", "artifacts"}]}.';

COMMENT ON VIEW lbi.accepted_dataset IS
    'The dataset: one row per example the committee accepted, with its instruction, sub-trajectory and source '
    '(the exports'' record layout: the same names for the same things).';
COMMENT ON COLUMN lbi.accepted_dataset.example_id IS 'The example.';
COMMENT ON COLUMN lbi.accepted_dataset.environment_id IS 'The environment it was made in.';
COMMENT ON COLUMN lbi.accepted_dataset.kind IS 'task (what the span accomplishes) or replicate (written from a step-by-step summary).';
COMMENT ON COLUMN lbi.accepted_dataset.instruction IS 'What the span accomplishes, written backward from it.';
COMMENT ON COLUMN lbi.accepted_dataset.trajectory IS
    'JSON {"start_observation", "steps"}: the two columns start_observation and steps in one value.';
COMMENT ON COLUMN lbi.accepted_dataset.span_steps IS 'Steps in the sub-trajectory (steps repeating the previous one left out).';
COMMENT ON COLUMN lbi.accepted_dataset.start_step IS 'The span''s first step, numbered in the full trajectory (from 1).';
COMMENT ON COLUMN lbi.accepted_dataset.end_step IS 'The span''s last step, numbered in the full trajectory.';
COMMENT ON COLUMN lbi.accepted_dataset.task IS 'The self-instruct task whose rollout the span comes from.';
COMMENT ON COLUMN lbi.accepted_dataset.source_chunk_id IS 'The document chunk that proposed the task (the first one, if several did).';
COMMENT ON COLUMN lbi.accepted_dataset.source_document_id IS 'The document of source_chunk_id.';
COMMENT ON COLUMN lbi.accepted_dataset.source_document_title IS 'Its title.';
COMMENT ON COLUMN lbi.accepted_dataset.source_document_path IS 'Where the environment''s documentation was read from.';
COMMENT ON COLUMN lbi.accepted_dataset.trajectory_id IS 'The rollout the span comes from.';
COMMENT ON COLUMN lbi.accepted_dataset.actor_model IS 'The model that acted in the rollout.';
COMMENT ON COLUMN lbi.accepted_dataset.policy IS 'The committee policy of the last decision (unanimous, majority or any).';
COMMENT ON COLUMN lbi.accepted_dataset.run_id IS 'The run that wrote the example.';
COMMENT ON COLUMN lbi.accepted_dataset.decided_at IS 'When the committee last decided (every run that judges it decides again).';
COMMENT ON COLUMN lbi.accepted_dataset.start_observation IS 'What the environment showed before the span''s first step.';
COMMENT ON COLUMN lbi.accepted_dataset.steps IS
    'JSON array of the span''s clean steps: {"idx", "reason", "action", "observation", "observation_error", "artifacts"}; '
    'reason is the actor''s, written for task, not for instruction.';
COMMENT ON COLUMN lbi.accepted_dataset.summary IS 'The replicate labeler''s step-by-step summary (JSON array of strings); NULL for task examples.';
COMMENT ON COLUMN lbi.accepted_dataset.trajectory_status IS 'How the rollout ended: completed, max_steps or errored.';
COMMENT ON COLUMN lbi.accepted_dataset.source_document_hash IS 'The source document''s content hash (sha256 of its text).';
COMMENT ON COLUMN lbi.accepted_dataset.accepted_run_id IS 'The run whose decision made the example accepted.';

COMMENT ON VIEW lbi.example_lineage IS
    'Where an example came from: example -> trajectory -> self-instruct task -> document chunk -> document, one row '
    'per chunk that proposed the task (so an example whose task several chunks proposed has several rows and '
    'counts once per document here; accepted_dataset and document_costs credit only the first chunk).';
COMMENT ON COLUMN lbi.example_lineage.example_id IS 'The example.';
COMMENT ON COLUMN lbi.example_lineage.status IS 'pending, accepted or rejected.';
COMMENT ON COLUMN lbi.example_lineage.kind IS 'task or replicate.';
COMMENT ON COLUMN lbi.example_lineage.start_step IS 'The span''s first step in the full trajectory.';
COMMENT ON COLUMN lbi.example_lineage.end_step IS 'The span''s last step in the full trajectory.';
COMMENT ON COLUMN lbi.example_lineage.instruction IS 'What the span accomplishes, written backward from it.';
COMMENT ON COLUMN lbi.example_lineage.example_run_id IS 'The run that wrote the example.';
COMMENT ON COLUMN lbi.example_lineage.trajectory_id IS 'The rollout the span comes from.';
COMMENT ON COLUMN lbi.example_lineage.trajectory_status IS 'How the rollout ended: completed, max_steps or errored.';
COMMENT ON COLUMN lbi.example_lineage.actor_model IS 'The model that acted in the rollout.';
COMMENT ON COLUMN lbi.example_lineage.trajectory_run_id IS 'The run that rolled it out.';
COMMENT ON COLUMN lbi.example_lineage.task_id IS 'The self-instruct task rolled out.';
COMMENT ON COLUMN lbi.example_lineage.task IS 'Its text.';
COMMENT ON COLUMN lbi.example_lineage.task_run_id IS 'The run that proposed it.';
COMMENT ON COLUMN lbi.example_lineage.chunk_id IS 'A chunk that proposed the task (one row each).';
COMMENT ON COLUMN lbi.example_lineage.chunk_index IS 'The chunk''s position in its document (from 0).';
COMMENT ON COLUMN lbi.example_lineage.chunk_text IS 'The chunk''s text.';
COMMENT ON COLUMN lbi.example_lineage.document_id IS 'The chunk''s document.';
COMMENT ON COLUMN lbi.example_lineage.document_title IS 'Its title.';
COMMENT ON COLUMN lbi.example_lineage.document_path IS 'Where the environment''s documentation was read from.';
COMMENT ON COLUMN lbi.example_lineage.environment_id IS 'The environment.';

COMMENT ON COLUMN lbi.dataset_funnel.environment_id IS 'The environment.';
COMMENT ON COLUMN lbi.dataset_funnel.position IS 'The stage''s place, 1..7.';
COMMENT ON COLUMN lbi.dataset_funnel.stage IS 'documents, chunks, tasks, trajectories, examples, judged or accepted.';
COMMENT ON COLUMN lbi.dataset_funnel.items IS 'Rows at that stage.';

COMMENT ON COLUMN lbi.stage_keep_rates.environment_id IS 'The environment.';
COMMENT ON COLUMN lbi.stage_keep_rates.position IS 'The stage''s place, 1..5.';
COMMENT ON COLUMN lbi.stage_keep_rates.stage IS 'ingest, self_instruct, rollout, backward or judge.';
COMMENT ON COLUMN lbi.stage_keep_rates.considered IS 'Units the stage considered (see meaning).';
COMMENT ON COLUMN lbi.stage_keep_rates.kept IS 'Units it kept.';
COMMENT ON COLUMN lbi.stage_keep_rates.keep_rate IS 'kept / considered.';
COMMENT ON COLUMN lbi.stage_keep_rates.meaning IS 'What the units are.';

COMMENT ON COLUMN lbi.criterion_keep_rates.environment_id IS 'The environment.';
COMMENT ON COLUMN lbi.criterion_keep_rates.criterion IS 'aligned, coherent, natural or reasonable.';
COMMENT ON COLUMN lbi.criterion_keep_rates.verdicts IS 'Verdicts on the criterion.';
COMMENT ON COLUMN lbi.criterion_keep_rates.accepting IS 'Verdicts that accept.';
COMMENT ON COLUMN lbi.criterion_keep_rates.keep_rate IS 'accepting / verdicts.';
COMMENT ON COLUMN lbi.criterion_keep_rates.examples_failing IS 'Examples some judge rejected on the criterion.';

COMMENT ON COLUMN lbi.judge_keep_rates.environment_id IS 'The environment.';
COMMENT ON COLUMN lbi.judge_keep_rates.judge IS 'The judge model.';
COMMENT ON COLUMN lbi.judge_keep_rates.examples_judged IS 'Examples it judged.';
COMMENT ON COLUMN lbi.judge_keep_rates.examples_accepted IS 'Examples it accepted on every criterion.';
COMMENT ON COLUMN lbi.judge_keep_rates.keep_rate IS 'examples_accepted / examples_judged.';
COMMENT ON COLUMN lbi.judge_keep_rates.verdicts IS 'Its verdicts (one per criterion and example).';
COMMENT ON COLUMN lbi.judge_keep_rates.verdicts_accepting IS 'Its verdicts that accept.';

COMMENT ON COLUMN lbi.span_lengths.environment_id IS 'The environment.';
COMMENT ON COLUMN lbi.span_lengths.span_steps IS 'Steps in a span (steps repeating the previous one left out).';
COMMENT ON COLUMN lbi.span_lengths.examples IS 'Examples of that many steps.';
COMMENT ON COLUMN lbi.span_lengths.accepted IS 'Those accepted.';
COMMENT ON COLUMN lbi.span_lengths.rejected IS 'Those rejected.';

COMMENT ON VIEW lbi.run_costs IS
    'Per run: model calls paid, failed and answered from the cache, tokens, estimated dollars (lbi.model_prices), '
    'and what the run newly accepted; costs per accepted example both ways.';
COMMENT ON COLUMN lbi.run_costs.run_id IS 'The run.';
COMMENT ON COLUMN lbi.run_costs.environment_id IS 'Its environment.';
COMMENT ON COLUMN lbi.run_costs.flow IS 'synthesize, evaluate, ...';
COMMENT ON COLUMN lbi.run_costs.status IS 'running, completed, failed or budget_exhausted.';
COMMENT ON COLUMN lbi.run_costs.started_at IS 'When it started.';
COMMENT ON COLUMN lbi.run_costs.finished_at IS 'When it ended.';
COMMENT ON COLUMN lbi.run_costs.paid_calls IS 'Ledger rows that were paid: answered, or answered outside the role''s contract.';
COMMENT ON COLUMN lbi.run_costs.failed_calls IS 'Ledger rows of calls that got no answer (HTTP error, timeout).';
COMMENT ON COLUMN lbi.run_costs.cached_calls IS 'Calls answered from the cache (not paid, not in the ledger).';
COMMENT ON COLUMN lbi.run_costs.prompt_tokens IS 'Prompt tokens of its ledger rows.';
COMMENT ON COLUMN lbi.run_costs.completion_tokens IS 'Completion tokens of its ledger rows.';
COMMENT ON COLUMN lbi.run_costs.tokens IS 'prompt_tokens + completion_tokens.';
COMMENT ON COLUMN lbi.run_costs.cached_tokens IS 'Tokens of the answers served from the cache (not paid).';
COMMENT ON COLUMN lbi.run_costs.estimated_usd IS 'Dollars at lbi.model_prices; NULL when no called model has a price.';
COMMENT ON COLUMN lbi.run_costs.unpriced_calls IS 'Paid calls to models without a row in lbi.model_prices (not in estimated_usd).';
COMMENT ON COLUMN lbi.run_costs.accepted IS
    'Accepted examples the run covered, made now or found done by an earlier run (a rerun covers what exists).';
COMMENT ON COLUMN lbi.run_costs.usd_per_accepted IS 'estimated_usd / accepted.';
COMMENT ON COLUMN lbi.run_costs.tokens_per_accepted IS 'tokens / accepted.';
COMMENT ON COLUMN lbi.run_costs.newly_accepted IS 'Examples this run''s decisions made accepted (none that were accepted before it).';
COMMENT ON COLUMN lbi.run_costs.usd_per_newly_accepted IS 'estimated_usd / newly_accepted: what one new accepted example cost.';
COMMENT ON COLUMN lbi.run_costs.tokens_per_newly_accepted IS 'tokens / newly_accepted.';

COMMENT ON VIEW lbi.call_costs IS
    'The model-call ledger per run, role and model: calls, tokens, latency and estimated dollars; no prompt, answer or key.';
COMMENT ON COLUMN lbi.call_costs.run_id IS 'The run that made the calls (NULL: calls made outside a run).';
COMMENT ON COLUMN lbi.call_costs.environment_id IS 'The run''s environment.';
COMMENT ON COLUMN lbi.call_costs.flow IS 'The run''s flow.';
COMMENT ON COLUMN lbi.call_costs.role IS 'self_instruct, actor, label_task, label_replicate, judge, query_writer, reason, ...';
COMMENT ON COLUMN lbi.call_costs.model IS 'The model called.';
COMMENT ON COLUMN lbi.call_costs.paid_calls IS 'Calls answered (within or outside the role''s contract).';
COMMENT ON COLUMN lbi.call_costs.invalid_calls IS 'Paid calls whose answer broke the role''s contract.';
COMMENT ON COLUMN lbi.call_costs.failed_calls IS 'Calls that got no answer (HTTP error, timeout).';
COMMENT ON COLUMN lbi.call_costs.prompt_tokens IS 'Prompt tokens.';
COMMENT ON COLUMN lbi.call_costs.completion_tokens IS 'Completion tokens.';
COMMENT ON COLUMN lbi.call_costs.tokens IS 'prompt_tokens + completion_tokens.';
COMMENT ON COLUMN lbi.call_costs.latency_ms IS 'Time spent waiting for the calls, summed.';
COMMENT ON COLUMN lbi.call_costs.estimated_usd IS 'Dollars at lbi.model_prices; NULL when the model has no price.';
COMMENT ON COLUMN lbi.call_costs.priced IS 'Whether the model has a row in lbi.model_prices.';

COMMENT ON VIEW lbi.document_costs IS
    'Per environment and source document (the first chunk that proposed a task, as in accepted_dataset): what its '
    'tasks became, the keep rate, and the synthesis cost allocated to it (each run''s cost of a role shared by the '
    'units of that role made from each document).';
COMMENT ON COLUMN lbi.document_costs.environment_id IS 'The environment.';
COMMENT ON COLUMN lbi.document_costs.source_document_id IS 'The document (NULL: tasks without a source chunk).';
COMMENT ON COLUMN lbi.document_costs.source_document_title IS 'Its title.';
COMMENT ON COLUMN lbi.document_costs.source_document_path IS 'Where the environment''s documentation was read from.';
COMMENT ON COLUMN lbi.document_costs.source_document_hash IS 'Its content hash.';
COMMENT ON COLUMN lbi.document_costs.tasks IS 'Self-instruct tasks credited to it.';
COMMENT ON COLUMN lbi.document_costs.trajectories IS 'Their rollouts.';
COMMENT ON COLUMN lbi.document_costs.examples IS 'Examples labeled from those rollouts.';
COMMENT ON COLUMN lbi.document_costs.judged IS 'Those decided by the committee.';
COMMENT ON COLUMN lbi.document_costs.accepted IS 'Those accepted.';
COMMENT ON COLUMN lbi.document_costs.keep_rate IS 'accepted / judged.';
COMMENT ON COLUMN lbi.document_costs.allocated_tokens IS
    'Tokens allocated to it: self_instruct by tasks, actor by turns, label_* by examples, judge by judge answers.';
COMMENT ON COLUMN lbi.document_costs.allocated_usd IS 'Dollars allocated the same way (NULL when no model is priced).';
COMMENT ON COLUMN lbi.document_costs.usd_per_accepted IS 'allocated_usd / accepted.';

COMMENT ON COLUMN lbi.quality_gates.run_id IS 'The run.';
COMMENT ON COLUMN lbi.quality_gates.environment_id IS 'Its environment.';
COMMENT ON COLUMN lbi.quality_gates.stage IS 'The stage the suite validated.';
COMMENT ON COLUMN lbi.quality_gates.suite IS 'The expectation suite.';
COMMENT ON COLUMN lbi.quality_gates.outcome IS 'passed, warned or stopped.';
COMMENT ON COLUMN lbi.quality_gates.rows_checked IS 'Rows the suite validated.';
COMMENT ON COLUMN lbi.quality_gates.checks IS 'Checks in the suite.';
COMMENT ON COLUMN lbi.quality_gates.checked_at IS 'When.';
COMMENT ON COLUMN lbi.quality_gates.failed_check IS 'A check that failed (NULL on a passing suite''s row).';
COMMENT ON COLUMN lbi.quality_gates.severity IS 'stop or warn.';
COMMENT ON COLUMN lbi.quality_gates.unexpected IS 'Offending rows.';
COMMENT ON COLUMN lbi.quality_gates.sample_ids IS 'Some offending ids (JSON array).';
COMMENT ON COLUMN lbi.quality_gates.message IS 'What failed, in a sentence.';

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lbi_analyst') THEN
        GRANT SELECT ON lbi.call_costs, lbi.document_costs TO lbi_analyst;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE USING MESSAGE = 'lbi_analyst not granted the cost views: ' || SQLERRM;
END
$$;
