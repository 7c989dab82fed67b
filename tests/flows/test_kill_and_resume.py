"""kill -9 in the middle of a rollout, then run again: nothing lost, nothing duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.models.offline.server import running
from tests.flows import dataset

ARGS = ["--max-docs", "2", "--instructions-per-doc", "2", "--max-steps", "3", "--max-span-steps", "2"]
PARAMS = SynthesizeParams(max_docs=2, instructions_per_doc=2, max_steps=3, max_span_steps=2)


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM lbi.{table}")).scalar_one()


@pytest.mark.usefixtures("lbi_env")
def test_kill_mid_rollout_then_resume(prefect_api: str, store: sa.Engine, new_store_url,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with running(latency_ms=40) as slow_model:
        env = {**os.environ, "PREFECT_API_URL": prefect_api, "LBI_MODEL_BASE_URL": slow_model}
        process = subprocess.Popen([sys.executable, "-m", "lbi", "synthesize", *ARGS], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 120
        while _count(store, "trajectories") < 2:
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the run never reached its rollouts"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert _count(store, "examples") == 0 or _count(store, "verdicts") == 0, "killed too late to mean anything"

    result = synthesize(PARAMS)
    assert result["status"] == "completed"

    fresh_url = new_store_url()
    monkeypatch.setenv("LBI_DATABASE_URL", fresh_url)
    synthesize(PARAMS)
    dataset.assert_same_dataset(store, fresh_url, same_row_counts=True)
