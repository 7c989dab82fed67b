"""Deploy round trip: a real Prefect server, `lbi deploy` serving, a run triggered through the API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

import yaml

from lbi.deployments import MODEL_CALLS_LIMIT, PROJECT_DIR, read_deployments, synthesize_deployment
from lbi.envs import families, registry

NAME = "synthesize-sqlite-chinook-v0"


def test_every_built_in_environment_has_the_synthesize_deployment_the_registry_generates() -> None:
    entries = {e["name"]: e for e in read_deployments()}
    for module in families.BUILTIN:
        for spec in families.resolve(f"{module}:ENVIRONMENTS"):
            entry = entries.get(f"synthesize-{spec.id}")
            assert entry, f"prefect.yaml has no synthesize deployment for {spec.id}"
            generated = synthesize_deployment(spec, cron=entry["schedules"][0]["cron"])
            assert {**entry, "description": None} == {**generated, "description": None}


def test_the_deployment_command_prints_an_entry_for_any_registered_environment() -> None:
    from typer.testing import CliRunner

    from lbi.cli import app

    result = CliRunner().invoke(app, ["deployment", "shell-project-v0", "--cron", "15 3 * * *"])
    assert result.exit_code == 0, result.output
    [entry] = yaml.safe_load(result.output)
    assert entry == synthesize_deployment(registry.spec("shell-project-v0"), cron="15 3 * * *")


@pytest.mark.usefixtures("lbi_env")
def test_deploy_serve_and_run_through_the_api(prefect_api: str, store: sa.Engine) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    env = {**os.environ, "PREFECT_API_URL": prefect_api, "LBI_PROJECT_DIR": str(PROJECT_DIR)}
    server = subprocess.Popen([sys.executable, "-m", "lbi", "deploy", "--only", NAME, "--model-call-limit", "4"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        with get_client(sync_client=True) as client:
            deadline = time.monotonic() + 90
            while True:
                assert server.poll() is None, server.stdout.read().decode()[-3000:]
                try:
                    deployment = client.read_deployment_by_name(f"synthesize/{NAME}")
                    break
                except Exception:
                    assert time.monotonic() < deadline, "the deployment never appeared"
                    time.sleep(0.5)
            assert deployment.parameters["params"]["env"] == "sqlite-chinook-v0"
            assert client.read_global_concurrency_limit_by_name(MODEL_CALLS_LIMIT).limit == 4
        small = {"env": "sqlite-chinook-v0", "max_docs": 1, "instructions_per_doc": 1, "max_steps": 2}
        run = run_deployment(f"synthesize/{NAME}", parameters={"params": small}, timeout=240)
        assert run.state is not None and run.state.is_completed(), run.state
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    with store.connect() as conn:
        status, totals = conn.execute(sa.text("SELECT status, totals FROM lbi.runs")).one()
    assert status == "completed" and totals["documents"] == 1 and totals["trajectories"] > 0
