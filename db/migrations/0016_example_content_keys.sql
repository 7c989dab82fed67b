-- One example per content. Trajectories often share spans (several tasks start with the same look at
-- the schema), and every copy of a span used to become an example of its own: in a C = 64 benchmark
-- run 890 of 2,194 examples repeated another's instruction and sub-trajectory exactly, and 364 of the
-- 1,335 accepted ones. Each copy was labeled and judged again (from the ledger's cache), got its own
-- verdicts, vector and document, and reached trainers and agents twice. Backward construction now
-- labels a span only when no example of its environment has its content (lbi.example_content_key);
-- a unique key keeps two trajectories labeled at once from both adding it.

-- A span's content as trainers and agents get it (lbi.example_spans.trajectory), wherever it stands in
-- its trajectory: the observation it starts from and its steps, those repeating the previous one left
-- out, without their step numbers.
CREATE FUNCTION lbi.span_content(trajectory bigint, first_step integer, last_step integer) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'start_observation', CASE WHEN first_step = 1 THEN t.initial_observation ELSE prev.observation END,
        'steps', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                      'reason', s.reason, 'action', s.action, 'observation', s.observation,
                      'observation_error', s.observation_error, 'artifacts', s.artifacts
                  ) ORDER BY s.idx), '[]'::jsonb)
                  FROM lbi.steps s
                  WHERE s.trajectory_id = trajectory AND s.idx BETWEEN first_step AND last_step
                    AND NOT s.repeats_previous))
    FROM lbi.trajectories t
    LEFT JOIN lbi.steps prev ON prev.trajectory_id = t.id AND prev.idx = first_step - 1
    WHERE t.id = trajectory
$$;
COMMENT ON FUNCTION lbi.span_content(bigint, integer, integer) IS
    'A span''s start observation and steps (those repeating the previous one left out, without step numbers).';

-- What makes two examples the same: their environment, their kind of instruction and their content.
-- The instruction is left out: at temperature 0 the labeler writes the same one for the same span, and
-- one written differently for the same content is still the same example.
CREATE FUNCTION lbi.example_content_key(trajectory bigint, first_step integer, last_step integer, kind text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(jsonb_build_array(
        t.environment_id, kind, lbi.span_content(trajectory, first_step, last_step))::text, 'UTF8')), 'hex')
    FROM lbi.trajectories t WHERE t.id = trajectory
$$;
COMMENT ON FUNCTION lbi.example_content_key(bigint, integer, integer, text) IS
    'The key of an example''s environment, kind and content (lbi.span_content): one example per key.';

ALTER TABLE lbi.examples ADD COLUMN content_key text;
COMMENT ON COLUMN lbi.examples.content_key IS
    'lbi.example_content_key of the example: no two examples share one. NULL for an example made before keys '
    'existed whose content an earlier example already had (kept, as every stored row is).';
UPDATE lbi.examples e SET content_key = k.key
FROM (SELECT DISTINCT ON (key) id, key
      FROM (SELECT id, lbi.example_content_key(trajectory_id, start_step, end_step, kind) AS key
            FROM lbi.examples) keyed
      ORDER BY key, id) k
WHERE e.id = k.id;
CREATE UNIQUE INDEX examples_content_key ON lbi.examples (content_key);
