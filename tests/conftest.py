"""Shared fixtures: a real embedded Postgres (a fresh database per test), the offline model
over real HTTP, and a temporary Prefect server for flows."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Callable, Iterator

import pytest
import sqlalchemy as sa

from lbi.store import embedded
from lbi.store.migrate import migrate
from tests.envs.kv.family import register as register_test_family

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

register_test_family()  # the tests' own environment family: the registry-driven suites check it too

# `make test` runs the suite on two workers, then these modules alone: they assert wall-clock bounds
# (a limit enforced within its slack) or that nothing of lbi is left on the whole machine.
SERIAL_MODULES = frozenset({
    "tests/envs/test_hostile.py",
    "tests/envs/test_web_containment.py",
    "tests/faults/test_model_answers.py",
    "tests/faults/test_flaky_model.py",
    "tests/faults/test_concurrent_runs.py",
    "tests/sandbox/test_leftovers.py",
    "tests/sandbox/test_docker.py",
    "tests/infra/test_compose_stack.py",
})

TEMPLATE = "lbi_template"
_numbers = itertools.count()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("::")[0] in SERIAL_MODULES:
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session", autouse=True)
def _no_user_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test sees the developer's store: LBI_DATABASE_URL is unset and LBI_HOME is an empty
    directory of the session's (no server runs there) unless a test asks for a store
    (``store_url``, ``lbi_env``, ... set them again)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("LBI_DATABASE_URL", raising=False)
        patch.setenv("LBI_HOME", str(tmp_path_factory.mktemp("no-user-store")))
        yield


@pytest.fixture(scope="session")
def lbi_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lbi-home")


@pytest.fixture(scope="session")
def pg_info(lbi_home: Path) -> Iterator[embedded.PostmasterInfo]:
    pgdata = lbi_home / "pgdata"
    embedded.start(pgdata, max_connections=800)  # many test databases, each with its pools
    yield embedded.running_info(pgdata.resolve())
    embedded.stop(pgdata)


@pytest.fixture(scope="session")
def template_db(pg_info: embedded.PostmasterInfo) -> str:
    with embedded.admin_connection(pg_info) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    engine = sa.create_engine(embedded.url_for(pg_info, TEMPLATE))
    migrate(engine)
    engine.dispose()
    return TEMPLATE


def _database_maker(info: embedded.PostmasterInfo, template: str) -> Callable[[], str]:
    def make() -> str:
        name = f"test_{os.getpid()}_{next(_numbers)}"
        with embedded.admin_connection(info) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return embedded.url_for(info, name)

    return make


@pytest.fixture
def new_store_url(pg_info: embedded.PostmasterInfo, template_db: str) -> Callable[[], str]:
    """Makes fresh, migrated databases; returns their URLs."""
    return _database_maker(pg_info, template_db)


@pytest.fixture(scope="module")
def new_store_url_module(pg_info: embedded.PostmasterInfo, template_db: str) -> Callable[[], str]:
    return _database_maker(pg_info, template_db)


@pytest.fixture
def store_url(new_store_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, migrated database for this test; LBI_DATABASE_URL points at it."""
    url = new_store_url()
    monkeypatch.setenv("LBI_DATABASE_URL", url)
    return url


@pytest.fixture(autouse=True)
def _close_pools_after_each_test() -> Iterator[None]:
    yield
    from lbi import runtime

    runtime.dispose_engines()


@pytest.fixture
def store(store_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def offline_model() -> Iterator[str]:
    from lbi.models.offline.server import running

    with running() as base_url:
        yield base_url


@pytest.fixture
def lbi_env(store_url: str, offline_model: str, lbi_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """LBI_* settings for a test: its own database, the offline model, a private home."""
    monkeypatch.setenv("LBI_MODEL_BASE_URL", offline_model)
    monkeypatch.setenv("LBI_HOME", str(lbi_home))
    monkeypatch.setenv("LBI_MODEL_CONCURRENCY", "4")
    monkeypatch.setenv("LBI_MODEL_MAX_RETRIES", "4")
    return {"LBI_DATABASE_URL": store_url, "LBI_MODEL_BASE_URL": offline_model, "LBI_HOME": str(lbi_home)}


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """A temporary Prefect server for the whole session; its URL for subprocesses."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()
