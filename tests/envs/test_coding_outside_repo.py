"""Bring your own repository: a small one made here is registered with `lbi env add --family python-repo`,
synthesized with the offline model (accepted examples whose final diffs apply to a fresh copy, no accepted
step failing) and evaluated on a small task set (replay and the offline actor both fix its failing test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.cli import app
from lbi.envs.coding.actions import call_text
from lbi.evaluation.evaluate import ModelAccess, evaluate
from lbi.evaluation.params import EvaluateParams
from lbi.models.client import ClientOptions
from tests.envs.coding_repo import FAILING, FIX, accepted_examples, final_diffs_apply, write_repository
from tests.sandbox.backends import needs_bubblewrap

pytestmark = [needs_bubblewrap, pytest.mark.usefixtures("prefect_api", "lbi_env")]
ENV = "shapes"


def _register(tmp_path: Path) -> Path:
    repo = write_repository(tmp_path / "shapes")
    added = CliRunner().invoke(app, ["env", "add", ENV, "--family", "python-repo", "--repo", str(repo),
                                     "--test", "pytest -q"])
    assert added.exit_code == 0, added.output
    return repo


def test_an_outside_repository_synthesizes_and_evaluates(store: sa.Engine, offline_model: str, tmp_path: Path) -> None:
    _register(tmp_path)
    result = synthesize(SynthesizeParams(env=ENV, max_docs=2, instructions_per_doc=4, max_steps=14, max_span_steps=4))
    assert result["status"] == "completed"
    accepted = accepted_examples(store)
    assert len(accepted) >= 5, result["totals"]
    assert not [a for a in accepted if any(a[2])], "an accepted step failed"
    assert final_diffs_apply(ENV, store, tmp_path / "export") >= 1, "some accepted example changes the repository"

    tasks = tmp_path / "tasks.jsonl"
    fix = {"id": "inside", "env": ENV, "instruction": "is_inside(3, 0, 3) returns False, but the range is closed.",
           "gold_actions": [call_text("str_replace", *FIX), "submit()"],
           "check": {"type": "all_of", "checks": [
               {"type": "tests_pass", "fail_to_pass": [FAILING], "pass_to_pass": ["tests/test_area.py"]},
               {"type": "diff_touches_only", "files": [FIX[0]]}]}}
    tasks.write_text(json.dumps(fix) + "\n")
    replay = evaluate(engine=store, params=EvaluateParams(env=ENV, mode="replay", tasks=str(tasks)))
    assert replay.summary()["success_rate"] == 1.0, replay.results
    models = ModelAccess(base_url=offline_model, api_key="offline", options=ClientOptions(concurrency=2),
                         actor_model="offline-actor", query_model="offline-actor")
    baseline = evaluate(engine=store, params=EvaluateParams(env=ENV, mode="baseline", tasks=str(tasks), max_steps=16),
                        models=models)
    assert baseline.summary()["success_rate"] == 1.0, baseline.results
