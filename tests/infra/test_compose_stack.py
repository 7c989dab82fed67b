"""The compose stack for real: images built here, the stack brought up, a small synthesis with the offline
model triggered on the worker's deployment, then the export deployment, whose files must land in the bucket.
Skipped, with the reason, only where no Docker engine (or no docker-compose) answers."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import boto3
import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "infra" / "images" / "build.sh"
BUCKET = "lbi-datasets"
ENVIRONMENT = "sqlite-chinook-v0"
SMALL_SYNTHESIS = {"env": ENVIRONMENT, "max_docs": 1, "instructions_per_doc": 2, "max_steps": 4, "max_llm_calls": 200}
RUN_DEADLINE_S = 600


def _engine_problem() -> str | None:
    if shutil.which("docker-compose") is None:
        return "docker-compose is not installed (apt-get install docker-compose)"
    try:
        answer = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"no Docker engine answers ({error})"
    return None if answer.returncode == 0 else "no Docker engine answers (`docker info` failed)"


pytestmark = [pytest.mark.skipif(_engine_problem() is not None, reason=f"the compose stack cannot run here: {_engine_problem()}"),
              pytest.mark.timeout(3600)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Stack:
    def __init__(self) -> None:
        self.project = f"lbitest{os.getpid()}"
        self.prefect_port, self.object_store_port = _free_port(), _free_port()
        self.access_key, self.secret_key = "lbi-test", secrets.token_hex(12)
        self.env = {**os.environ, "POSTGRES_PASSWORD": secrets.token_hex(12),
                    "OBJECT_STORE_ACCESS_KEY": self.access_key, "OBJECT_STORE_SECRET_KEY": self.secret_key,
                    "LBI_PREFECT_PORT": str(self.prefect_port), "LBI_OBJECT_STORE_PORT": str(self.object_store_port)}
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{self.prefect_port}/api", timeout=30)

    def compose(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["docker-compose", "-p", self.project, "-f", str(ROOT / "docker-compose.yml"), *args],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)

    def logs(self, *services: str) -> str:
        return self.compose("logs", "--no-color", "--tail", "60", *(services or ["worker"]), timeout=60).stdout

    def deployment(self, name: str, deadline_s: float = 300) -> dict[str, Any]:
        """The deployment once the worker has registered it."""
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            response = self.api.get(f"/deployments/name/{name}")
            if response.status_code == 200:
                return response.json()
            time.sleep(2)
        raise AssertionError(f"the worker registered no deployment {name} in {deadline_s} s:\n{self.logs()}")

    def run(self, deployment: str, params: dict[str, Any]) -> dict[str, Any]:
        """Triggers a run of the deployment and waits for its final state."""
        flow_run = self.api.post(f"/deployments/{self.deployment(deployment)['id']}/create_flow_run",
                                 json={"parameters": {"params": params}}).json()
        deadline = time.monotonic() + RUN_DEADLINE_S
        while time.monotonic() < deadline:
            state = self.api.get(f"/flow_runs/{flow_run['id']}").json()["state"]
            if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                assert state["type"] == "COMPLETED", f"{deployment}: {state['type']} {state.get('message')}\n{self.logs()}"
                return flow_run
            time.sleep(2)
        raise AssertionError(f"{deployment} did not finish in {RUN_DEADLINE_S} s:\n{self.logs()}")

    def bucket(self) -> Any:
        return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.object_store_port}", region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    started = time.monotonic()
    built = subprocess.run([str(BUILD), "postgres", "prefect", "object-store", "worker"],
                           capture_output=True, text=True, timeout=3600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    print(f"\nimages ready in {time.monotonic() - started:.0f} s")
    stack = Stack()
    try:
        started = time.monotonic()
        up = stack.compose("up", "-d")
        assert up.returncode == 0, up.stderr[-3000:] + "\n" + stack.logs("prefect-server", "postgres", "worker")
        print(f"stack up in {time.monotonic() - started:.0f} s")
        yield stack
    finally:
        stack.api.close()
        down = stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "5", timeout=300)
        assert down.returncode == 0, down.stderr[-3000:]


def test_a_triggered_synthesis_and_export_land_in_the_bucket(stack: Stack) -> None:
    started = time.monotonic()
    stack.run(f"synthesize/synthesize-{ENVIRONMENT}", SMALL_SYNTHESIS)
    synthesized = time.monotonic()
    prefix = f"{ENVIRONMENT}/jsonl"
    stack.run(f"export/export-{ENVIRONMENT}", {"env": ENVIRONMENT, "format": "jsonl", "to": f"s3://{BUCKET}/{prefix}"})
    print(f"synthesis {synthesized - started:.0f} s, export {time.monotonic() - synthesized:.0f} s")

    s3 = stack.bucket()
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]
    manifests = [key for key in keys if key.endswith("manifest.json")]
    assert manifests, f"no manifest under s3://{BUCKET}/{prefix}: {keys}"
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=manifests[0])["Body"].read())
    assert manifest["records"] > 0, manifest
    data = [key for key in keys if key.endswith(".jsonl")]
    lines = [json.loads(line) for key in data
             for line in s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode().splitlines() if line]
    assert len(lines) == manifest["records"] and all(line["instruction"] for line in lines)
