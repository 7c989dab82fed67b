"""The deployment route: prefect.yaml as `lbi deployment` writes it, and `lbi deploy` on a real Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings

from lbi.deployments import read_deployments, synthesize_deployment
from lbi.envs import families, registry
from tasks.report import artifact_key, store_identity
from tests.deploy.prefect_server import prefect_server, stop_group

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


@pytest.mark.timeout(660)  # the next whole minute, then a real run on a busy machine
def test_a_cron_schedule_fires_on_the_worker_of_lbi_deploy_and_its_run_logs_each_batch(
        lbi_env: dict[str, str], store: sa.Engine, tmp_path: Path) -> None:
    """The one route (`lbi deploy`: prefect deploy --all, then a worker) on a Prefect server started from
    this environment: an every-minute cron makes a scheduled run, the worker completes it, and its logs
    in the API carry a line per batch and the run's totals."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (ArtifactCollectionFilter, ArtifactCollectionFilterKey, DeploymentFilter,
                                                DeploymentFilterId, LogFilter, LogFilterFlowRunId)
    from prefect.client.schemas.sorting import FlowRunSort

    entry = synthesize_deployment(registry.spec("sqlite-chinook-v0"), cron="* * * * *", timezone="Europe/Paris")
    entry["parameters"]["params"].update(max_docs=1, instructions_per_doc=1, max_steps=2)
    deployments = tmp_path / "prefect.yaml"
    deployments.write_text(yaml.safe_dump({"name": "cron-test", "pull": [], "deployments": [entry]}))
    with prefect_server(tmp_path / "prefect") as api:
        env = {**os.environ, **lbi_env, "PREFECT_API_URL": api, "PREFECT_LOGGING_LEVEL": "INFO"}
        output = tmp_path / "worker.log"  # a file, not a pipe: nobody reads the worker's logs while it runs
        with output.open("wb") as sink:
            worker = subprocess.Popen([sys.executable, "-m", "lbi", "deploy", "--file", str(deployments)],
                                      env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        try:
            with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
                deployment = _wait_for(lambda: client.read_deployment_by_name(f"synthesize/{NAME}"), worker, output)
                [schedule] = deployment.schedules
                assert (schedule.schedule.cron, schedule.schedule.timezone) == ("* * * * *", "Europe/Paris")
                assert deployment.tags == entry["tags"] and deployment.global_concurrency_limit.limit == 1
                assert deployment.job_variables["env"]["PREFECT_LOGGING_LEVEL"] == "INFO"

                def completed_run():
                    runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(
                        any_=[deployment.id])), sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=3)
                    states = [(str(r.expected_start_time), r.state.name) for r in runs]
                    assert not any(r.state.is_final() and not r.state.is_completed() for r in runs), states
                    completed = [r for r in runs if r.state.is_completed()]
                    assert completed, f"no scheduled run completed yet: {states}"
                    return completed[0]

                run = _wait_for(completed_run, worker, output, deadline_s=420)
                assert run.auto_scheduled and run.expected_start_time.second == 0

                def logs_up_to_the_totals() -> list[str]:  # a run's last logs may reach the API after its state
                    logs = [log.message for log in client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(
                        any_=[run.id])))]
                    assert any(" completed: documents " in m for m in logs)
                    return logs

                logs = _wait_for(logs_up_to_the_totals, worker, output, deadline_s=30)
                (report,) = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(
                    key=ArtifactCollectionFilterKey(any_=[artifact_key("report", "sqlite-chinook-v0", engine=store)])))
                stop_group(worker)  # a worker that stops pauses no schedule: runs wait for the next worker
                after = client.read_deployment(deployment.id)
                assert not after.paused and after.schedules[0].active
        finally:
            stop_group(worker)
    with store.connect() as conn:
        run_id, status, totals = conn.execute(sa.text("SELECT id, status, totals FROM lbi.runs WHERE flow_run_id = :f"),
                                              {"f": str(run.id)}).one()
    assert status == "completed" and totals["trajectories"] > 0
    page = Path(lbi_env["LBI_HOME"]) / "reports" / f"sqlite-chinook-v0-{store_identity(store)}" / "index.html"
    assert page.as_uri() in report.data and "accepted examples" in page.read_text()
    batch_lines = [m for m in logs if " batch " in m and "units in" in m]
    assert any(m.split(": ", 1)[1].startswith("rollout batch") for m in batch_lines), logs
    assert all("paid" in m and "cached" in m and "budget left" in m for m in batch_lines)
    assert any(m.startswith(f"run {run_id} completed: documents {totals['documents']}") for m in logs), logs


def _wait_for(read, worker: subprocess.Popen, output: Path, *, deadline_s: float = 120):
    """What ``read`` returns once it stops raising, while the worker (lbi deploy) still runs."""
    deadline = time.monotonic() + deadline_s
    while True:
        assert worker.poll() is None, output.read_text()[-3000:]
        try:
            return read()
        except (AssertionError, ObjectNotFound):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_deploy_without_a_prefect_server_says_so_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path)}  # no profile naming a server either
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([sys.executable, "-m", "lbi", "deploy", "--no-worker"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.strip().count("\n") == 0, done.stderr
    assert "PREFECT_API_URL is not set" in done.stderr
