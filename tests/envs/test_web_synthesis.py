"""`synthesize` on web-trac-v0 with the offline model: accepted examples whose actions are valid on the
pages they were taken on (the trajectory up to the example's end replays without an error on a fresh
episode), and no browser or tracd left behind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.envs import registry
from tests.envs.web_processes import leftover_processes

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")
ENV_ID = "web-trac-v0"


def accepted_prefixes(store: sa.Engine) -> list[list[str]]:
    """For each accepted example, its trajectory's actions from the start up to the example's last step."""
    with store.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT e.id, s.action FROM lbi.examples e JOIN lbi.steps s ON s.trajectory_id = e.trajectory_id"
            " AND s.idx <= e.end_step WHERE e.status = 'accepted' ORDER BY e.id, s.idx")).all()
    prefixes: dict[int, list[str]] = {}
    for example_id, action in rows:
        prefixes.setdefault(example_id, []).append(action)
    return list(prefixes.values())


def test_synthesize_gives_web_examples_that_replay(store: sa.Engine) -> None:
    result = synthesize(SynthesizeParams(env=ENV_ID, max_docs=2, instructions_per_doc=2, max_steps=4))
    assert result["status"] == "completed"
    assert result["totals"]["accepted"] > 0, result["totals"]
    prefixes = {tuple(p) for p in accepted_prefixes(store)}
    assert prefixes
    with registry.make(ENV_ID) as env:
        for actions in sorted(prefixes):
            env.reset()
            for action in actions:
                observation = env.step(action).observation
                assert not observation.error, (actions, action, observation.text[:500])
    assert leftover_processes() == []
