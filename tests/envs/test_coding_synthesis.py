"""`synthesize` with the offline model on coding-click-v0: accepted examples, none with a failing step, and
the final diff of every accepted example that changes the repository applies to a fresh copy."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.envs.registry import make
from tests.envs.coding_repo import accepted_examples, final_diffs_apply
from tests.sandbox.backends import needs_bubblewrap

pytestmark = [needs_bubblewrap, pytest.mark.usefixtures("prefect_api", "lbi_env")]
ENV = "coding-click-v0"


def test_synthesis_on_click_keeps_examples_whose_diffs_apply(store: sa.Engine, tmp_path: Path) -> None:
    with make(ENV) as env:
        env.reset()  # prepares the repository, so click's own docs exist to read
    result = synthesize(SynthesizeParams(env=ENV, max_docs=3, instructions_per_doc=8, max_steps=8, max_span_steps=3))
    assert result["status"] == "completed"
    accepted = accepted_examples(store)
    assert len(accepted) >= 5, result["totals"]
    assert not [a for a in accepted if any(a[2])], "an accepted step failed"
    assert final_diffs_apply(ENV, store, tmp_path / "export") >= 1
