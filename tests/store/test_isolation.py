"""Tests never see the developer's store: without a store fixture there is none to find."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lbi.config import Settings
from lbi.envs import registry, user

PROJECT = Path(__file__).resolve().parents[2]


def test_a_test_that_asks_for_no_store_sees_none(tmp_path_factory: pytest.TempPathFactory) -> None:
    assert "LBI_DATABASE_URL" not in os.environ and Settings().database_url is None
    home = Path(os.environ["LBI_HOME"])
    assert home.is_relative_to(tmp_path_factory.getbasetemp()) and not (home / "pgdata").exists()
    assert user.store_url() is None, "the registry finds no store to read user environments from"
    assert set(registry.builtin()) <= set(registry.registered())


def test_a_developers_store_settings_do_not_reach_the_tests(tmp_path: Path) -> None:
    developer = {"LBI_DATABASE_URL": "postgresql://developer@/their_store?host=/nonexistent-developer-socket",
                 "LBI_HOME": str(tmp_path / "developer-home")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'inner'}",
         f"{__file__}::test_a_test_that_asks_for_no_store_sees_none"],
        env={**os.environ, **developer}, cwd=PROJECT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert not (tmp_path / "developer-home").exists()
