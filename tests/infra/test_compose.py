"""No Docker engine runs here, so the compose file's structure is checked instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_the_stack_has_its_four_services() -> None:
    assert set(SERVICES) == {"postgres", "prefect-server", "object-store", "worker"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_images_are_pinned(name: str) -> None:
    image = SERVICES[name]["image"]
    repository, _, tag = image.rpartition(":")
    assert repository and tag and tag != "latest", f"{name}: {image} is not pinned to a version"
    assert re.search(r"\d", tag), f"{name}: tag {tag} names no version"


def test_postgres_has_pgvector_and_a_prefect_database() -> None:
    assert SERVICES["postgres"]["image"].startswith("pgvector/pgvector:")
    init = [v for v in SERVICES["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert init and (ROOT / init[0].split(":")[0]).is_file()
    assert "CREATE DATABASE prefect" in (ROOT / "infra/compose/init-databases.sql").read_text()
    assert SERVICES["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"].endswith("@postgres:5432/prefect")


@pytest.mark.parametrize("name", ["postgres", "prefect-server", "object-store"])
def test_services_others_wait_for_have_healthchecks(name: str) -> None:
    check = SERVICES[name]["healthcheck"]
    assert check["test"] and check["retries"] >= 3


def test_the_worker_waits_for_healthy_dependencies_and_uses_the_project_image() -> None:
    worker = SERVICES["worker"]
    assert worker["depends_on"] == {name: {"condition": "service_healthy"}
                                    for name in ("postgres", "prefect-server", "object-store")}
    dockerfile = ROOT / worker["build"]["dockerfile"]
    assert dockerfile.is_file() and dockerfile.parent.name == "infra"
    assert "pip install" in dockerfile.read_text()
    assert worker["environment"]["PREFECT_API_URL"] == "http://prefect-server:4200/api"


def test_required_variables_are_enforced() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for variable in ("POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"):
        uses = re.findall(r"\$\{" + variable + r"(:?[?-][^}]*)?\}", text)
        assert uses and all(u.startswith(":?") for u in uses), f"{variable} must be required (${{{variable}:?...}})"



def test_no_secret_is_written_in_the_file() -> None:
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in ("PASSWORD", "SECRET", "API_KEY")):
                assert str(value).startswith("${"), f"{name}.{key} holds a literal secret"
