"""One clean synthesize run, made once per session, and a fresh copy of it per test.

Tests corrupt their copy on purpose; the run itself costs one flow, not one per test (or per module:
``copy_of`` gives a module its own copy). Imported by the conftests of tests/quality, tests/report,
tests/experiment and tests/export, and by tests/store/test_costs.py.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from lbi.store import embedded

SMALL = SynthesizeParams(max_docs=2, instructions_per_doc=2, max_steps=3, max_span_steps=2)
_copies = itertools.count()
_made: dict[str, str] = {}


def _synthesize_once(info: embedded.PostmasterInfo, template_db: str, offline_model: str, home: Path) -> str:
    from flows.synthesize import synthesize

    name = f"lbi_synthesized_{os.getpid()}"
    with embedded.admin_connection(info) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {"LBI_DATABASE_URL": embedded.url_for(info, name), "LBI_MODEL_BASE_URL": offline_model,
                           "LBI_HOME": str(home), "LBI_MODEL_CONCURRENCY": "4"}.items():
            patch.setenv(key, value)
        result = synthesize(SMALL)
    assert result["status"] == "completed", result
    with embedded.admin_connection(info) as conn:  # a database with sessions open cannot be a template
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        deadline = time.monotonic() + 10
        while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)).fetchone()[0]:
            assert time.monotonic() < deadline, f"sessions on {name} did not end"
            time.sleep(0.05)
    return name


@pytest.fixture(scope="session")
def synthesized_db(pg_info: embedded.PostmasterInfo, template_db: str, offline_model: str, lbi_home: Path,
                   prefect_api: str) -> str:
    """The name of a database holding one clean run of SMALL (run 1)."""
    if "name" not in _made:
        _made["name"] = _synthesize_once(pg_info, template_db, offline_model, lbi_home)
    return _made["name"]


def copy_of(synthesized_db: str, pg_info: embedded.PostmasterInfo) -> str:
    """The URL of a new copy of the synthesized database."""
    name = f"{synthesized_db}_copy_{next(_copies)}"
    with embedded.admin_connection(pg_info) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{synthesized_db}"')
    return embedded.url_for(pg_info, name)


@pytest.fixture
def synthesized_store(synthesized_db: str, pg_info: embedded.PostmasterInfo, lbi_env: dict[str, str],
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    """A fresh copy of the synthesized database for this test; LBI_DATABASE_URL points at it."""
    url = copy_of(synthesized_db, pg_info)
    monkeypatch.setenv("LBI_DATABASE_URL", url)
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()
