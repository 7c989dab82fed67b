"""The `lbi` command line, in-process, against the real store and the offline model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lbi.cli import EXIT_BUDGET, app

runner = CliRunner()


def test_db_lifecycle_on_the_embedded_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LBI_DATABASE_URL", raising=False)
    monkeypatch.setenv("LBI_HOME", str(tmp_path))
    try:
        up = runner.invoke(app, ["db", "up"])
        assert up.exit_code == 0, up.output
        assert "0001_initial.sql" in up.output
        url = runner.invoke(app, ["db", "url"]).output.strip()
        assert url.startswith("postgresql+psycopg://") and str(tmp_path) in url
        assert "up to date" in runner.invoke(app, ["db", "migrate"]).output
    finally:
        down = runner.invoke(app, ["db", "down"])
    assert "stopped" in down.output
    assert "was not running" in runner.invoke(app, ["db", "down"]).output


def test_envs_lists_the_sql_environment() -> None:
    result = runner.invoke(app, ["envs"])
    assert result.exit_code == 0 and "sqlite-chinook-v0" in result.output


def test_env_run_prints_each_observation() -> None:
    result = runner.invoke(app, ["env", "run", "sqlite-chinook-v0", "--action", "SELECT count(*) AS n FROM Genre",
                                 "--action", "ATTACH '/tmp/elsewhere.db' AS x"])
    assert result.exit_code == 0, result.output
    assert "25" in result.output and "(1 row)" in result.output
    assert "(error)" in result.output and "not authorized" in result.output


def test_unknown_environment_is_a_clear_error() -> None:
    result = runner.invoke(app, ["env", "run", "nope-v0", "--action", "x"])
    assert result.exit_code != 0
    assert "no environment 'nope-v0'" in str(result.exception)


@pytest.mark.usefixtures("prefect_api", "lbi_env")
def test_synthesize_then_stats(store: sa.Engine) -> None:
    capped = runner.invoke(app, ["synthesize", "--max-docs", "1", "--instructions-per-doc", "1", "--max-steps", "2",
                                 "--max-llm-calls", "3"])
    assert capped.exit_code == EXIT_BUDGET, capped.output
    assert "budget reached" in capped.output
    done = runner.invoke(app, ["synthesize", "--max-docs", "1", "--instructions-per-doc", "1", "--max-steps", "2",
                               "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["status"] == "completed"
    stats = runner.invoke(app, ["stats", "--env", "sqlite-chinook-v0", "--json"])
    (row,) = json.loads(stats.stdout)
    assert row["accepted"] == summary["totals"]["accepted"]
    assert row["runs"] == 2 and row["paid_calls"] == summary["totals"]["model_calls"] + 3
    assert row["cached_calls"] > 0
