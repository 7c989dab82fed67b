"""The compose file's promises that hold without an engine (test_compose_stack.py runs the stack itself)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "docker-compose.yml").read_text()
SERVICES = yaml.safe_load(TEXT)["services"]
BUILD = (ROOT / "infra/images/build.sh").read_text()


def test_the_stack_has_its_services() -> None:
    assert set(SERVICES) == {"postgres", "prefect-server", "object-store", "create-bucket", "worker"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_images_are_the_locally_built_ones_pinned_and_replaceable(name: str) -> None:
    variable, default = re.fullmatch(r"\$\{(LBI_\w+_IMAGE):-([^}]+)\}", SERVICES[name]["image"]).groups()
    repository, _, tag = default.rpartition(":")
    assert re.search(r"\d", tag), f"{name}: {default} is not pinned to a version"
    assert f"build {default} " in BUILD, f"{name}: infra/images/build.sh does not build {default}"


def test_the_worker_runs_the_deployment_file_its_image_holds() -> None:
    command = SERVICES["worker"]["command"]
    assert command[:2] == ["lbi", "deploy"] and command[command.index("--file") + 1] == "/app/prefect.yaml"
    assert re.search(r"^COPY .*prefect\.yaml /app/", (ROOT / "infra/worker.Dockerfile").read_text(), re.M)


def test_the_bucket_made_is_the_one_the_export_deployment_writes_to() -> None:
    bucket = re.fullmatch(r"\$\{LBI_EXPORT_BUCKET:-(.+)\}", SERVICES["create-bucket"]["environment"]["LBI_EXPORT_BUCKET"])[1]
    assert f"to: s3://{bucket}/" in (ROOT / "prefect.yaml").read_text()
    assert SERVICES["worker"]["depends_on"]["create-bucket"] == {"condition": "service_completed_successfully"}


def test_required_variables_are_enforced_and_no_secret_is_written() -> None:
    for variable in ("POSTGRES_PASSWORD", "OBJECT_STORE_ACCESS_KEY", "OBJECT_STORE_SECRET_KEY"):
        uses = re.findall(r"\$\{" + variable + r"(:?[?-][^}]*)?\}", TEXT)
        assert uses and all(u.startswith(":?") for u in uses), f"{variable} must be required (${{{variable}:?...}})"
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in ("PASSWORD", "SECRET", "API_KEY")):
                assert str(value).startswith("${"), f"{name}.{key} holds a literal secret"
