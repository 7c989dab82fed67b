"""The experiment's deployment in prefect.yaml: shaped like the synthesize entries, no schedule, and its
parameters on the run form once `prefect deploy` (as `lbi deploy` runs it) has registered it."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from lbi.deployments import ensure_work_pool, read_deployments, register
from lbi.experiment.params import ExperimentParams


def _experiment_entry() -> dict:
    [entry] = [e for e in read_deployments() if e["entrypoint"] == "flows.experiment.experiment"]
    return entry


def test_the_experiment_deployment_is_shaped_like_the_synthesize_ones() -> None:
    entry = _experiment_entry()
    synthesize = next(e for e in read_deployments() if e["entrypoint"] == "flows.synthesize.synthesize")
    assert entry["work_pool"] == synthesize["work_pool"]
    assert entry["concurrency_limit"] == synthesize["concurrency_limit"]
    assert entry["tags"][:2] == ["lbi", "experiment"] and "schedules" not in entry
    params = ExperimentParams(**entry["parameters"]["params"])  # what the run form starts from
    assert params.env in entry["tags"] and params.max_llm_calls


def test_prefect_deploy_registers_it_with_its_parameters_on_the_run_form(prefect_api: str, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    entry = _experiment_entry()
    deployments = tmp_path / "prefect.yaml"
    deployments.write_text(yaml.safe_dump({"name": "experiment-test", "pull": [], "deployments": [entry]}))
    ensure_work_pool()
    assert register(deployments, {**os.environ, "PREFECT_API_URL": prefect_api}) == [entry["name"]]
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(f"experiment/{entry['name']}")
    assert deployment.schedules == [] and deployment.parameters == entry["parameters"]
    assert deployment.tags == entry["tags"] and deployment.work_pool_name == entry["work_pool"]["name"]
    assert deployment.job_variables == entry["work_pool"]["job_variables"]
    schema = deployment.parameter_openapi_schema
    form = schema["definitions"]["ExperimentParams"]["properties"]
    assert set(form) == set(ExperimentParams.model_fields) and "description" in form["max_llm_calls"]
