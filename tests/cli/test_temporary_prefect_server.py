"""`lbi synthesize` with no PREFECT_API_URL starts Prefect's temporary server; one that does not start in
time ends the command with one line saying what to set, not as a bug of lbi."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.usefixtures("lbi_env")
def test_a_temporary_server_that_does_not_start_in_time_is_one_clear_line(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="0")
    done = subprocess.run([sys.executable, "-m", "lbi", "synthesize", "--max-docs", "1", "--instructions-per-doc", "1"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        "error: Prefect's temporary server (PREFECT_API_URL is not set) did not start within 0 s: set PREFECT_API_URL"
        " to a running server (`prefect server start`), or give it longer with"
        " PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
