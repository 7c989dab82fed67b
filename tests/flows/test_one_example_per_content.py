"""Trajectories of different tasks often begin alike; a span whose content an example of the
environment already has makes no second example (lbi.examples.content_key)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")


def test_shared_spans_make_one_example_each(store: sa.Engine) -> None:
    result = synthesize(SynthesizeParams(max_docs=2, instructions_per_doc=4, max_steps=3, max_span_steps=2))
    assert result["status"] == "completed"
    with store.connect() as conn:
        first_steps = conn.execute(sa.text(
            "SELECT t.initial_observation, s.reason, s.action, s.observation FROM lbi.trajectories t"
            " JOIN lbi.steps s ON s.trajectory_id = t.id AND s.idx = 1")).all()
        spans = conn.execute(sa.text(
            "SELECT x.environment_id, e.kind, x.trajectory, e.content_key,"
            " e.content_key = lbi.example_content_key(e.trajectory_id, e.start_step, e.end_step, e.kind) AS keyed"
            " FROM lbi.examples e JOIN lbi.example_spans x ON x.example_id = e.id")).all()
    assert len(set(first_steps)) < len(first_steps), "no two trajectories began alike: nothing to show"
    assert all(row.keyed for row in spans), "every example keeps its content's key"
    contents = Counter((row.environment_id, row.kind, _without_step_numbers(row.trajectory)) for row in spans)
    assert contents.most_common(1)[0][1] == 1, "two examples share their content"
    assert result["totals"]["examples"] == len(spans)


def _without_step_numbers(trajectory: dict) -> str:
    steps = [{key: value for key, value in step.items() if key != "idx"} for step in trajectory["steps"]]
    return json.dumps({**trajectory, "steps": steps}, sort_keys=True)
