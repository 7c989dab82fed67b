"""`synthesize` on the shell environment end to end: embedded Postgres, the offline model over HTTP, Prefect,
and every rollout in the real sandbox."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from tests.sandbox.backends import needs_bubblewrap

pytestmark = [needs_bubblewrap, pytest.mark.usefixtures("prefect_api", "lbi_env")]


def test_synthesize_runs_on_the_shell_environment(store: sa.Engine) -> None:
    result = synthesize(SynthesizeParams(env="shell-project-v0", max_docs=2, instructions_per_doc=2, max_steps=4))
    totals = result["totals"]
    assert result["status"] == "completed"
    for stage in ("documents", "instructions", "trajectories", "steps", "examples", "verdicts", "accepted"):
        assert totals[stage] > 0, stage
    with store.connect() as conn:
        steps = conn.execute(sa.text("SELECT action, observation FROM lbi.steps")).all()
        sources = conn.execute(sa.text("SELECT source FROM lbi.environment_documents")).scalars().all()
    assert all(source.endswith(".md") for source in sources), "the handbook comes first"
    succeeded = [s for s in steps if s.observation.endswith("[exit code 0]")]
    assert len(succeeded) >= 0.8 * len(steps), steps
