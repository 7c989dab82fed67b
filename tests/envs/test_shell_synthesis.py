"""`synthesize` on the shell environment end to end: embedded Postgres, the offline model over HTTP, Prefect,
and every rollout in the real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from tests.envs.shell_paths import accepted_spans, paths_in, share_touching_only_existing
from tests.sandbox.backends import needs_bubblewrap

pytestmark = [needs_bubblewrap, pytest.mark.usefixtures("prefect_api", "lbi_env")]


def test_synthesize_runs_on_the_shell_environment(store: sa.Engine, tmp_path: Path) -> None:
    result = synthesize(SynthesizeParams(env="shell-project-v0", max_docs=2, instructions_per_doc=4, max_steps=4))
    totals = result["totals"]
    assert result["status"] == "completed"
    for stage in ("documents", "instructions", "trajectories", "steps", "examples", "verdicts", "accepted"):
        assert totals[stage] > 0, stage
    with store.connect() as conn:
        steps = conn.execute(sa.text("SELECT action, observation FROM lbi.steps")).all()
        sources = conn.execute(sa.text("SELECT source FROM lbi.environment_documents")).scalars().all()
    assert all(source.endswith(".md") for source in sources), "the handbook comes first"
    succeeded = [s for s in steps if s.observation.endswith("[exit code 0]")]
    assert len(succeeded) >= 0.9 * len(steps), steps
    spans = accepted_spans(store)
    existing = paths_in("shell-project-v0", tmp_path)
    share = share_touching_only_existing(spans, existing.__contains__)
    assert share >= 0.9, f"{share:.0%} of {len(spans)} accepted examples touch only existing paths"
    assert not [span for span in spans if any(error for _, error in span)], "an accepted step failed"
