"""Deployments from prefect.yaml, registered and served in this process (`lbi deploy`)."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import yaml

from lbi.envs.base import EnvSpec
from lbi.errors import ConfigError

MODEL_CALLS_LIMIT = "lbi-model-calls"
PROJECT_DIR = Path(__file__).resolve().parents[1]


def read_deployments(path: Path = PROJECT_DIR / "prefect.yaml") -> list[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(f"no deployment file at {path}")
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
        "entrypoint": "flows/synthesize.py:synthesize",
        "parameters": {"params": {"env": spec.id, "instructions_per_doc": 3, "max_steps": 8,
                                  "max_llm_calls": max_llm_calls}},
        "schedules": [{"cron": cron, "timezone": timezone}],
        "work_pool": {"name": "lbi"},
    }


def load_flow(entrypoint: str) -> Any:
    """The flow object named by ``path/to/module.py:function``."""
    file_part, _, name = entrypoint.partition(":")
    module = file_part.removesuffix(".py").replace("/", ".")
    return getattr(importlib.import_module(module), name)


def runner_deployments(entries: list[dict[str, Any]]) -> list[Any]:
    return [
        load_flow(entry["entrypoint"]).to_deployment(
            name=entry["name"],
            description=entry.get("description"),
            parameters=entry.get("parameters") or {},
            cron=[s["cron"] for s in entry.get("schedules") or [] if "cron" in s] or None,
        )
        for entry in entries
    ]


def ensure_model_call_limit(limit: int) -> None:
    """One provider limit shared by every flow run, whichever deployment started it."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(MODEL_CALLS_LIMIT, limit)
    os.environ["LBI_MODEL_GLOBAL_LIMIT_NAME"] = MODEL_CALLS_LIMIT  # flow runs started here inherit it


def deploy(*, serve: bool, model_call_limit: int, only: list[str] | None = None) -> list[str]:
    entries = [e for e in read_deployments() if not only or e["name"] in only]
    if only and len(entries) != len(set(only)):
        known = ", ".join(e["name"] for e in read_deployments())
        raise ConfigError(f"unknown deployment in {only} (known: {known})")
    ensure_model_call_limit(model_call_limit)
    deployments = runner_deployments(entries)
    if serve:
        from prefect import serve as prefect_serve

        prefect_serve(*deployments, print_starting_message=True)
    else:
        for deployment in deployments:
            deployment.apply()
    return [e["name"] for e in entries]
