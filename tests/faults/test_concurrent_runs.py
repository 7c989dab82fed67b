"""Two synthesize runs of one environment at once: no duplicate, nothing lost, the same dataset."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.models.offline.server import running
from tests.flows import dataset

ARGS = ["--max-docs", "2", "--instructions-per-doc", "2", "--max-steps", "3", "--max-span-steps", "2"]


@pytest.mark.usefixtures("lbi_env")
def test_two_runs_at_once(prefect_api: str, store: sa.Engine, new_store_url, monkeypatch: pytest.MonkeyPatch) -> None:
    with running(latency_ms=5) as model:
        env = {**os.environ, "PREFECT_API_URL": prefect_api, "LBI_MODEL_BASE_URL": model}
        runs = [subprocess.Popen([sys.executable, "-m", "lbi", "synthesize", *ARGS], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
        outputs = [run.communicate(timeout=300)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], "\n".join(o[-2000:] for o in outputs)
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*), count(DISTINCT status) FROM lbi.runs")).one() == (2, 1)

    fresh_url = new_store_url()
    monkeypatch.setenv("LBI_DATABASE_URL", fresh_url)
    synthesize(SynthesizeParams(max_docs=2, instructions_per_doc=2, max_steps=3, max_span_steps=2))
    dataset.assert_same_dataset(store, fresh_url, same_row_counts=True)
