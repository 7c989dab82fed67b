"""The store goes away mid-run: a clean failure with a clear message, then a resume that loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.models.offline.server import running
from lbi.store import embedded
from tests.flows import dataset

ARGS = ["--max-docs", "2", "--instructions-per-doc", "2", "--max-steps", "3", "--max-span-steps", "2"]


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM lbi.{table}")).scalar_one()
    except sa.exc.ProgrammingError:
        return 0  # not migrated yet
    finally:
        engine.dispose()


@pytest.mark.usefixtures("lbi_env")
def test_store_stops_mid_run_then_resume(prefect_api: str, tmp_path: Path, new_store_url,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    with running(latency_ms=30) as model:
        env = {**os.environ, "PREFECT_API_URL": prefect_api, "LBI_MODEL_BASE_URL": model, "LBI_HOME": str(home)}
        env.pop("LBI_DATABASE_URL")
        env.pop("PREFECT_LOGGING_LEVEL", None)  # as a user runs it
        url = embedded.start(home / "pgdata")
        try:
            run = subprocess.Popen([sys.executable, "-m", "lbi", "synthesize", *ARGS], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 120
            while _count(url, "trajectories") < 2:
                assert run.poll() is None and time.monotonic() < deadline, run.stderr.read().decode()[-3000:]
                time.sleep(0.05)
            embedded.stop(home / "pgdata")
            _, stderr = run.communicate(timeout=120)
            assert run.returncode == 1
            message = stderr.decode()
            assert "the store is unreachable" in message and "run the command again" in message, message[-3000:]
            assert "Traceback" not in message, message[:3000]

            again = subprocess.run([sys.executable, "-m", "lbi", "synthesize", *ARGS], env=env,
                                   capture_output=True, timeout=300)
            assert again.returncode == 0, again.stderr.decode()[-3000:]
            resumed = sa.create_engine(url)
            with resumed.connect() as conn:
                statuses = conn.execute(sa.text("SELECT status FROM lbi.runs ORDER BY id")).scalars().all()
            assert statuses[-1] == "completed"

            monkeypatch.setenv("LBI_DATABASE_URL", new_store_url())
            monkeypatch.setenv("LBI_MODEL_BASE_URL", model)
            synthesize(SynthesizeParams(max_docs=2, instructions_per_doc=2, max_steps=3, max_span_steps=2))
            fresh = sa.create_engine(os.environ["LBI_DATABASE_URL"])
            assert dataset.examples(resumed) == dataset.examples(fresh)
            assert dataset.trajectories(resumed) == dataset.trajectories(fresh)
            resumed.dispose()
            fresh.dispose()
        finally:
            embedded.stop(home / "pgdata")
