"""The one deployment route (`lbi deploy`): Prefect's own `prefect deploy --all` registers every entry of
prefect.yaml as written, then a Prefect worker on the `lbi` pool runs the scheduled and triggered runs.

Stopping the worker pauses nothing: schedules stay on the server, and runs due meanwhile wait as Late
until a worker polls the pool again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from lbi.envs.base import EnvSpec
from lbi.errors import ConfigError

WORK_POOL = "lbi"
MODEL_CALLS_LIMIT = "lbi-model-calls"
PROJECT_DIR = Path(__file__).resolve().parents[1]
RUN_ENVIRONMENT = {"PREFECT_LOGGING_LEVEL": "INFO", "LBI_MODEL_GLOBAL_LIMIT_NAME": MODEL_CALLS_LIMIT}


def deployment_file(path: Path | None = None) -> Path:
    """``path``; else ./prefect.yaml; else the one beside the installed package (an editable install)."""
    candidates = [path] if path else [Path.cwd() / "prefect.yaml", PROJECT_DIR / "prefect.yaml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise ConfigError(f"no deployment file at {' or '.join(map(str, candidates))} (give one with --file)")


def read_deployments(path: Path | None = None) -> list[dict[str, Any]]:
    path = deployment_file(path)
    deployments = (yaml.safe_load(path.read_text()) or {}).get("deployments") or []
    for entry in deployments:
        for key in ("name", "entrypoint"):
            if key not in entry:
                raise ConfigError(f"{path}: a deployment lacks '{key}': {entry}")
    return deployments


def synthesize_deployment(spec: EnvSpec, *, cron: str = "0 2 * * *", timezone: str = "UTC",
                          max_llm_calls: int = 20000) -> dict[str, Any]:
    """The prefect.yaml entry of a nightly synthesize deployment for any registered environment."""
    return {
        "name": f"synthesize-{spec.id}",
        "description": f"Nightly synthesis for {spec.id} ({spec.family}).",
        "entrypoint": "flows.synthesize.synthesize",
        "tags": ["lbi", "synthesize", spec.id],
        "parameters": {"params": {"env": spec.id, "instructions_per_doc": 3, "max_steps": 8,
                                  "max_llm_calls": max_llm_calls}},
        "schedules": [{"cron": cron, "timezone": timezone}],
        "concurrency_limit": {"limit": 1, "collision_strategy": "ENQUEUE"},  # runs of one environment never overlap
        "work_pool": {"name": WORK_POOL, "job_variables": {"env": dict(RUN_ENVIRONMENT)}},
    }


def ensure_work_pool() -> None:
    """The `lbi` process pool, created when missing (an existing pool is kept as its operator left it)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(WORK_POOL)
        except ObjectNotFound:
            try:
                client.create_work_pool(WorkPoolCreate(name=WORK_POOL, type="process"))
            except ObjectAlreadyExists:
                pass  # another worker made it meanwhile


def ensure_model_call_limit(limit: int) -> None:
    """One provider limit shared by every flow run, whichever worker runs it."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(MODEL_CALLS_LIMIT, limit)


def _prefect(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("prefect")), *args]


def register(path: Path, env: dict[str, str]) -> list[str]:
    """Every deployment of ``path``, as written, with `prefect deploy --all`; their names."""
    names = [entry["name"] for entry in read_deployments(path)]
    done = subprocess.run(_prefect("--no-prompt", "deploy", "--all", "--prefect-file", str(path)),
                          cwd=path.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stdout.strip().splitlines()[-15:])
        raise ConfigError(f"prefect deploy failed for {path} (exit {done.returncode}):\n{tail}")
    return names


def worker_command(*, limit: int | None = None) -> list[str]:
    return _prefect("worker", "start", "--pool", WORK_POOL, "--type", "process",
                    *(["--limit", str(limit)] if limit else []))


def deploy(*, path: Path | None, model_call_limit: int, env: dict[str, str] | None = None) -> list[str]:
    """Register the pool, the shared model-call limit and every deployment; their names."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise ConfigError("PREFECT_API_URL is not set: deployments live on a Prefect server "
                          "(`prefect server start`, then PREFECT_API_URL=http://127.0.0.1:4200/api)")
    env = dict(os.environ if env is None else env)
    ensure_work_pool()
    ensure_model_call_limit(model_call_limit)
    return register(deployment_file(path), env)
